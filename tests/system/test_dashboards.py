"""dashboards/: the rules pass `promtool check rules` and `promtool test rules`, and
the dashboard and rules pass the lint (scripts/dashboard_lint.py) against a real
Prometheus scraping a real siftd. siftd runs against the Brave, SearXNG and page
replays and the scripted chat server, and the traffic below makes every series the
dashboard and the alerts read exist: a spent Brave quota, a stream refused with 429,
a language model that goes away."""
import glob
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request

import pytest
import yaml

from conftest import ROOT, Daemon, free_port
from prometheus import lint, start_prometheus
from sse import SSEStream, stream_path
from test_web import REPLAY, Replay, _busy

DASHBOARDS = os.path.join(ROOT, "dashboards")
RULES = os.path.join(DASHBOARDS, "siftd.rules.yml")
RULE_TESTS = sorted(glob.glob(os.path.join(DASHBOARDS, "tests", "*.yml")))
DASHBOARD = os.path.join(DASHBOARDS, "siftd.json")
RUNBOOK = os.path.join(DASHBOARDS, "runbook.md")


def promtool(*args):
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is missing: `scripts/install-deps.sh test` installs it")
    return subprocess.run([path, *args], capture_output=True, text=True, cwd=ROOT)


def rule_file():
    with open(RULES) as f:
        return yaml.safe_load(f)


def rules_of(kind):
    return [rule[kind] for group in rule_file()["groups"] for rule in group["rules"] if kind in rule]


