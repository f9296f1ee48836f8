"""Several siftd replicas sharing a real PostgreSQL, behind a real nginx (issue 13, part 6).

The setup, shared by the module (docs/scaling.md describes the same thing for an operator):

    PostgreSQL 15 (pg.py: initdb + pg_ctl in a temporary directory, unprivileged, 127.0.0.1)
        ^ SIFT_DATABASE_URL (replica c: no password in the URL, the credential database-password)
    siftd replicas a, b, c (conftest.Daemon; the knowledge-base index in STATE_DIR, shared
        read-only as every system test does; their own cache directories)
        ^ docs/examples/nginx-sift.conf, run by nginx.py with the replicas' ports
    nginx on 127.0.0.1
    + sift-replay (Brave, SearXNG, pages) so that web searches go through the shared cache

Answers are slowed down (SIFT_DEBUG_DELTA_DELAY_MS) so that a test can act in
mid-answer, and the query lease is 3 s (SIFT_QUERY_LEASE_SECONDS) so that a dead
replica's queries are ended quickly. A test that kills a replica or the database
brings it back before it returns.

The tests on the cluster need siftd's PostgreSQL backend (docs/scaling.md). Without it
they fail, never skip: the `cluster` fixture checks that /readyz reports `"store":
"postgres ok"`. Three tests check the harness itself and need no more than a siftd:
the nginx sample in Debian's nginx.conf, PostgreSQL's start, stop and restart, and
nginx streaming unbuffered and failing over between plain replicas.
"""
import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

import pytest

from conftest import ROOT, SIFTD, STATE_DIR, Daemon, free_port
from nginx import NGINX, SAMPLE, Nginx
from pg import PostgreSQL
from sse import SSEStream, stream_path
from test_web import Replay, metric

LEASE_SECONDS = 3
# How long after the lease another replica may take to end a dead replica's query:
# noticing it (a poll or a reader) and writing two events.
LEASE_MARGIN = 5
DELTA_DELAY_MS = 120  # "what is photosynthesis" has about 27 deltas here: an answer takes about 3.5 s
QUESTION = "what is photosynthesis"
FOLLOW_UP = "and what does it need from the air?"


class Cluster:
    """PostgreSQL, the replay servers, replicas a, b and c, and nginx in front of them."""

    def __init__(self, tmp_path_factory):
        self.tmp = tmp_path_factory
        self.pg = self.replay = self.nginx = None
        self.replicas = {}

    def start(self):
        tmp_path_factory = self.tmp
        self.pg = PostgreSQL()
        self.pg.start()
        self.url = self.pg.create_database("sift")
        self.password = self.pg.passwords["sift"]
        # Brave's monthly quota stays at the replay's default (2,000): with 0 ("uncapped" to the
        # replay) siftd reads the quota as used up after the first search.
        self.replay = Replay(tmp_path_factory.mktemp("replicas-replay"), "--brave-per-second", "1000")
        credentials = tmp_path_factory.mktemp("replicas-credentials")
        (credentials / "database-password").write_text(self.password)
        common = {**self.replay.env(), "SIFT_FETCH_ALLOW_HOSTS": "127.0.0.1",
                  "SIFT_DEBUG_DELTA_DELAY_MS": str(DELTA_DELAY_MS), "SIFT_QUERY_LEASE_SECONDS": str(LEASE_SECONDS)}
        self.env = {
            "a": {**common, "SIFT_DATABASE_URL": self.url},
            "b": {**common, "SIFT_DATABASE_URL": self.url},
            # The password as a systemd credential would pass it (siftd@.service: LoadCredential=database-password).
            "c": {**common, "SIFT_DATABASE_URL": self.pg.url("sift", "sift"), "CREDENTIALS_DIRECTORY": str(credentials)},
        }
        # One after the other: the first creates the tables (and, on a fresh clone, the index).
        for name in "abc":
            self.replicas[name] = Daemon(tmp_path_factory.mktemp(f"replica-{name}"), self.env[name])
        self.nginx = Nginx([r.port for r in self.replicas.values()])

    def __getattr__(self, name):
        if name in ("a", "b", "c"):
            return self.replicas[name]
        raise AttributeError(name)

    def restart(self, name):
        """Starts replica `name` again on its port (after a test killed it)."""
        old = self.replicas[name]
        if old.proc.poll() is None:
            old.stop()
        else:
            old.log.close()
        self.replicas[name] = Daemon(self.tmp.mktemp(f"replica-{name}"), self.env[name], port=old.port)
        return self.replicas[name]

    def name_of(self, port):
        return next(name for name, r in self.replicas.items() if r.port == port)

    def close(self):
        if self.nginx:
            self.nginx.destroy()
        for replica in self.replicas.values():
            if replica.proc.poll() is None:
                replica.stop()
        if self.replay:
            self.replay.stop()
        if self.pg:
            self.pg.destroy()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory)
    try:
        c.start()
        for name, replica in c.replicas.items():
            store = readiness(replica)[1].get("components", {}).get("store")
            if store != "postgres ok":
                pytest.fail(f"replica {name} does not keep its state in PostgreSQL: /readyz components.store is "
                            f"{store!r}, not 'postgres ok', with SIFT_DATABASE_URL set. siftd needs the "
                            "PostgreSQL backend of issue 13 for these tests.")
        yield c
    finally:
        c.close()


