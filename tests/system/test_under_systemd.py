"""siftd under real systemd: the host OS booted in systemd-nspawn (tests/system/nspawn.py),
siftd installed by scripts/install.sh with its real unit, and checked through
systemctl and journalctl the way an operator would: READY/STATUS, the journal's
structured fields, socket activation, reload with a stream open, the watchdog,
stop with streams open, and a real Prometheus scraping it.

One container for the module; each test (re)starts siftd with the drop-ins it
needs. Test-only settings live in drop-ins under
/etc/systemd/system/siftd.service.d/, never in the unit, and only settings an
operator could also use there (Environment=, WatchdogSec=).
"""
import json
import os
import re
import subprocess
import time

import pytest

from conftest import ROOT, SIFTD
from nspawn import Container, missing_prerequisite, wait_for
from sse import stream_path
from test_dashboards import STORE_ONLY

PORT = 8080  # the unit's default listen address, and siftd.socket's ListenStream
PREFIX = "/opt/siftd"  # outside /usr: with --volatile=yes the container's /usr is the host's, read-only
UNIT_DIR = "etc/systemd/system"
DROPIN_DIR = UNIT_DIR + "/siftd.service.d"
CONFIG = "etc/siftd/siftd.toml"
KB_DIR = "/srv/sift-kb"
QUESTION = "what is photosynthesis"

# A knowledge base of five small files: siftd indexes it in milliseconds (the
# default corpora take about a minute with a debug build). Four of them match
# QUESTION, so a change of max_sources shows in the number of source events.
KB_FILES = {
    "photosynthesis.md": "# Photosynthesis\n\nPhotosynthesis is the process by which green plants, algae and some "
                         "bacteria turn light energy into chemical energy. Plants take in carbon dioxide and water "
                         "and, using sunlight captured by chlorophyll, make glucose and release oxygen.\n",
    "chlorophyll.md": "# Chlorophyll\n\nChlorophyll is the green pigment in chloroplasts that absorbs light for "
                      "photosynthesis. It absorbs red and blue light and reflects green light.\n",
    "calvin-cycle.txt": "The Calvin cycle is the second stage of photosynthesis. In the stroma of the chloroplast "
                        "the plant fixes carbon dioxide into sugar with the energy stored by the light reactions.\n",
    "light-reactions.txt": "The light reactions of photosynthesis take place in the thylakoid membranes. Water is "
                           "split, oxygen is released, and light energy is stored as ATP and NADPH.\n",
    "canberra.md": "# Canberra\n\nCanberra is the capital city of Australia. It was chosen as a compromise between "
                   "Sydney and Melbourne.\n",
}

# Drop-ins. Each says why it exists; all are settings a real operator would also use.
BASE_DROPIN = f"""# Test only: a small knowledge base, so that siftd is ready within a second.
[Service]
Environment=SIFT_KB_SOURCES={KB_DIR}
"""


def slow_dropin(delay_ms):
    return ("slow", f"""# Test only: slow answers down so that a stream is still open when the test acts.
[Service]
Environment=SIFT_DEBUG_DELTA_DELAY_MS={delay_ms}
""")


# The answer to QUESTION has 14 deltas: about 3.5 s.
SLOW = slow_dropin(250)
WATCHDOG_DROPIN = """# Test only: a short watchdog, and the switch that serves POST /debug/wedge.
[Service]
WatchdogSec=3s
Environment=SIFT_DEBUG_WEDGE=1
"""

