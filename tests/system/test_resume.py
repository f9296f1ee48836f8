"""Resumable queries against the real siftd: POST /v1/queries, read part, hang up, resume with Last-Event-ID."""
import json
import re
import urllib.request

import pytest

from conftest import Daemon
from sse import SSEStream

QUESTION = "what is photosynthesis"


@pytest.fixture(scope="module")
def slow_daemon(tmp_path_factory):
    # Deltas are slowed down so that a reader can hang up while the answer is still being written.
    d = Daemon(tmp_path_factory.mktemp("siftd-resume"), {"SIFT_DEBUG_DELTA_DELAY_MS": "40"})
    yield d
    assert d.stop() == 0


def start(daemon, question=QUESTION):
    status, headers, body = daemon.post_json("/v1/queries", {"q": question})
    assert status == 201, body
    assert re.fullmatch(r"[0-9a-f]{16}", body["id"])
    assert body["events_url"] == f"/v1/queries/{body['id']}/events"
    assert headers["Location"] == body["events_url"]
    assert headers["X-Request-Id"] == body["id"]
    assert headers["Sift-Session"] == body["session"]
    return body


def read_all(daemon, path, headers=None):
    s = SSEStream(daemon.port, path, headers=headers)
    try:
        assert s.status == 200
        assert s.headers["content-type"].startswith("text/event-stream")
        assert s.headers["cache-control"] == "no-cache"
        return s.headers, list(s.events())
    finally:
        s.close()


def answer(events):
    return "".join(e["data"]["text"] for e in events if e["event"] == "delta")


def test_resuming_after_a_dropped_connection_loses_and_repeats_nothing(slow_daemon):
    query = start(slow_daemon)
    # Read until a few deltas have arrived, then drop the connection in mid-answer.
    first = SSEStream(slow_daemon.port, query["events_url"])
    assert first.headers["x-request-id"] == query["id"]
    seen = []
    for event in first.events():
        seen.append(event)
        if sum(e["event"] == "delta" for e in seen) == 3:
            break
    first.close()
    assert seen[-1]["event"] == "delta"
    last = seen[-1]["id"]

    _, rest = read_all(slow_daemon, query["events_url"], {"Last-Event-ID": str(last)})
    assert rest[0]["id"] == last + 1
    # An uninterrupted read of the same query, from the start, by another reader.
    _, full = read_all(slow_daemon, query["events_url"])

    resumed = seen + rest
    assert [e["id"] for e in resumed] == list(range(1, len(full) + 1))
    assert [e["event"] for e in resumed] == [e["event"] for e in full]
    assert [e["data"] for e in resumed] == [e["data"] for e in full]
    assert answer(resumed) == answer(full) and len(answer(full)) > 40
    types = [e["event"] for e in full]
    assert types.count("done") == 1 and types[-1] == "done"
    assert full[-1]["data"]["outcome"] == "complete"
    assert full[1]["event"] == "query" and full[1]["data"]["id"] == query["id"]
    # The parameter does the same as the header.
    _, by_parameter = read_all(slow_daemon, query["events_url"] + f"?last_event_id={last}")
    assert [e["id"] for e in by_parameter] == [e["id"] for e in rest]


def test_delete_cancels_a_running_query_and_its_reader_gets_one_done(slow_daemon):
    query = start(slow_daemon)
    s = SSEStream(slow_daemon.port, query["events_url"])
    it = s.events()
    while next(it)["event"] != "delta":
        pass
    req = urllib.request.Request(slow_daemon.base + f"/v1/queries/{query['id']}", method="DELETE")
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 204
    rest = list(it)
    s.close()
    types = [e["event"] for e in rest]
    assert types.count("done") == 1 and types[-1] == "done", types
    assert rest[-1]["data"]["outcome"] == "cancelled"


def test_unknown_ids_and_bad_last_event_ids_get_typed_errors(slow_daemon):
    status, headers, body = slow_daemon.get("/v1/queries/0123456789abcdef/events")
    assert status == 404 and json.loads(body)["error"]["code"] == "query_not_found"
    assert headers["Content-Type"].startswith("application/json")
    query = start(slow_daemon, "what is the capital of Australia")
    status, _, body = slow_daemon.get(query["events_url"], {"Last-Event-ID": "seven"})
    assert status == 400 and json.loads(body)["error"]["code"] == "bad_last_event_id"
    _, full = read_all(slow_daemon, query["events_url"])
    # Resuming after the last event (done): nothing is left, 204 No Content.
    status, _, body = slow_daemon.get(query["events_url"], {"Last-Event-ID": str(full[-1]["id"])})
    assert status == 204 and body == b""
    status, _, body = slow_daemon.get(query["events_url"], {"Last-Event-ID": str(full[-1]["id"] + 1)})
    assert status == 400 and json.loads(body)["error"]["code"] == "bad_last_event_id"
    status, _, body = slow_daemon.post_json("/v1/queries", {"q": ""})
    assert status == 400 and body["error"]["code"] == "empty_query"


def test_sigterm_ends_a_running_query_and_its_reader_with_done(tmp_path):
    daemon = Daemon(tmp_path, {"SIFT_DEBUG_DELTA_DELAY_MS": "100"})
    query = start(daemon)
    s = SSEStream(daemon.port, query["events_url"])
    it = s.events()
    while next(it)["event"] != "delta":
        pass
    assert daemon.stop() == 0, daemon.log_text()
    rest = list(it)
    s.close()
    types = [e["event"] for e in rest]
    assert types.count("done") == 1 and types[-1] == "done", types
    assert "error" in types and rest[types.index("error")]["data"]["code"] == "shutting_down"
    assert rest[-1]["data"]["outcome"] == "cancelled"