# MARK: helpers


def readiness(target):
    status, _, body = target.get("/readyz")
    return status, json.loads(body)


def start_query(target, question=QUESTION, **fields):
    status, headers, body = target.post_json("/v1/queries", {"q": question, **fields})
    assert status == 201, body
    return body


def read(port, path, headers=None, stop=None, timeout=30):
    """The events of one GET, each with the time it arrived (`at`, monotonic). With `stop`, a
    function of the events so far, the connection is closed as soon as it returns true.

    `timeout` bounds the whole read, not one receive: heartbeats would keep a stream that
    never ends alive forever, so a timer closes the connection when the time is up."""
    s = SSEStream(port, path, headers=headers, timeout=timeout)
    expired = threading.Event()

    def expire():
        expired.set()
        s.close()
    timer = threading.Timer(timeout, expire)
    timer.start()
    events = []
    try:
        assert s.status == 200, (s.status, s.headers)
        for event in s.events():
            event["at"] = time.monotonic()
            events.append(event)
            if stop and stop(events):
                break
    except (OSError, ValueError):
        if not expired.is_set():
            raise
    finally:
        timer.cancel()
        s.close()
    assert not expired.is_set(), f"GET {path} did not end within {timeout} s: {[e['event'] for e in events][-5:]}"
    return events


def deltas(n):
    """A `stop` for read(): after the n-th delta."""
    return lambda events: events[-1]["event"] == "delta" and sum(e["event"] == "delta" for e in events) == n


def bare(events):
    """What the server sent, without the arrival times."""
    return [(e["id"], e["event"], e["data"]) for e in events]


def types(events):
    return [e["event"] for e in events]


def of(events, kind):
    return [e["data"] for e in events if e["event"] == kind]


def answer_of(events):
    return "".join(d["text"] for d in of(events, "delta") if "model" not in d)


def assert_one_done_last(events, outcome=None):
    kinds = types(events)
    assert kinds.count("done") == 1 and kinds[-1] == "done", kinds
    if outcome:
        assert events[-1]["data"]["outcome"] == outcome, events[-1]


def assert_contiguous(events, first=1):
    assert [e["id"] for e in events] == list(range(first, first + len(events))), [e["id"] for e in events]


def full_log(target, query_id):
    return read(target.port, f"/v1/queries/{query_id}/events")


def wait_for(condition, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what() if callable(what) else what}")
        time.sleep(interval)


