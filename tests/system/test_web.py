"""Web search end to end: the real siftd against the sift-replay servers (Brave, SearXNG
and the page server) over loopback, through libcurl."""
import os
import re
import subprocess
import time
import urllib.request

import pytest

from conftest import ROOT, Daemon, free_port, terminate
from sse import SSEStream, stream_path

REPLAY = os.path.abspath(os.environ.get("SIFT_REPLAY", os.path.join(ROOT, ".build", "debug", "sift-replay")))


class Replay:
    """sift-replay --service all: Brave on port, SearXNG on port+1, pages on port+2."""

    def __init__(self, tmp_path, *args, attempts=3):
        # Three ports in a row can be free when chosen and taken before sift-replay binds them
        # (other tests' client sockets use the same range): then start again on other ports.
        for attempt in range(attempts):
            self.port = free_port()
            while any(_busy(p) for p in (self.port + 1, self.port + 2)):
                self.port = free_port()
            self.log_path = tmp_path / f"replay-{attempt}.log"
            self.log = open(self.log_path, "wb")
            self.proc = subprocess.Popen(
                [REPLAY, "--port", str(self.port), "--service", "all", *args], stdout=self.log, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.proc.poll() is None:
                if all(_busy(p) for p in (self.port, self.port + 1, self.port + 2)):
                    return
                time.sleep(0.1)
            if attempt == attempts - 1:
                raise AssertionError("sift-replay did not start:\n" + self.text())
            terminate(self.proc, timeout=3)
            self.log.close()

    def env(self, key="replay-key"):
        return {
            "SIFT_BRAVE_API_KEY": key,
            "SIFT_BRAVE_URL": f"http://127.0.0.1:{self.port}",
            "SIFT_SEARXNG_URL": f"http://127.0.0.1:{self.port + 1}",
        }

    def text(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def requests(self, service):
        return [line for line in self.text().splitlines() if f" {service} GET " in line or line.startswith(f"{service} GET")]

    def stop(self):
        # Stalled fault responses hold a graceful shutdown for their whole 30 s: don't wait for them.
        terminate(self.proc, timeout=3)
        self.log.close()


def _busy(port):
    import socket
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def replay(tmp_path):
    r = Replay(tmp_path)
    yield r
    r.stop()


def ask(daemon, question):
    s = SSEStream(daemon.port, stream_path(question))
    try:
        assert s.status == 200
        return list(s.events())
    finally:
        s.close()


def by_type(events, kind):
    return [e["data"] for e in events if e["event"] == kind]


def metric(daemon, name, **labels):
    _, _, body = daemon.get("/metrics")
    total = 0.0
    for line in body.decode().splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_answers_from_brave_searxng_and_the_pages_they_found(tmp_path, replay):
    daemon = Daemon(tmp_path, {**replay.env(), "SIFT_FETCH_ALLOW_HOSTS": "127.0.0.1"})
    try:
        events = ask(daemon, "capital of australia")
        types = [e["event"] for e in events]
        assert types.count("done") == 1 and types[-1] == "done"
        assert by_type(events, "done")[0]["outcome"] == "complete"
        # Every source announcement for the same n describes the same URL; updates add providers.
        sources = {}
        for source in by_type(events, "source"):
            if source["n"] in sources:
                assert sources[source["n"]]["url"] == source["url"]
            sources[source["n"]] = source
        providers = {p for s in sources.values() for p in s["providers"]}
        assert {"brave", "searxng", "kb"} <= providers, providers
        # Both web engines found the same pages: fusion made them one source each.
        assert any({"brave", "searxng"} <= set(s["providers"]) for s in sources.values())
        # Pages were read: started, then done, for web sources only.
        fetches = by_type(events, "fetch")
        started = {f["n"] for f in fetches if f["state"] == "started"}
        done = {f["n"] for f in fetches if f["state"] == "done"}
        assert done and done <= started
        assert all(sources[n]["url"].startswith("http") for n in started)
        for n in started:
            assert types.index("source") < types.index("fetch")
        answer = "".join(d["text"] for d in by_type(events, "delta"))
        cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
        assert answer and cited and cited <= set(sources), (answer, sources.keys())
        metrics = by_type(events, "metrics")[0]
        assert metrics["pages"] == len(done) and metrics["bytes"] > 0
        assert metric(daemon, "sift_fetch_total", outcome="done") == len(done)
        assert metric(daemon, "sift_provider_requests_total", provider="brave", status="ok") == 1

        # The same question again: answered from the cache, no upstream call.
        brave_calls = len(replay.requests("brave"))
        pages_calls = len(replay.requests("pages"))
        again = ask(daemon, "capital of australia")
        assert by_type(again, "done")[0]["outcome"] == "complete"
        assert len(replay.requests("brave")) == brave_calls
        assert len(replay.requests("pages")) == pages_calls
        assert metric(daemon, "sift_cache_requests_total", cache="search", result="hit") >= 2
        assert metric(daemon, "sift_cache_requests_total", cache="page", result="hit") >= len(done)

        # The one-shot document lists each source once, as last announced.
        status, _, document = daemon.post_json("/v1/answer", {"q": "capital of australia"})
        assert status == 200 and document["outcome"] == "complete"
        numbers = [s["n"] for s in document["sources"]]
        assert len(numbers) == len(set(numbers)) == len(sources)
        assert any({"brave", "searxng"} <= set(s["providers"]) for s in document["sources"])
    finally:
        daemon.stop()


def test_back_to_back_queries_are_paced_not_refused(tmp_path, replay):
    daemon = Daemon(tmp_path, {**replay.env(), "SIFT_MAX_PAGES": "0"})
    try:
        for question in ("swift concurrency", "tcp congestion control", "photosynthesis in leaves"):
            events = ask(daemon, question)
            assert by_type(events, "done")[0]["outcome"] == "complete"
            assert not [w for w in by_type(events, "warning") if w.get("provider") == "brave"], by_type(events, "warning")
        brave = replay.requests("brave")
        assert len(brave) == 3 and all(" 200 " in line for line in brave), brave
        assert metric(daemon, "sift_provider_rate_limited_total", provider="brave") >= 1
    finally:
        daemon.stop()


def test_a_wrong_key_and_a_searxng_without_json_degrade_with_clear_warnings(tmp_path):
    replay = Replay(tmp_path, "--searxng-formats", "html")
    daemon = Daemon(tmp_path, replay.env(key="not-a-key"))
    try:
        events = ask(daemon, "what is the capital of Australia")
        warnings = {w["provider"]: w for w in by_type(events, "warning")}
        assert warnings["brave"]["code"] == "provider_invalid_key"
        assert "SIFT_BRAVE_API_KEY" in warnings["brave"]["message"]
        assert warnings["searxng"]["code"] == "provider_format_disabled", warnings["searxng"]
        assert "search.formats" in warnings["searxng"]["message"]
        # The knowledge base still answers, and the stream ends once.
        assert by_type(events, "done") == [{"outcome": "complete", "elapsed_ms": by_type(events, "done")[0]["elapsed_ms"]}]
        assert "Canberra" in "".join(d["text"] for d in by_type(events, "delta"))
    finally:
        daemon.stop()
        replay.stop()


def test_result_pages_on_private_addresses_are_refused_without_the_allow_list(tmp_path, replay):
    daemon = Daemon(tmp_path, replay.env())
    try:
        events = ask(daemon, "capital of australia")
        failed = [f for f in by_type(events, "fetch") if f["state"] == "failed"]
        assert failed and all("SIFT_FETCH_ALLOW_HOSTS" in f["reason"] for f in failed), failed
        assert not replay.requests("pages")
        assert by_type(events, "done")[0]["outcome"] == "complete"
    finally:
        daemon.stop()


def test_with_ten_percent_of_upstream_requests_failing_every_stream_ends_with_one_done(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    replay = Replay(tmp_path, "--fault-rate", "0.1", "--brave-per-second", "1000", "--brave-monthly-quota", "0")
    daemon = Daemon(tmp_path, {**replay.env(), "SIFT_FETCH_ALLOW_HOSTS": "127.0.0.1", "SIFT_CACHE": "off"})
    try:
        questions = [f"fault injection question number {i}" for i in range(40)]
        with ThreadPoolExecutor(max_workers=10) as pool:
            streams = list(pool.map(lambda q: ask(daemon, q), questions))
        for events in streams:
            types = [e["event"] for e in events]
            assert types.count("done") == 1 and types[-1] == "done", types
            assert by_type(events, "done")[0]["outcome"] == "complete"
        warned = [w for events in streams for w in by_type(events, "warning")]
        assert warned, "no upstream failure reached a client"
        assert all(w["message"] for w in warned)
        # /metrics counts the failures by provider and kind.
        _, _, body = daemon.get("/metrics")
        failures = {}
        for line in body.decode().splitlines():
            match = re.match(r'sift_provider_requests_total\{provider="(\w+)",status="(\w+)"\} (\S+)', line)
            if match and match.group(2) not in ("ok", "empty"):
                failures[(match.group(1), match.group(2))] = float(match.group(3))
        assert failures and sum(failures.values()) == len([w for w in warned if w["code"].startswith("provider_")])
        assert {provider for provider, _ in failures} <= {"brave", "searxng"}
    finally:
        daemon.stop()
        replay.stop()