class ChatServer:
    """sift-replay --service llm: 20 tokens, 50 ms apart, so an answer holds its stream open for a second."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.log = open(tmp_path / "llm.log", "wb")
        self.proc = subprocess.Popen(
            [REPLAY, "--port", str(self.port), "--service", "llm", "--llm-tokens", "20", "--llm-token-interval-ms", "50"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not _busy(self.port):
            assert self.proc.poll() is None and time.monotonic() < deadline, "the scripted chat server did not start"
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.log.close()


def ask(daemon, question):
    s = SSEStream(daemon.port, stream_path(question), timeout=60)
    try:
        assert s.status == 200, s.status
        events = list(s.events())
    finally:
        s.close()
    kinds = [e["event"] for e in events]
    assert kinds.count("done") == 1 and kinds[-1] == "done", kinds
    return events


def refuse_one(daemon, question):
    held = SSEStream(daemon.port, stream_path(question), timeout=60)
    try:
        assert held.status == 200
        assert next(held.events())["event"] != "done"
        status, _, body = daemon.get(stream_path("what is a black hole"))
        assert status == 503 and json.loads(body)["error"]["code"] == "overloaded", (status, body)
        assert list(held.events())[-1]["event"] == "done"
    finally:
        held.close()


def warnings(events):
    return [e["data"] for e in events if e["event"] == "warning"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dashboards")
    # Brave answers three searches, then its monthly quota is spent.
    replay = Replay(tmp, "--brave-monthly-quota", "3")
    chat = ChatServer(tmp)
    daemon = prom = None
    try:
        daemon = Daemon(tmp, {
            **replay.env(), "SIFT_FETCH_ALLOW_HOSTS": "127.0.0.1",
            "SIFT_LLM_URL": f"http://127.0.0.1:{chat.port}/v1", "SIFT_LLM_MODEL": "scripted",
            "SIFT_MAX_STREAMS": "1",
        })
        prom = start_prometheus([f"127.0.0.1:{daemon.port}"], tmp / "prometheus")
        prom.wait_targets_up()

        # Answers written by the model, from the knowledge base and both web engines (paced to Brave's 1/s).
        for question in ("capital of australia", "swift concurrency", "tcp congestion control"):
            events = ask(daemon, question)
            assert not [w for w in warnings(events) if w["code"].startswith(("llm_", "provider_"))], warnings(events)
        # The quota is spent: Brave is left out with a warning.
        events = ask(daemon, "photosynthesis in leaves")
        assert "provider_quota_exhausted" in [w["code"] for w in warnings(events)], warnings(events)
        # One stream open (SIFT_MAX_STREAMS=1, the model takes a second): another query is refused. Twice,
        # with a scrape between, so the refusal counter is seen to grow (its series is born at 1).
        for question in ("how do tides work", "why is the sky blue"):
            refuse_one(daemon, question)
            prom.settle(since=time.time(), scrapes=1)
        # The model goes away: the answer is extractive, with an llm_connection warning.
        chat.stop()
        events = ask(daemon, "what is the speed of light")
        assert "llm_connection" in [w["code"] for w in warnings(events)], warnings(events)

        prom.settle(since=time.time())
        yield daemon, prom
    finally:
        for part in (prom, daemon, chat, replay):
            if part is not None:
                part.stop()


def test_promtool_check_rules_is_clean():
    done = promtool("check", "rules", RULES)
    assert done.returncode == 0, done.stdout + done.stderr
    total = len(rules_of("record")) + len(rules_of("alert"))
    assert f"SUCCESS: {total} rules found" in done.stdout, done.stdout
    assert "WARNING" not in done.stdout + done.stderr


def test_promtool_rule_tests_pass():
    assert RULE_TESTS
    done = promtool("test", "rules", *RULE_TESTS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("SUCCESS") == len(RULE_TESTS), done.stdout


def test_rule_tests_cover_every_alert_firing_and_not_firing_and_every_recording_rule():
    fired, silent, exprs = set(), set(), []
    for path in RULE_TESTS:
        with open(path) as f:
            suite = yaml.safe_load(f)
        for test in suite["tests"]:
            for case in test.get("alert_rule_test", []):
                (fired if case.get("exp_alerts") else silent).add(case["alertname"])
            exprs += [case["expr"] for case in test.get("promql_expr_test", [])]
    alerts = set(rules_of("alert"))
    assert alerts - fired == set(), "alerts never tested firing"
    assert alerts - silent == set(), "alerts never tested silent"
    untested = [name for name in rules_of("record") if not any(re.search(re.escape(name) + r"\b", e) for e in exprs)]
    assert untested == [], "recording rules whose values no promql_expr_test checks"


def test_every_alert_links_its_runbook_section():
    with open(RUNBOOK) as f:
        headings = re.findall(r"^## (\w+)$", f.read(), re.M)
    alerts = [rule for group in rule_file()["groups"] for rule in group["rules"] if "alert" in rule]
    assert sorted(headings) == sorted(rule["alert"] for rule in alerts), "one runbook section per alert"
    for rule in alerts:
        assert rule["annotations"]["runbook_url"] == "dashboards/runbook.md#" + rule["alert"].lower()


def test_prometheus_loaded_every_rule(stack):
    _, prom = stack
    loaded = [(rule["type"], rule["name"]) for group in prom.get("/api/v1/rules")["groups"] for rule in group["rules"]]
    expected = [("recording", name) for name in rules_of("record")] + [("alerting", name) for name in rules_of("alert")]
    assert sorted(loaded) == sorted(expected)


# What only a siftd with a database exports: the lint excuses it here, and test_replicas.py checks it
# against replicas on PostgreSQL (test_the_store_panels_and_alerts_read_real_series).
MEMORY_BACKEND = "the memory backend exports no store metrics; test_replicas.py checks these against PostgreSQL"
STORE_ONLY = {name: MEMORY_BACKEND for name in (
    "Store operation latency (p99)", "Store errors and takeovers", "Store wake-ups and rows",
    "SiftdStoreErrors", "SiftdLeaseTakeovers",
    "sift_store_operation_seconds_bucket", "sift_store_errors_total", "sift_store_lease_takeovers_total",
    "sift_store_wakeups_total", "sift_store_rows",
)}


def test_dashboard_and_rules_lint_clean_against_a_live_siftd(stack):
    daemon, prom = stack
    assert lint(prom.url, daemon.base + "/metrics", allow_empty=STORE_ONLY) == []


def test_the_traffic_makes_the_matching_alerts_pending(stack):
    """The alerts evaluate real data: a spent quota and a refused stream make theirs pending (their `for:` is
    minutes); a daemon that answers scrapes is not down."""
    _, prom = stack
    pending = {(s["metric"]["alertname"], s["metric"].get("provider", "")) for s in prom.query('ALERTS{alertstate="pending"}')}
    assert ("SiftdProviderQuotaExhausted", "brave") in pending
    assert ("SiftdStreamsRefused", "") in pending
    assert not prom.query('ALERTS{alertname=~"SiftdDown|SiftdTargetMissing"}')


def test_the_lint_reports_what_is_wrong(stack, tmp_path):
    daemon, prom = stack
    with open(DASHBOARD) as f:
        board = json.load(f)
    template = next(p for p in board["panels"] if p["type"] == "timeseries")

    def panel(title, expr, unit="short"):
        p = json.loads(json.dumps(template))
        p.update(title=title, id=1000 + len(board["panels"]))
        p["fieldConfig"]["defaults"]["unit"] = unit
        p["targets"] = [dict(p["targets"][0], expr=expr, refId="A")]
        board["panels"].append(p)

    panel("unknown metric", 'sum(rate(sift_no_such_thing_total{job=~"$job"}[$__rate_interval]))')
    panel("unknown rule", 'sum(instance:sift_nothing:rate5m{job=~"$job"})')
    panel("bad syntax", "sum(rate(sift_queries_total[5m])")
    panel("no series", 'sum(sift_queries_total{outcome="no_such_outcome"})')
    panel("only NaN", 'sum(rate(sift_queries_total[1m])) / 0 * 0')
    panel("no unit", "sum(sift_streams_active)", unit="")
    panel("unknown variable", 'sum(sift_streams_active{instance=~"$host"})')
    broken_board = tmp_path / "siftd.json"
    broken_board.write_text(json.dumps(board))
    with open(RUNBOOK) as f:
        runbook = f.read()
    broken_runbook = tmp_path / "runbook.md"
    broken_runbook.write_text(runbook.replace("## SiftdDown\n", "## Siftd is down\n"))

    problems = lint(prom.url, daemon.base + "/metrics", dashboard=broken_board, runbook=broken_runbook,
                    allow_empty={**STORE_ONLY, "no unit": "the test only wants its unit checked", "Gone": "no such panel"})

    def reported(*parts):
        return [p for p in problems if all(part in p for part in parts)]

    assert reported("sift_no_such_thing_total", "not in", "'unknown metric'")
    assert reported("'unknown metric'", "no data")
    assert reported("instance:sift_nothing:rate5m", "no such recording rule")
    assert reported("'unknown rule'", "no data")
    assert reported("'bad syntax'", "bad_data")
    assert reported("'no series'", "no data")
    assert reported("'only NaN'", "only NaN")
    assert reported("'no unit'", "no unit")
    assert reported("'unknown variable'", "unknown variable $host")
    assert reported("alert SiftdDown", "no heading for #siftddown")
    assert reported("allow_empty", "'Gone'")
    assert len(problems) == 11, "\n".join(problems)

    # allow_empty excuses the data of what it names (a panel, a rule, a metric), nothing else.
    excused = lint(prom.url, daemon.base + "/metrics", dashboard=broken_board, runbook=broken_runbook,
                   allow_empty={**STORE_ONLY, "unknown metric": "test", "sift_no_such_thing_total": "test", "SiftdStreamsRefused": "test",
                                "only NaN": "test", "Gone": "no such panel"})
    assert sorted(excused) == sorted(p for p in problems if "'unknown metric'" not in p and "'only NaN'" not in p)
    assert len(excused) == 8


def test_prometheus_runs_in_another_network_namespace(tmp_path):
    """start_prometheus with a command prefix (as for a container's network namespace): Prometheus listens on
    the namespace's loopback, scrapes there, and prom.fetch reaches it while the host's loopback does not."""
    holder = subprocess.Popen(["unshare", "--net", "sleep", "120"])
    prom = None
    try:
        deadline = time.monotonic() + 10
        while os.readlink(f"/proc/{holder.pid}/ns/net") == os.readlink("/proc/self/ns/net"):
            assert holder.poll() is None and time.monotonic() < deadline, "unshare --net did not make a namespace"
            time.sleep(0.02)
        prefix = ["nsenter", "-t", str(holder.pid), "-n"]
        subprocess.run([*prefix, "ip", "link", "set", "lo", "up"], check=True)
        port = free_port()
        # Prometheus scrapes itself: the namespace's 127.0.0.1, not the host's.
        prom = start_prometheus([f"127.0.0.1:{port}"], tmp_path, netns_cmd_prefix=prefix, rules=(), port=port)
        prom.wait_targets_up()
        assert [s["value"][1] for s in prom.query('up{job="siftd"}')] == ["1"]
        with pytest.raises(OSError):
            urllib.request.urlopen(prom.url + "/-/ready", timeout=2)
    finally:
        if prom is not None:
            prom.stop()
        holder.kill()
        holder.wait()
