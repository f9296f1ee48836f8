"""SIGTERM with streams open: every stream ends with exactly one done and siftd exits cleanly."""
import time

from conftest import Daemon
from sse import SSEStream, stream_path


def test_sigterm_ends_open_streams_with_done(tmp_path):
    # Slow the answer down so streams are still open when the signal arrives.
    daemon = Daemon(tmp_path, {"SIFT_DEBUG_DELTA_DELAY_MS": "100"})
    streams = [SSEStream(daemon.port, stream_path("what is photosynthesis")) for _ in range(5)]
    iterators = [s.events() for s in streams]
    for it in iterators:
        while next(it)["event"] != "delta":
            pass
    started = time.monotonic()
    rc = daemon.stop()
    elapsed = time.monotonic() - started
    assert rc == 0, daemon.log_text()
    assert elapsed < 10
    for s, it in zip(streams, iterators):
        rest = list(it)
        types = [e["event"] for e in rest]
        assert types.count("done") == 1 and types[-1] == "done", types
        assert "error" in types and rest[types.index("error")]["data"]["code"] == "shutting_down"
        assert rest[-1]["data"]["outcome"] == "cancelled"
        s.close()


def test_client_disconnect_cancels_the_query(tmp_path):
    daemon = Daemon(tmp_path, {"SIFT_DEBUG_DELTA_DELAY_MS": "200"})
    try:
        s = SSEStream(daemon.port, stream_path("what is photosynthesis"))
        it = s.events()
        while next(it)["event"] != "delta":
            pass
        s.close()
        # The pipeline notices the closed connection and is cancelled.
        deadline = time.monotonic() + 10
        text = ""
        while time.monotonic() < deadline:
            _, _, body = daemon.get("/metrics")
            text = body.decode()
            if 'sift_queries_total{outcome="cancelled"} 1' in text:
                break
            time.sleep(0.1)
        assert 'sift_queries_total{outcome="cancelled"} 1' in text
        assert "sift_streams_active 0" in text
    finally:
        assert daemon.stop() == 0