# What the lint may find empty: the siftd in the container answers from its small
# knowledge base, extractively, with no web provider and no language model
# (tests/system/test_dashboards.py lints with both, against replays).
NO_WEB = "no web provider is configured in the container"
NO_LLM = "no language model is configured in the container"
NOT_CONFIGURED_HERE = {
    "Provider errors": NO_WEB + " (the knowledge base does not fail)",
    "Provider latency, p95": NO_WEB,
    "Cache hit ratio": NO_WEB + " (only web searches and pages are cached)",
    "Page read time, p95": NO_WEB + " (no page is read)",
    "SiftdProviderQuotaExhausted": NO_WEB,
    "LLM tokens": NO_LLM,
    "LLM requests by outcome": NO_LLM,
    "LLM time to first token": NO_LLM,
    "LLM generation rate, p50": NO_LLM,
    "LLM errors by kind": NO_LLM,
    "SiftdLLMErrors": NO_LLM,
    "instance_model_kind:sift_llm_tokens:rate5m": NO_LLM,
    "instance_model:sift_llm_requests_failed:ratio_rate5m": NO_LLM,
    "sift_llm_requests_total": NO_LLM,
    "sift_llm_tokens_total": NO_LLM,
    "sift_llm_errors_total": NO_LLM,
    "sift_llm_time_to_first_token_seconds_bucket": NO_LLM,
    "sift_llm_generation_rate_tokens_per_second_bucket": NO_LLM,
}
# No database in the container: the store row and its alerts are excused as test_dashboards.py excuses them
# (test_replicas.py checks them against PostgreSQL).
NOT_CONFIGURED_HERE.update(STORE_ONLY)


