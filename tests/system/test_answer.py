"""siftd as a real process on loopback: streamed answers, errors, the one-shot API."""
import re

from sse import SSEStream, stream_path

ORDER = ["status", "query", "source", "ranked", "delta", "metrics", "done"]


def collect(daemon, question):
    s = SSEStream(daemon.port, stream_path(question))
    try:
        assert s.status == 200
        assert s.headers["content-type"].startswith("text/event-stream")
        assert s.headers["cache-control"] == "no-cache"
        assert s.headers["x-accel-buffering"] == "no"
        assert re.fullmatch(r"[0-9a-f]{16}", s.headers["x-request-id"])
        return s.headers, list(s.events())
    finally:
        s.close()


def check_sequence(events):
    types = [e["event"] for e in events]
    # ids are 1..n with no gaps; exactly one done, last.
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert types.count("done") == 1 and types[-1] == "done"
    assert types[0] == "status"
    # The main types appear in protocol order (status events may recur between stages).
    main = [t for t in types if t not in ("status", "warning")]
    squashed = [t for i, t in enumerate(main) if i == 0 or main[i - 1] != t]
    assert squashed == ["query", "source", "ranked", "delta", "metrics", "done"], squashed
    elapsed = [e["data"]["elapsed_ms"] for e in events]
    assert elapsed == sorted(elapsed)


def answer_and_sources(events):
    answer = "".join(e["data"]["text"] for e in events if e["event"] == "delta")
    sources = {e["data"]["n"]: e["data"] for e in events if e["event"] == "source"}
    return answer, sources


def citations(answer):
    return [int(n) for n in re.findall(r"\[(\d+)\]", answer)]


def test_capital_of_australia_answers_canberra_with_a_citation(daemon):
    headers, events = collect(daemon, "what is the capital of Australia")
    check_sequence(events)
    answer, sources = answer_and_sources(events)
    assert "Canberra" in answer
    cited = citations(answer)
    assert cited and all(n in sources for n in cited)
    query = next(e["data"] for e in events if e["event"] == "query")
    assert query["id"] == headers["x-request-id"]
    assert query["kind"] == "question"
    assert events[-1]["data"]["outcome"] == "complete"


def test_tcp_congestion_control_cites_kernel_or_man_pages(daemon):
    _, events = collect(daemon, "how does TCP congestion control work")
    check_sequence(events)
    answer, sources = answer_and_sources(events)
    cited = {sources[n]["collection"] for n in citations(answer)}
    assert cited & {"Linux kernel docs", "man pages (7)"}, (cited, answer)
    assert "congestion" in answer.lower()


def test_photosynthesis_gives_a_coherent_cited_answer(daemon):
    _, events = collect(daemon, "what is photosynthesis")
    check_sequence(events)
    answer, sources = answer_and_sources(events)
    assert "photosynthesis" in answer.lower()
    assert len(answer.split()) >= 8
    assert citations(answer) and all(n in sources for n in citations(answer))
    metrics = next(e["data"] for e in events if e["event"] == "metrics")
    assert metrics["sources"] == len(sources)
    assert metrics["first_status_ms"] <= metrics["first_source_ms"] <= metrics["first_delta_ms"] <= metrics["total_ms"]


def test_deltas_never_repeat_text(daemon):
    _, events = collect(daemon, "what is entropy")
    deltas = [e["data"]["text"] for e in events if e["event"] == "delta"]
    assert len(deltas) > 1
    answer = "".join(deltas)
    assert len(answer) == sum(len(d) for d in deltas)


def test_empty_and_long_queries_get_typed_400s(daemon):
    for q, code in [("", "empty_query"), ("   ", "empty_query"), ("x" * 5000, "query_too_long")]:
        status, headers, body = daemon.get("/v1/answer/stream?q=" + q.replace(" ", "+"))
        assert status == 400, (q[:10], body)
        assert headers["Content-Type"].startswith("application/json")
        import json
        error = json.loads(body)["error"]
        assert error["code"] == code and error["message"] and error["retryable"] is False


def test_event_stream_clients_get_error_then_done(daemon):
    s = SSEStream(daemon.port, "/v1/answer/stream?q=" + "y" * 5000)
    events = list(s.events())
    s.close()
    assert s.status == 200
    assert [e["event"] for e in events] == ["error", "done"]
    assert events[0]["data"]["code"] == "query_too_long"
    assert events[1]["data"]["outcome"] == "failed"


def test_invalid_utf8_and_control_characters_are_rejected(daemon):
    import json
    status, _, body = daemon.get("/v1/answer/stream?q=%FF%FEabc")
    assert status == 400 and json.loads(body)["error"]["code"] == "invalid_encoding"
    status, _, body = daemon.get("/v1/answer/stream?q=hello%07world")
    assert status == 400 and json.loads(body)["error"]["code"] == "invalid_characters"


def test_sql_code_and_arithmetic_are_questions_not_errors(daemon):
    for q in ["SELECT name FROM users WHERE id = 1", "def f(x): return x * 2", "12 * 7 + 3"]:
        _, events = collect(daemon, q)
        assert not any(e["event"] == "error" and e["data"]["code"].startswith("invalid") for e in events)
        assert events[-1]["event"] == "done"


def test_post_answer_returns_the_same_answer_as_json(daemon):
    status, headers, doc = daemon.post_json("/v1/answer", {"q": "what is the capital of Australia"})
    assert status == 200
    assert doc["outcome"] == "complete"
    assert "Canberra" in doc["answer"]
    assert doc["sources"] and doc["passages"]
    assert doc["id"] == headers["X-Request-Id"]
    _, events = collect(daemon, "what is the capital of Australia")
    streamed, _ = answer_and_sources(events)
    assert streamed == doc["answer"]


def test_post_answer_errors_are_typed(daemon):
    status, _, doc = daemon.post_json("/v1/answer", {"q": ""})
    assert status == 400 and doc["error"]["code"] == "empty_query"
    status, _, doc = daemon.post_json("/v1/answer", b"{not json")
    assert status == 400 and doc["error"]["code"] == "bad_request"
    status, _, doc = daemon.post_json("/v1/answer", {"question": "x"})
    assert status == 400 and doc["error"]["code"] == "bad_request"


def test_browser_page_is_served_with_a_strict_policy(daemon):
    status, headers, body = daemon.get("/")
    assert status == 200 and b"<form" in body
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert b"http://" not in body and b"https://" not in body
    assert headers["Cache-Control"] == "no-cache"
    # The modules are at versioned URLs, kept for a year.
    import re
    script = re.search(rb'<script type="module" src="(/assets/[0-9a-f]{16}/app\.js)"></script>', body)
    assert script, body
    status, headers, body = daemon.get(script.group(1).decode())
    assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"import" in body and b"innerHTML" not in body


def test_health_and_readiness(daemon):
    import json
    import subprocess
    from conftest import SIFTD
    version = subprocess.run([SIFTD, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    status, _, body = daemon.get("/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok", "version": version}
    _, _, metrics = daemon.get("/metrics")
    assert f'sift_build_info{{version="{version}"}} 1' in metrics.decode()
    status, _, body = daemon.get("/readyz")
    doc = json.loads(body)
    assert status == 200 and doc["ready"] is True and "kb" in doc["components"]