def served_by(cluster, request_prefix, at_least=0, timeout=10):
    """For each request starting with request_prefix in nginx's access log, in order: the
    replicas (names) nginx tried, the one that answered last. nginx logs a request when it
    ends: waits (bounded) until at least `at_least` are there."""
    def matching():
        return [e for e in cluster.nginx.access_log() if e["request"].startswith(request_prefix)]
    wait_for(lambda: len(matching()) >= at_least, timeout, f"nginx to log {at_least} × {request_prefix!r}")
    return [[cluster.name_of(int(a.rsplit(":", 1)[1])) if a.startswith("127.0.0.1:") else a for a in e["upstream"]]
            for e in matching()]


# MARK: the sample configuration


def test_the_nginx_sample_is_valid_in_debians_nginx_conf(tmp_path):
    # As an operator installs it: in sites-enabled of Debian's own nginx.conf (its http block,
    # gzip on, its log formats), with the default site removed. `nginx -t` checks it.
    debian = os.environ.get("SIFT_TEST_NGINX_ETC", "/etc/nginx")  # Debian's configuration (package nginx-common)
    assert os.path.exists(f"{debian}/nginx.conf"), "Debian's nginx is not installed (scripts/install-deps.sh test)"
    etc = tmp_path / "nginx"
    shutil.copytree(debian, etc, symlinks=True)
    (etc / "sites-enabled" / "default").unlink(missing_ok=True)
    shutil.copyfile(SAMPLE, etc / "sites-available" / "sift")
    (etc / "sites-enabled" / "sift").symlink_to("../sites-available/sift")
    main = etc / "nginx.conf"
    main.write_text(main.read_text().replace("/etc/nginx/", f"{etc}/").replace(f"{debian}/", f"{etc}/"))
    result = subprocess.run([NGINX, "-t", "-e", str(tmp_path / "error.log"), "-c", str(main)], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr


# MARK: the harness itself (these need no PostgreSQL support in siftd)


def test_the_postgresql_harness_starts_stops_and_restarts_within_bounds():
    pg = PostgreSQL()
    try:
        pg.start()
        url = pg.create_database("harness")
        psql = os.path.join(pg.bin, "psql")
        # A password login over TCP, as siftd's, with the URL the tests give siftd.
        made = subprocess.run([psql, url, "-Atc", "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7); "
                               "SELECT current_user"], capture_output=True, text=True, timeout=30)
        assert made.returncode == 0 and made.stdout.strip().endswith("harness"), made.stderr
        assert os.stat(pg.dir).st_uid != 0 or os.geteuid() != 0  # PostgreSQL runs as an unprivileged user
        started = time.monotonic()
        pg.stop()
        assert time.monotonic() - started < 10 and not pg.running()
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", pg.port)) != 0  # an outage: the port refuses
        pg.start()
        assert pg.psql("SELECT n FROM kept", "harness") == "7"  # the same cluster, on the same port
        pg.crash()
        assert not pg.running()
        pg.start()  # crash recovery
        assert pg.psql("SELECT n FROM kept", "harness") == "7"
    finally:
        pg.destroy()
    assert not os.path.exists(pg.dir) and not pg.running()


def test_nginx_passes_streams_unbuffered_and_fails_over_between_replicas(tmp_path):
    # Plain replicas (the memory backend): what nginx does does not depend on the store.
    replicas = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        replicas.append(Daemon(tmp_path / name, {"SIFT_DEBUG_DELTA_DELAY_MS": "60"}))
    lb = Nginx([r.port for r in replicas])
    try:
        events = read(lb.port, stream_path(QUESTION))
        assert_one_done_last(events, "complete")
        deltas = [e["at"] for e in events if e["event"] == "delta"]
        # Each delta passed through as siftd wrote it, not in one buffered lump at the end.
        assert deltas[-1] - deltas[0] > 0.5 * (len(deltas) - 1) * 0.060, deltas
        # One replica stops: every request still succeeds, nginx moves on from the refused one.
        assert replicas[1].stop() == 0
        for _ in range(4):
            status, _, _ = lb.get("/readyz")
            assert status == 200
        tried = [e["upstream"] for e in lb.access_log() if e["request"].startswith("GET /readyz")]
        assert any(len(t) == 2 for t in tried), tried
        # None left: siftd's error shape, from nginx.
        assert replicas[0].stop() == 0
        status, headers, body = lb.get("/v1/answer/stream?q=x")
        assert status == 503 and headers["Retry-After"] == "2", (status, headers)
        assert json.loads(body)["error"]["code"] == "no_replica_available"
    finally:
        lb.destroy()
        for r in replicas:
            if r.proc.poll() is None:
                r.stop()
    assert not os.path.exists(lb.prefix)


# MARK: the store, and each replica's identity


def test_every_replica_reports_the_shared_store_and_its_identity(cluster):
    hostname = socket.gethostname()
    for name, replica in cluster.replicas.items():
        status, ready = readiness(replica)
        assert status == 200 and ready["ready"] is True, ready
        assert ready["components"]["store"] == "postgres ok", ready
        # SIFT_REPLICA_ID defaults to <hostname>:<port>.
        assert metric(replica, "sift_replica_info", replica=f"{hostname}:{replica.port}") == 1, name
        # Making the tables took store operations; each table's size is a gauge (the families
        # that count events, such as errors and takeovers, may have no series yet).
        text = wait_for(lambda: (lambda t: t if all(re.search(rf'^sift_store_rows\{{[^}}]*table="{table}"', t, re.M)
                                                    for table in ("queries", "events", "sessions", "cache")) else None)(
            replica.get("/metrics")[2].decode()), 10, f"replica {name} to export sift_store_rows for each table")
        assert re.search(r'^sift_store_operation_seconds_count\{[^}]*operation="', text, re.M), name
        if shutil.which("promtool"):
            checked = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True,
                                     timeout=30)
            assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()
    # siftd made its own tables.
    tables = set(cluster.pg.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", "sift").split())
    assert {"sift_schema", "sift_queries", "sift_events", "sift_sessions", "sift_cache"} <= tables, tables


# MARK: a query on one replica, read on another


def test_a_query_started_on_one_replica_streams_live_from_another(cluster):
    query = start_query(cluster.a)
    started = time.monotonic()
    on_b = read(cluster.b.port, query["events_url"])
    assert_one_done_last(on_b, "complete")
    assert_contiguous(on_b)
    assert of(on_b, "query")[0]["id"] == query["id"]
    assert len(answer_of(on_b)) > 40
    # Live, not replayed at the end: B passed the first delta on well before the last one was written.
    deltas = [e["at"] for e in on_b if e["event"] == "delta"]
    assert deltas[-1] - deltas[0] > 0.5 * (len(deltas) - 1) * DELTA_DELAY_MS / 1000, (deltas[0] - started, deltas[-1] - started)
    # Every replica has the same log: the same ids, types and data.
    for other in (cluster.a, cluster.c):
        assert bare(full_log(other, query["id"])) == bare(on_b)
    # B followed A's appends by being woken (LISTEN/NOTIFY, or the poll that covers a missed one).
    assert metric(cluster.b, "sift_store_wakeups_total") > 0


def test_a_reader_resumes_on_another_replica_with_exactly_the_missing_events(cluster):
    query = start_query(cluster.a)
    first = read(cluster.b.port, query["events_url"], stop=deltas(3))
    last = first[-1]["id"]
    assert first[-1]["event"] == "delta"
    rest = read(cluster.c.port, query["events_url"], headers={"Last-Event-ID": str(last)})
    assert rest[0]["id"] == last + 1
    assert_one_done_last(rest, "complete")
    full = full_log(cluster.a, query["id"])
    assert bare(first + rest) == bare(full)
    assert_contiguous(full)
    # The same through nginx, whichever replica it picks: the header reaches siftd.
    via_nginx = read(cluster.nginx.port, query["events_url"], headers={"Last-Event-ID": str(last)})
    assert bare(via_nginx) == bare(rest)
    served_by(cluster, f"GET {query['events_url']}", at_least=1)
    logged = [e for e in cluster.nginx.access_log() if e["request"].startswith(f"GET {query['events_url']}")]
    assert logged[-1]["last_event_id"] == str(last), logged
    # And with the parameter, on the replica that ran it.
    assert bare(read(cluster.a.port, query["events_url"] + f"?last_event_id={last}")) == bare(rest)


def test_a_session_continues_on_another_replica(cluster):
    first = start_query(cluster.a)
    assert_one_done_last(read(cluster.a.port, first["events_url"]), "complete")
    # The follow-up is asked on B and read on C; it builds on the turn A answered.
    second = start_query(cluster.b, FOLLOW_UP, session=first["session"])
    assert second["session"] == first["session"]
    events = read(cluster.c.port, second["events_url"])
    assert_one_done_last(events, "complete")
    asked = of(events, "query")[0]
    assert asked["session"] == first["session"] and asked["original"] == FOLLOW_UP
    assert "photosynthesis" in asked.get("context", asked["normalized"]), asked
    # The stream route takes the session too, on the third replica.
    third = read(cluster.c.port, stream_path("and how fast is it?") + f"&session={first['session']}")
    assert_one_done_last(third, "complete")
    assert of(third, "query")[0]["session"] == first["session"]


def test_a_web_search_cached_by_one_replica_is_a_hit_on_another(cluster):
    question = "tcp congestion control"
    searches = lambda: len(cluster.replay.requests("brave"))  # noqa: E731
    before = searches()
    assert_one_done_last(read(cluster.a.port, stream_path(question)), "complete")
    wait_for(lambda: searches() == before + 1, 5, "A's search to reach the Brave replay")
    hits = metric(cluster.c, "sift_cache_requests_total", cache="search", result="hit")
    # C never saw this question: its search is served from the cache A filled.
    assert_one_done_last(read(cluster.c.port, stream_path(question)), "complete")
    time.sleep(0.5)
    assert searches() == before + 1, cluster.replay.requests("brave")[-3:]
    assert metric(cluster.c, "sift_cache_requests_total", cache="search", result="hit") >= hits + 1


# MARK: failover


def test_a_replica_killed_in_mid_answer_is_ended_by_another_and_its_reader_resumes_through_nginx(cluster):
    # Started through nginx; its access log says which replica runs it.
    posts = len(served_by(cluster, "POST /v1/queries"))
    query = start_query(cluster.nginx)
    owner = served_by(cluster, "POST /v1/queries", at_least=posts + 1)[-1][-1]
    victim = cluster.replicas[owner]
    survivors = [name for name in cluster.replicas if name != owner]
    # The reader is on the replica running the query (as nginx may well have placed it).
    reader = SSEStream(victim.port, query["events_url"])
    seen = []
    events = reader.events()
    for event in events:
        seen.append(event)
        if sum(e["event"] == "delta" for e in seen) == 2:
            break
    takeovers = sum(metric(cluster.replicas[n], "sift_store_lease_takeovers_total") for n in survivors)
    try:
        victim.proc.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        victim.proc.wait(timeout=10)
        # The reader's connection ends (closed or reset) without a done.
        try:
            for event in events:
                seen.append(event)
        except OSError:
            pass
        reader.close()
        assert "done" not in types(seen), types(seen)
        last = seen[-1]["id"]
        # It reconnects through nginx with Last-Event-ID; nginx skips the dead replica.
        rest = read(cluster.nginx.port, query["events_url"], headers={"Last-Event-ID": str(last)},
                    timeout=LEASE_SECONDS + LEASE_MARGIN + 10)
        ended = time.monotonic() - killed
        assert_contiguous(rest, last + 1)
        assert types(rest)[-2:] == ["error", "done"], types(rest)
        error = rest[-2]["data"]
        assert error["code"] == "replica_lost" and error["retryable"] is True, error
        assert_one_done_last(rest, "failed")
        assert ended <= LEASE_SECONDS + LEASE_MARGIN, f"ended {ended:.1f} s after the kill"
        # Exactly once, though two replicas could notice: one takeover, one error and one done in the log.
        full = full_log(cluster.replicas[survivors[0]], query["id"])
        assert types(full).count("done") == 1 and [e["code"] for e in of(full, "error")] == ["replica_lost"]
        assert bare(seen + rest) == bare(full)
        after = sum(metric(cluster.replicas[n], "sift_store_lease_takeovers_total") for n in survivors)
        assert after - takeovers == 1, (takeovers, after)
        print(f"replica {owner} killed; its query ended with replica_lost {ended:.1f} s later")
    finally:
        cluster.restart(owner)


# MARK: PostgreSQL lost and back


def test_postgresql_stopped_and_restarted_while_streams_are_open(cluster):
    query = start_query(cluster.a)
    results = {}

    def follow(name, port, path):
        try:
            results[name] = read(port, path, timeout=60)
        except Exception as e:  # noqa: BLE001 (the assertion below shows it)
            results[name] = e

    readers = [threading.Thread(target=follow, args=("resumable on b", cluster.b.port, query["events_url"])),
               threading.Thread(target=follow, args=("stream on c", cluster.c.port, stream_path(QUESTION)))]
    for t in readers:
        t.start()
    time.sleep(1.0)  # both are in mid-answer
    try:
        cluster.pg.stop(mode="fast")
        stopped = time.monotonic()
        for t in readers:
            t.join(timeout=30)
            assert not t.is_alive(), "a stream stayed open after the database went away"
        for name, events in results.items():
            assert not isinstance(events, Exception), f"{name}: {events!r}"
            kinds = types(events)
            assert "error" in kinds and kinds.count("done") == 1 and kinds[-1] == "done", (name, kinds)
            assert events[-1]["data"]["outcome"] in ("failed", "cancelled"), (name, events[-1])
        # Every replica says it is not ready, naming the store.
        for name, replica in cluster.replicas.items():
            status, ready = wait_for(lambda: (lambda r: r if r[0] == 503 else None)(readiness(replica)), 10,
                                     f"replica {name}'s /readyz to turn 503")
            assert ready["components"]["store"] != "postgres ok", ready
        # New queries are refused with a typed 503, on every route.
        for name, replica in cluster.replicas.items():
            status, headers, body = replica.post_json("/v1/queries", {"q": QUESTION})
            assert status == 503 and body["error"]["code"] == "store_unavailable", (name, status, body)
            status, _, body = replica.post_json("/v1/answer", {"q": QUESTION})
            assert status == 503 and body["error"]["code"] == "store_unavailable", (name, status, body)
        status, _, body = cluster.b.get(stream_path(QUESTION))
        assert status == 503 and json.loads(body)["error"]["code"] == "store_unavailable", (status, body)
        # Through nginx: siftd's typed 503 (or nginx's own, once every replica has failed a few times).
        status, _, body = cluster.nginx.get("/readyz")
        assert status == 503
        assert sum(metric(r, "sift_store_errors_total") for r in cluster.replicas.values()) > 0
        print(f"database stopped; streams ended and replicas unready within {time.monotonic() - stopped:.1f} s")
    finally:
        cluster.pg.start()
    back = time.monotonic()
    # Recovery is by itself: postgres-nio reconnects with its backoff (docs/operations.md: 5–15 s).
    for name, replica in cluster.replicas.items():
        wait_for(lambda: readiness(replica)[0] == 200, 30, f"replica {name} to be ready again")
        assert readiness(replica)[1]["components"]["store"] == "postgres ok"
    print(f"database back; every replica ready {time.monotonic() - back:.1f} s later")
    # The query cut off by the outage has an ending in the log too (every stream ends with one
    # done): its replica wrote it when the database came back, or another did when its lease ran out.
    cut = read(cluster.b.port, query["events_url"], timeout=LEASE_SECONDS + LEASE_MARGIN + 20)
    assert types(cut).count("done") == 1 and types(cut)[-1] == "done", types(cut)
    # And the replicas work together again.
    query = start_query(cluster.c)
    assert_one_done_last(read(cluster.a.port, query["events_url"]), "complete")


# MARK: start-up


def test_the_store_panels_and_alerts_read_real_series(cluster, tmp_path):
    """The dashboard's store row and the store alerts, which the memory-backend lint in test_dashboards.py must
    excuse, read series that replicas on PostgreSQL really export (after the takeover and the outage above)."""
    from prometheus import start_prometheus
    board_path = os.path.join(ROOT, "dashboards", "siftd.json")
    with open(board_path) as f:
        board = json.load(f)
    store_panels = [p for p in board["panels"] if p.get("title", "").startswith("Store ")]
    assert len(store_panels) == 3, [p.get("title") for p in store_panels]
    prom = start_prometheus([f"127.0.0.1:{r.port}" for r in cluster.replicas.values()], tmp_path / "prometheus")
    try:
        prom.wait_targets_up()
        prom.settle(since=time.time(), scrapes=3)
        for panel in store_panels:
            for target in panel["targets"]:
                expr = (target["expr"].replace("$job", "siftd").replace("$instance", ".+")
                        .replace("$__rate_interval", "1m"))
                assert prom.query(expr), f"{panel['title']}: no series for {expr}"
        for selector in ("sift_store_errors_total", "sift_store_lease_takeovers_total", "sift_replica_info"):
            assert prom.query(selector), selector
    finally:
        prom.stop()


def run_until_exit(env, timeout=30):
    """Starts siftd with env; returns (exit status, output) once it exits. Fails if it serves instead."""
    port = free_port()
    full = dict(os.environ, SIFT_LISTEN=f"127.0.0.1:{port}", SIFT_STATE_DIR=STATE_DIR, SIFT_LOG="text",
                SIFT_CACHE_DIR=tempfile.mkdtemp(prefix="sift-cache-"), **env)
    for name in ("NOTIFY_SOCKET", "JOURNAL_STREAM", "CREDENTIALS_DIRECTORY"):
        full.pop(name, None)
    proc = subprocess.Popen([SIFTD], env=full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    if r.status == 200:
                        raise AssertionError(f"siftd started serving with SIFT_DATABASE_URL={env['SIFT_DATABASE_URL']}")
            except OSError:
                pass
            time.sleep(0.1)
        assert proc.poll() is not None, f"siftd neither served nor exited within {timeout} s"
        return proc.returncode, proc.stdout.read().decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        shutil.rmtree(full["SIFT_CACHE_DIR"], ignore_errors=True)


def test_an_unreachable_database_at_start_is_exit_2_naming_its_host():
    port = free_port()  # nothing listens there
    status, output = run_until_exit({"SIFT_DATABASE_URL": f"postgres://sift:secret@127.0.0.1:{port}/sift"})
    assert status == 2, output
    assert f"siftd: database: cannot reach PostgreSQL at 127.0.0.1:{port}: " in output, output
    assert "secret" not in output


def test_a_schema_newer_than_siftd_is_refused_with_exit_2(cluster, tmp_path):
    url = cluster.pg.create_database("sift_newer", role="sift_newer")
    # A siftd creates its tables, then a "newer siftd" moves the schema version on.
    replica = Daemon(tmp_path, {"SIFT_DATABASE_URL": url})
    assert replica.stop() == 0
    columns = cluster.pg.psql("SELECT column_name FROM information_schema.columns WHERE table_name = 'sift_schema' "
                              "AND data_type IN ('integer', 'bigint', 'smallint')", "sift_newer").split()
    assert columns, "sift_schema has no integer column holding the version"
    cluster.pg.psql(f"UPDATE sift_schema SET {', '.join(f'{c} = {c} + 1000' for c in columns)}", "sift_newer")
    status, output = run_until_exit({"SIFT_DATABASE_URL": url})
    assert status == 2, output
    m = re.search(r"siftd: database: schema version (\d+) is newer than this siftd \((\d+)\); upgrade siftd", output)
    assert m and int(m.group(1)) > int(m.group(2)), output


def test_replicas_started_together_on_an_empty_database_all_come_up(cluster, tmp_path):
    # systemctl enable --now siftd@8081 siftd@8082 siftd@8083 starts them at once: the schema is made once.
    url = cluster.pg.create_database("sift_together", role="sift_together")
    directories = [tmp_path / f"replica-{i}" for i in range(3)]
    for directory in directories:
        directory.mkdir()
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        attempts = [pool.submit(Daemon, directory, {"SIFT_DATABASE_URL": url}) for directory in directories]
    started = [a.result() for a in attempts if a.exception() is None]
    try:
        for attempt in attempts:
            if attempt.exception() is not None:
                raise attempt.exception()
        query = start_query(started[0], "what is the capital of Australia")
        events = read(started[2].port, query["events_url"])
        assert_one_done_last(events, "complete")
        assert "Canberra" in answer_of(events)
    finally:
        for replica in started:
            assert replica.stop() == 0, replica.log_text()


# MARK: the browser


@pytest.fixture
def chromium():
    """Headless Chromium as in test_browser.py (Debian's chromium and chromedriver, Selenium)."""
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not look for a driver on the internet
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from test_browser import CHROMEDRIVER, CHROMIUM, DESKTOP

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
                     "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def test_a_browser_refresh_in_mid_answer_replays_it_from_another_replica_without_asking_again(cluster, chromium):
    """Chromium asks through nginx while nginx sends everything to replica a; then nginx is
    switched to replica b alone and the page is refreshed in mid-answer: b, which never ran
    the query, replays what was shown and follows the rest, and no second query is made.

    The page keeps the answer's query id in its URL, `/?query=<id>` (with `q=<question>`
    beside it: browser/address.js), which is what the refresh loads."""
    from test_browser import Page

    lb = cluster.nginx
    try:
        lb.set_upstreams([cluster.a.port])
        page = Page(chromium, lb.base).open()
        posts = len(served_by(cluster, "POST /v1/queries"))
        page.ask(QUESTION)
        page.wait(lambda: len(page.answer() or "") > 60, "part of the answer")
        assert page.state() == "working", "the answer ended before the refresh; slow it down"
        query = page.query_id()
        address = page.js("return Object.fromEntries(new URLSearchParams(location.search))")
        assert address.get("query") == query, f"the page's URL does not name its query: {address}"
        shown = page.answer()
        posts = len(served_by(cluster, "POST /v1/queries", at_least=posts + 1))

        lb.set_upstreams([cluster.b.port])
        chromium.refresh()
        page.wait(lambda: page.js("return document.readyState") == "complete" and page.state() is not None,
                  "the page to load again")
        page.wait(lambda: (page.answer() or "").startswith(shown), "the replayed answer")
        assert page.query_id() == query
        assert page.wait_done() == "done"
        events = full_log(cluster.c, query)
        assert page.answer() == answer_of(events) and len(page.answer()) > len(shown)
        # No second query: the page read the log again (from b); it did not ask again.
        # nginx logs a stream when it ends, so the first page's read (from a, cut by the
        # refresh) may be logged after b's: look for b's read, not at the last line.
        # b's read ends with the stream's done; wait for nginx to log it.
        path = f"GET /v1/queries/{query}/events"
        wait_for(lambda: ["b"] in served_by(cluster, path), 10, "nginx to log b's read of the log")
        reads = served_by(cluster, path)
        assert all(r in (["a"], ["b"]) for r in reads), reads
        assert len(served_by(cluster, "POST /v1/queries")) == posts
    finally:
        lb.set_upstreams([r.port for r in cluster.replicas.values()])