def runtime_library_dirs(binary):
    """Directories outside the OS (e.g. the Swift toolchain's runtime) the binary loads libraries from."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    dirs = set()
    for line in out.splitlines():
        if "=>" in line:
            path = line.split("=>", 1)[1].strip().split(" (")[0]
            if path.startswith("/") and not path.startswith(("/usr/", "/lib/", "/lib64/")):
                dirs.add(os.path.dirname(path))
    return sorted(dirs)


@pytest.fixture(scope="module")
def machine(tmp_path_factory):
    reason = missing_prerequisite()
    if reason:
        # On a developer machine without root this is skipped; in CI it must run.
        if os.environ.get("CI"):
            pytest.fail(f"cannot run systemd in a container: {reason}")
        pytest.skip(f"cannot run systemd in a container: {reason}")
    assert os.access(SIFTD, os.X_OK), f"siftd binary not built at {SIFTD} (set SIFTD)"
    workdir = tmp_path_factory.mktemp("nspawn")
    container = Container(workdir, bind_ro=[(d, d) for d in runtime_library_dirs(SIFTD)])
    container.boot()
    try:
        install(container, workdir)
        yield container
    finally:
        container.shutdown()


def install(container, workdir):
    """`make install`'s script into the container's root, plus the test knowledge base."""
    root = container.root
    env = dict(os.environ, BIN=SIFTD, DESTDIR=str(root), PREFIX=PREFIX, SYSCONFDIR="/etc",
               DATA_DIR=str(workdir / "no-corpora"))
    subprocess.run([os.path.join(ROOT, "scripts", "install.sh")], env=env, check=True, capture_output=True)
    unit = (root / UNIT_DIR / "siftd.service").read_text()
    assert f"ExecStart={PREFIX}/bin/siftd\n" in unit
    kb = root / KB_DIR.lstrip("/")
    kb.mkdir(parents=True)
    kb.chmod(0o755)
    for name, text in KB_FILES.items():
        (kb / name).write_text(text)
        (kb / name).chmod(0o644)
    (root / DROPIN_DIR).mkdir(parents=True, exist_ok=True)
    (root / DROPIN_DIR / "test.conf").write_text(BASE_DROPIN)
    container.systemctl("daemon-reload")


def start_siftd(container, *dropins, config=None):
    """Stops siftd (and its socket), applies the given extra drop-ins and config file, starts siftd.service.

    `systemctl start` returns once siftd has sent READY=1 (Type=notify)."""
    container.systemctl("stop", "siftd.socket", "siftd.service", check=False)
    container.systemctl("disable", "siftd.socket", check=False)
    # Every start counts against StartLimitBurst=5; the tests restart more often than that.
    container.systemctl("reset-failed", "siftd.service", "siftd.socket", check=False)
    directory = container.root / DROPIN_DIR
    for old in directory.glob("*.conf"):
        if old.name != "test.conf":
            old.unlink()
    for name, text in dropins:
        (directory / f"{name}.conf").write_text(text)
    write_config(container, config)
    container.systemctl("daemon-reload")
    container.systemctl("start", "siftd.service")
    return main_pid(container)


def write_config(container, text):
    """Writes /etc/siftd/siftd.toml (mode 0644: the dynamic user must read it); None writes an empty one."""
    path = container.root / CONFIG
    path.write_text(text or "# empty: every key has its default\n")
    path.chmod(0o644)


def main_pid(container):
    return int(container.show("siftd.service", "MainPID")["MainPID"])


def read_until(events, event_type):
    """Reads events until one of event_type; returns all read, that one last."""
    seen = []
    for event in events:
        seen.append(event)
        if event["event"] == event_type:
            return seen
    raise AssertionError(f"stream ended before a {event_type} event: {[e['event'] for e in seen]}")


def answer_of(events):
    return "".join(e["data"]["text"] for e in events if e["event"] == "delta")


def journal_messages(container, *args):
    return [e.get("MESSAGE") for e in container.journal("-u", "siftd.service", *args)]


def test_ready_and_status_reach_systemd(machine):
    # Slow enough (14 deltas, 7 s) that the stream outlives one 5 s STATUS= update.
    start_siftd(machine, slow_dropin(500))
    state = machine.show("siftd.service", "ActiveState", "SubState", "StatusText", "Type", "NotifyAccess")
    assert state["ActiveState"] == "active" and state["SubState"] == "running", state
    assert state["Type"] == "notify" and state["NotifyAccess"] == "main"
    assert state["StatusText"].startswith(f"serving on 127.0.0.1:{PORT}"), state
    # READY=1 comes only after the listener is bound: the first request succeeds.
    status, _, body = machine.http("GET", PORT, "/readyz")
    assert status == 200, body

    # STATUS= is live: with a stream open it says so within one update (5 s).
    stream = machine.stream(PORT, stream_path(QUESTION))
    events = stream.events()
    read_until(events, "delta")
    texts = []

    def counted():
        texts.append(machine.show("siftd.service", "StatusText")["StatusText"])
        return "; 1 streams open;" in texts[-1] and texts[-1]
    text = wait_for(counted, 10, lambda: f"STATUS= to count the open stream (last: {texts[-1:]})", interval=0.25)
    # The CPU queue is counted too: the open query computes (its slowed answer holds its turn) or waits.
    assert re.fullmatch(rf"serving on 127\.0\.0\.1:{PORT}; 1 streams open; 1 queries; [01] computing, 0 waiting", text), text
    shown = machine.systemctl("status", "siftd.service", check=False).stdout
    assert f'Status: "{text}"' in shown, shown
    assert "Active: active (running)" in shown, shown
    stream.close()


def test_journal_holds_a_querys_structured_fields(machine):
    start_siftd(machine)
    ids = {}
    # One answered query, and one the knowledge base has nothing for (it fails in the search stage).
    for question, outcome in ((QUESTION, "complete"), ("zanzibar quokka xylophone", "failed")):
        stream = machine.stream(PORT, stream_path(question))
        events = list(stream.events())
        stream.close()
        assert events[-1]["event"] == "done" and events[-1]["data"]["outcome"] == outcome, events
        ids[outcome] = stream.headers["x-request-id"]
    assert ids["complete"] != ids["failed"]

    def records(query_id, *args):
        entries = machine.journal("-u", "siftd.service", f"SIFT_QUERY_ID={query_id}", *args)
        return entries if any(e.get("MESSAGE") == "query finished" for e in entries) else None
    for outcome, query_id in ids.items():
        entries = wait_for(lambda: records(query_id), 10, f"the journal to hold query {query_id}'s records")
        # The filter selects exactly this query's records, all native records from siftd.service
        # (systemd's stdout transport would say "stdout").
        assert all(e["SIFT_QUERY_ID"] == query_id for e in entries)
        assert all(e["_SYSTEMD_UNIT"] == "siftd.service" and e["SYSLOG_IDENTIFIER"] == "siftd"
                   and e["_TRANSPORT"] == "journal" for e in entries)
        done = next(e for e in entries if e["MESSAGE"] == "query finished")
        assert done["SIFT_OUTCOME"] == outcome and done["PRIORITY"] == "6"
        assert float(done["SIFT_DURATION_MS"]) > 0
        assert done["CODE_FILE"] and done["CODE_LINE"].isdigit() and done["CODE_FUNC"]

    # The failure has its own record at notice, naming the stage and the error code.
    failed = machine.journal("-u", "siftd.service", "-p", "notice", f"SIFT_QUERY_ID={ids['failed']}")
    assert [e["MESSAGE"] for e in failed] == ["query failed"], failed
    assert failed[0]["SIFT_STAGE"] == "searching" and failed[0]["SIFT_CODE"] == "no_sources"
    assert failed[0]["PRIORITY"] == "5"
    assert not machine.journal("-u", "siftd.service", "-p", "notice", f"SIFT_QUERY_ID={ids['complete']}")


def test_socket_activation_starts_siftd_on_the_first_connection(machine):
    start_siftd(machine)
    machine.systemctl("stop", "siftd.service")
    assert (machine.root / UNIT_DIR / "siftd.socket").exists(), "scripts/install.sh installs siftd.socket"
    cursor = machine.journal_cursor()
    machine.systemctl("enable", "--now", "siftd.socket")
    assert machine.show("siftd.socket", "ActiveState")["ActiveState"] == "active"
    assert machine.show("siftd.service", "ActiveState")["ActiveState"] == "inactive"

    # The first connection starts siftd, which answers on the socket systemd passed it.
    status, _, body = machine.http("GET", PORT, "/readyz")
    assert status == 200, body
    state = machine.show("siftd.service", "ActiveState", "TriggeredBy")
    assert state == {"ActiveState": "active", "TriggeredBy": "siftd.socket"}, state
    stream = machine.stream(PORT, stream_path(QUESTION))
    events = list(stream.events())
    stream.close()
    assert events[-1]["event"] == "done" and events[-1]["data"]["outcome"] == "complete"
    # siftd says it serves on the passed socket rather than one it bound itself.
    entries = machine.journal("-u", "siftd.service", f"--after-cursor={cursor}")
    activated = [e for e in entries if e.get("MESSAGE") == "socket activated"]
    assert activated and activated[0]["SIFT_NAMES"] == "http", entries
    serving = [e for e in entries if e.get("MESSAGE") == "serving"]
    assert [e["SIFT_SOCKET"] for e in serving] == ["socket activated"], serving
    machine.systemctl("disable", "--now", "siftd.socket")
    machine.systemctl("stop", "siftd.service")


def test_reload_keeps_an_open_stream_and_applies_the_config(machine):
    start_siftd(machine, config="max_sources = 10\n")
    reference = machine.stream(PORT, stream_path(QUESTION))
    expected_events = list(reference.events())
    reference.close()
    expected = answer_of(expected_events)
    assert expected and expected_events[-1]["data"]["outcome"] == "complete"
    assert sum(e["event"] == "source" for e in expected_events) > 2

    pid = start_siftd(machine, SLOW, config="max_sources = 10\n")
    stream = machine.stream(PORT, stream_path(QUESTION))
    events = stream.events()
    seen = read_until(events, "delta")
    cursor = machine.journal_cursor()
    write_config(machine, "max_sources = 2\n")
    machine.systemctl("reload", "siftd.service")
    wait_for(lambda: any("configuration reloaded" in (m or "")
                         for m in journal_messages(machine, f"--after-cursor={cursor}")),
             15, "'configuration reloaded' in the journal")
    assert main_pid(machine) == pid, "a reload keeps the process"
    # The stream was still open when the reload was done.
    _, _, metrics = machine.http("GET", PORT, "/metrics")
    active = re.search(r"^sift_streams_active (\S+)$", metrics.decode(), re.M)
    assert active and float(active.group(1)) == 1, metrics.decode()

    # The stream opened before the reload runs to its end, with the whole answer.
    seen += list(events)
    stream.close()
    types = [e["event"] for e in seen]
    assert types.count("done") == 1 and seen[-1]["data"]["outcome"] == "complete", types
    assert answer_of(seen) == expected
    assert sum(t == "source" for t in types) == sum(e["event"] == "source" for e in expected_events)

    # A query after the reload uses the new max_sources.
    wait_for(lambda: machine.show("siftd.service", "ActiveState")["ActiveState"] == "active", 10,
             "the reload to finish")
    after = machine.stream(PORT, stream_path(QUESTION))
    sources = sum(e["event"] == "source" for e in read_until(after.events(), "delta"))
    after.close()
    assert sources == 2


def test_a_bad_config_is_rejected_on_reload(machine):
    pid = start_siftd(machine, config="max_sources = 2\n")
    cursor = machine.journal_cursor()
    write_config(machine, "max_sources = 2\nno_such_key = 1\n")
    machine.systemctl("reload", "siftd.service", check=False)
    rejected = wait_for(lambda: [e for e in machine.journal("-u", "siftd.service", f"--after-cursor={cursor}")
                                 if "reload rejected" in e.get("MESSAGE", "")], 15, "'reload rejected' in the journal")
    assert "no_such_key" in rejected[0]["MESSAGE"] and rejected[0]["PRIORITY"] == "3", rejected
    wait_for(lambda: machine.show("siftd.service", "ActiveState")["ActiveState"] == "active", 10,
             "siftd to be active after the rejected reload")
    assert main_pid(machine) == pid
    status, _, _ = machine.http("GET", PORT, "/readyz")
    assert status == 200
    # The old configuration stays in force.
    stream = machine.stream(PORT, stream_path(QUESTION))
    events = list(stream.events())
    stream.close()
    assert sum(e["event"] == "source" for e in events) == 2
    assert events[-1]["data"]["outcome"] == "complete"


def test_the_watchdog_restarts_a_wedged_siftd(machine):
    pid = start_siftd(machine, ("watchdog", WATCHDOG_DROPIN))
    before = int(machine.show("siftd.service", "NRestarts")["NRestarts"])
    cursor = machine.journal_cursor()
    status, _, body = machine.http("POST", PORT, "/debug/wedge", body=b"")
    assert status == 202, body

    def restarted():
        state = machine.show("siftd.service", "NRestarts", "MainPID", "ActiveState", "SubState")
        return state if int(state["NRestarts"]) > before and state["SubState"] == "running" else None
    # WatchdogSec=3s, then RestartSec=2s and a start of about a second.
    state = wait_for(restarted, 30, "systemd to kill and restart the wedged siftd", interval=0.25)
    assert int(state["MainPID"]) != pid
    # systemd's own records about the unit are part of `journalctl -u siftd`.
    messages = [m or "" for m in journal_messages(machine, f"--after-cursor={cursor}")]
    assert any("siftd.service: Watchdog timeout" in m for m in messages), messages
    # Ready again: it answers.
    stream = machine.stream(PORT, stream_path(QUESTION))
    events = list(stream.events())
    stream.close()
    assert events[-1]["event"] == "done" and events[-1]["data"]["outcome"] == "complete"


def test_stop_ends_open_streams_with_done(machine):
    start_siftd(machine, SLOW)
    streams = [machine.stream(PORT, stream_path(QUESTION)) for _ in range(3)]
    iterators = [s.events() for s in streams]
    for it in iterators:
        read_until(it, "delta")
    machine.systemctl("stop", "siftd.service")
    state = machine.show("siftd.service", "ActiveState", "Result", "ExecMainStatus")
    assert state == {"ActiveState": "inactive", "Result": "success", "ExecMainStatus": "0"}, state
    for stream, it in zip(streams, iterators):
        rest = list(it)
        stream.close()
        types = [e["event"] for e in rest]
        assert types.count("done") == 1 and types[-1] == "done", types
        assert "error" in types and rest[types.index("error")]["data"]["code"] == "shutting_down", rest
        assert rest[-1]["data"]["outcome"] == "cancelled"


def test_prometheus_scrapes_siftd_under_systemd(machine, tmp_path):
    import prometheus  # tests/system/prometheus.py: start_prometheus() and lint()
    # One stream at a time (a setting an operator could choose), so a second is refused with 503 overloaded.
    start_siftd(machine, SLOW, ("limits", "[Service]\nEnvironment=SIFT_MAX_STREAMS=1\n"))
    # Prometheus runs in the container's network namespace (its files stay on the
    # host) and scrapes siftd at 127.0.0.1:8080 there; called on a thread in that
    # namespace, its free-port probe and the lint's requests use that loopback too.
    prom = machine.in_netns(prometheus.start_prometheus, [f"127.0.0.1:{PORT}"], tmp_path / "prometheus",
                            netns_cmd_prefix=machine.netns_prefix())
    try:
        prom.wait_targets_up()
        since = time.time()
        # Traffic: a failed query, and an answered one during which another is refused.
        failed = machine.stream(PORT, stream_path("zanzibar quokka xylophone"))
        assert list(failed.events())[-1]["data"]["outcome"] == "failed"
        failed.close()
        held = machine.stream(PORT, stream_path(QUESTION))
        read_until(held.events(), "delta")
        status, _, body = machine.http("GET", PORT, stream_path(QUESTION))
        assert status == 503 and json.loads(body)["error"]["code"] == "overloaded", body
        assert list(held.events())[-1]["data"]["outcome"] == "complete"
        held.close()
        prom.settle(since=since)

        assert [s["value"][1] for s in prom.query('up{job="siftd"}')] == ["1"]
        # The sandbox (ProtectProc=invisible, PrivateUsers=yes) leaves siftd its own /proc numbers.
        start, = prom.query('process_start_time_seconds{job="siftd"}')
        assert abs(float(start["value"][1]) - since) < 120, start
        fds, = prom.query('process_open_fds{job="siftd"}')
        assert float(fds["value"][1]) > 0
        problems = machine.in_netns(prometheus.lint, prom.url, f"http://127.0.0.1:{PORT}/metrics",
                                    allow_empty=NOT_CONFIGURED_HERE)
        assert problems == [], "\n".join(problems)
    finally:
        prom.stop()


def test_the_replica_template_runs_replicas_side_by_side(machine):
    # siftd@.service as make install wrote it: two instances, each on its port, with its own
    # dynamic user, index and identity, and the database password credential passed in. No
    # SIFT_DATABASE_URL here (the memory backend): test_replicas.py checks the shared store.
    machine.systemctl("stop", "siftd.socket", "siftd.service", check=False)
    template_dropins = machine.root / UNIT_DIR / "siftd@.service.d"
    template_dropins.mkdir(parents=True, exist_ok=True)
    (template_dropins / "test.conf").write_text(BASE_DROPIN)
    credstore = machine.root / "etc" / "credstore"
    credstore.mkdir(mode=0o700, exist_ok=True)
    (credstore / "database-password").write_text("not-a-real-password")
    (credstore / "database-password").chmod(0o600)
    units = ["siftd@8081.service", "siftd@8082.service"]
    machine.systemctl("daemon-reload")
    try:
        machine.systemctl("start", *units)
        hostname = machine.run("hostname").stdout.strip()
        pids = set()
        for unit, port in zip(units, (8081, 8082)):
            state = machine.show(unit, "ActiveState", "SubState", "StatusText", "User", "MainPID")
            assert state["ActiveState"] == "active" and state["SubState"] == "running", (unit, state)
            assert state["StatusText"].startswith(f"serving on 127.0.0.1:{port}"), state
            assert state["User"] == f"siftd-{port}", state
            pids.add(state["MainPID"])
            status, _, body = machine.http("GET", port, "/readyz")
            assert status == 200, body
            stream = machine.stream(port, stream_path(QUESTION))
            events = list(stream.events())
            stream.close()
            assert events[-1]["data"]["outcome"] == "complete" and answer_of(events), events[-3:]
            # Its own state directory and index; its identity and credential.
            assert (machine.root / f"var/lib/private/siftd-{port}/kb.sqlite").exists()
            environ = (machine.root / f"proc/{state['MainPID']}/environ").read_bytes().split(b"\0")
            assert f"SIFT_REPLICA_ID={hostname}:{port}".encode() in environ
            assert (machine.root / f"run/credentials/{unit}/database-password").read_text() == "not-a-real-password"
        assert len(pids) == 2
    finally:
        machine.systemctl("stop", *units, check=False)
        (credstore / "database-password").unlink()
