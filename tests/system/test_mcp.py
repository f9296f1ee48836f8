"""The MCP server at /mcp, driven by the official MCP Python SDK client (`mcp` on PyPI) against a
real siftd: tools listed with their annotations and output schemas, each tool called, progress
received for a slow answer, a call cancelled (and its query with it), sift_fetch refusing a
private address, and the Streamable HTTP surface's errors for bad input."""
import asyncio
import http.server
import json
import signal
import re
import threading
import time
import urllib.request

import pytest

from conftest import Daemon

mcp = pytest.importorskip("mcp")
from mcp import ClientSession, types  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

PAGE = b"""<!doctype html><html><head><title>Canberra facts</title></head><body>
<nav>Home | About | Contact</nav>
<article><h1>Canberra</h1>
<p>Canberra is the capital city of Australia. Founded following the federation of the colonies of Australia
as the seat of government for the new nation, it is the largest inland city in Australia and the eighth-largest
Australian city overall. The city is located at the northern end of the Australian Capital Territory.</p>
<p>The site of Canberra was selected for the location of the nation's capital in 1908 as a compromise between
Sydney and Melbourne, the two largest cities. It is unusual among Australian cities, being an entirely planned
city outside of any state, similar to Washington, D.C. in the United States.</p>
</article><footer>Copyright nobody</footer></body></html>"""


class PageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def pages():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def siftd(tmp_path_factory):
    # Loopback pages are allowed for the fetch test; other private addresses stay refused.
    d = Daemon(tmp_path_factory.mktemp("siftd-mcp"), {"SIFT_FETCH_ALLOW_HOSTS": "127.0.0.1"})
    yield d
    d.stop()


@pytest.fixture(scope="module")
def slow_siftd(tmp_path_factory):
    # Each piece of the answer waits 1.5 s: an answer takes longer than two progress intervals (5 s).
    d = Daemon(tmp_path_factory.mktemp("siftd-mcp-slow"), {"SIFT_DEBUG_DELTA_DELAY_MS": "1500"})
    yield d
    d.stop()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 120))


async def with_session(base, body):
    async with streamable_http_client(base + "/mcp") as (read, write, _):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            return await body(session, init)


def metric(daemon, name, labels):
    _, _, text = daemon.get("/metrics")
    for line in text.decode().splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_initialize_and_list_tools(siftd):
    async def body(session, init):
        assert init.serverInfo.name == "siftd"
        assert init.protocolVersion == types.LATEST_PROTOCOL_VERSION
        assert init.capabilities.tools is not None
        listed = await session.list_tools()
        return init, {tool.name: tool for tool in listed.tools}

    _, tools = run(with_session(siftd.base, body))
    assert set(tools) == {"sift_answer", "sift_search", "sift_fetch"}
    for tool in tools.values():
        assert tool.annotations.readOnlyHint is True
        assert tool.annotations.openWorldHint is True
        assert tool.outputSchema["type"] == "object"
        assert tool.inputSchema["required"]
    assert {"answer", "answered", "sources"} <= set(tools["sift_answer"].outputSchema["required"])
    assert {"passages", "sources"} <= set(tools["sift_search"].outputSchema["required"])
    assert "text" in tools["sift_fetch"].outputSchema["required"]


def test_sift_answer_cites_its_sources(siftd):
    async def body(session, _):
        return await session.call_tool("sift_answer", {"question": "what is the capital of Australia"})

    result = run(with_session(siftd.base, body))
    assert not result.isError
    text = result.content[0].text
    assert "Canberra" in text
    assert re.search(r"\[\d+\]", text), text
    assert "\n\nSources:\n[" in text
    structured = result.structuredContent
    assert structured["answered"] is True
    assert "Canberra" in structured["answer"]
    assert structured["outcome"] == "complete"
    cited = [s for s in structured["sources"] if s.get("cited")]
    assert cited and all(s["url"] for s in cited)
    # The Sources block lists exactly the cited sources, with their URLs.
    for source in cited:
        assert f"[{source['n']}] " in text.split("Sources:")[1]
        assert source["url"] in text


def test_sift_answer_follow_up_of_an_unknown_session_is_a_tool_error(siftd):
    async def body(session, _):
        return await session.call_tool("sift_answer", {"question": "and its population?", "session": "nope"})

    result = run(with_session(siftd.base, body))
    assert result.isError is True
    assert "session_not_found" in result.content[0].text


def test_sift_answer_abstains_honestly(siftd):
    async def body(session, _):
        return await session.call_tool("sift_answer", {"question": "what is the zorblax coefficient of a flumph"})

    result = run(with_session(siftd.base, body))
    structured = result.structuredContent
    assert structured["answered"] is False


def test_sift_search_returns_ranked_passages_without_an_answer(siftd):
    before = metric(siftd, "sift_queries_total", {"outcome": "complete"})

    async def body(session, _):
        return await session.call_tool("sift_search", {"query": "capital of Australia", "max_passages": 3})

    result = run(with_session(siftd.base, body))
    assert not result.isError
    structured = result.structuredContent
    passages = structured["passages"]
    assert 1 <= len(passages) <= 3
    assert passages[0]["score"] >= passages[-1]["score"]
    numbers = {s["n"] for s in structured["sources"]}
    assert all(p["source_n"] in numbers for p in passages)
    assert any("Canberra" in p["text"] for p in passages)
    assert "Canberra" in result.content[0].text
    # A search is a query that completes after ranking; nothing was synthesized.
    assert metric(siftd, "sift_queries_total", {"outcome": "complete"}) == before + 1


def test_search_controls_are_tool_arguments(siftd):
    async def body(session, _):
        return await session.call_tool(
            "sift_search", {"query": "capital of Australia", "providers": ["kb"], "max_sources": 2})

    result = run(with_session(siftd.base, body))
    assert not result.isError, result.content[0].text
    assert 1 <= len(result.structuredContent["sources"]) <= 2


def test_sift_fetch_reads_a_page(siftd, pages):
    async def body(session, _):
        return await session.call_tool("sift_fetch", {"url": pages + "/canberra.html"})

    result = run(with_session(siftd.base, body))
    assert not result.isError, result.content[0].text
    structured = result.structuredContent
    assert structured["title"] == "Canberra facts"
    assert "capital city of Australia" in structured["text"]
    assert "Home | About" not in structured["text"]  # navigation is not main text
    assert structured["truncated"] is False


def test_sift_fetch_refuses_a_private_address(siftd):
    # [::1] is loopback and not in SIFT_FETCH_ALLOW_HOSTS: the guard refuses it before connecting.
    async def body(session, _):
        refused = await session.call_tool("sift_fetch", {"url": f"http://[::1]:{siftd.port}/healthz"})
        not_web = await session.call_tool("sift_fetch", {"url": "file:///etc/passwd"})
        return refused, not_web

    refused, not_web = run(with_session(siftd.base, body))
    assert refused.isError is True
    assert "blocked" in refused.content[0].text
    # Not a web URL: a clear error for the call (invalid params), not a crash.
    assert not_web.isError is True
    assert "http" in not_web.content[0].text


def test_bad_arguments_are_clear_errors(siftd):
    from mcp.shared.exceptions import McpError

    async def body(session, _):
        missing = await session.call_tool("sift_answer", {})
        wrong = await session.call_tool("sift_search", {"query": "x", "max_passages": "many"})
        extra = await session.call_tool("sift_fetch", {"url": "https://example.org/", "depth": 3})
        stale = await session.call_tool("sift_answer", {"question": "x", "freshness": "fortnight"})
        absent = await session.call_tool("sift_search", {"query": "x", "providers": ["brave"]})
        with pytest.raises(McpError) as unknown:
            await session.call_tool("sift_nothing", {"question": "x"})
        return missing, wrong, extra, stale, absent, unknown.value

    missing, wrong, extra, stale, absent, unknown = run(with_session(siftd.base, body))
    # Arguments that do not fit the schema, or search controls siftd refuses (as every route
    # refuses them), are the tool's error, for the model to correct.
    for result, words in ((missing, "question"), (wrong, "max_passages"), (extra, "depth"), (stale, "freshness"),
                          (absent, "brave")):
        assert result.isError is True
        assert words in result.content[0].text
    # An unknown tool is a protocol error.
    assert unknown.error.code == -32602 and "sift_nothing" in unknown.error.message


def test_progress_for_a_slow_answer(slow_siftd):
    updates = []

    async def on_progress(progress, total, message):
        updates.append((time.monotonic(), progress, message))

    async def body(session, _):
        return await session.call_tool(
            "sift_answer", {"question": "what is the capital of Australia"}, progress_callback=on_progress)

    start = time.monotonic()
    result = run(with_session(slow_siftd.base, body))
    elapsed = time.monotonic() - start
    assert not result.isError
    assert elapsed > 6, "the answer should have been slow"
    values = [p for _, p, _ in updates]
    assert values == sorted(set(values)), "progress must grow with each notification"
    assert any("Writing the answer" in (m or "") for _, _, m in updates)
    # While the answer is written (no stage changes), progress still comes at least every 10 s.
    times = [start] + [t for t, _, _ in updates]
    assert max(b - a for a, b in zip(times, times[1:])) < 10
    writing = [t for t, _, m in updates if "characters written" in (m or "")]
    assert writing, updates


def test_cancelling_a_call_cancels_its_query(slow_siftd):
    before = metric(slow_siftd, "sift_queries_total", {"outcome": "cancelled"})

    async def body(session, _):
        started = asyncio.Event()

        async def on_progress(progress, total, message):
            if "Writing the answer" in (message or ""):
                started.set()

        # The client numbers requests in order; this call gets the next id.
        request_id = session._request_id
        call = asyncio.create_task(
            session.call_tool("sift_answer", {"question": "what is photosynthesis"}, progress_callback=on_progress))
        await asyncio.wait_for(started.wait(), 60)
        await session.send_notification(
            types.ClientNotification(
                types.CancelledNotification(
                    params=types.CancelledNotificationParams(requestId=request_id, reason="test"))))
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call

    run(with_session(slow_siftd.base, body))
    deadline = time.monotonic() + 10
    while metric(slow_siftd, "sift_queries_total", {"outcome": "cancelled"}) < before + 1:
        assert time.monotonic() < deadline, "the query was not cancelled"
        time.sleep(0.1)


def test_closing_the_connection_cancels_the_query(slow_siftd):
    before = metric(slow_siftd, "sift_queries_total", {"outcome": "cancelled"})
    session_id = initialize_raw(slow_siftd)
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                       "params": {"name": "sift_answer", "arguments": {"question": "what is photosynthesis"}}})
    request = urllib.request.Request(slow_siftd.base + "/mcp", data=body.encode(), headers=headers(session_id))
    response = urllib.request.urlopen(request, timeout=30)
    assert response.headers["Content-Type"].startswith("text/event-stream")
    response.close()  # leave before the answer
    deadline = time.monotonic() + 15
    while metric(slow_siftd, "sift_queries_total", {"outcome": "cancelled"}) < before + 1:
        assert time.monotonic() < deadline, "the query was not cancelled when its client left"
        time.sleep(0.1)


def test_a_json_client_gets_keep_alive_spaces_then_the_result(slow_siftd):
    session_id = initialize_raw(slow_siftd)
    body = {"jsonrpc": "2.0", "id": 11, "method": "tools/call",
            "params": {"name": "sift_answer", "arguments": {"question": "what is the capital of Australia"}}}
    status, hdrs, raw = post(slow_siftd, body, session_id, accept="application/json")
    assert status == 200 and hdrs["Content-Type"].startswith("application/json")
    assert raw.startswith(b" "), "a slow call keeps its connection alive with white space"
    reply = json.loads(raw)
    assert reply["id"] == 11
    assert "Canberra" in reply["result"]["structuredContent"]["answer"]


# The Streamable HTTP surface, without the SDK: sessions, and errors for bad input.

def headers(session_id=None, accept="application/json, text/event-stream"):
    h = {"Content-Type": "application/json", "Accept": accept}
    if session_id:
        h["Mcp-Session-Id"] = session_id
    return h


def post(daemon, body, session_id=None, accept="application/json, text/event-stream", extra=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(daemon.base + "/mcp", data=data, headers={**headers(session_id, accept), **(extra or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def initialize_raw(daemon, version="2025-06-18"):
    status, hdrs, _ = post(daemon, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}},
        accept="application/json")
    assert status == 200
    session_id = hdrs["Mcp-Session-Id"]
    status, _, _ = post(daemon, {"jsonrpc": "2.0", "method": "notifications/initialized"}, session_id)
    assert status == 202
    return session_id


def test_json_responses_version_negotiation_and_session_end(siftd):
    status, hdrs, raw = post(siftd, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "1999-01-01", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}},
        accept="application/json")
    assert status == 200 and hdrs["Content-Type"].startswith("application/json")
    reply = json.loads(raw)
    assert reply["id"] == 1 and reply["result"]["protocolVersion"] in ("2025-11-25", "2025-06-18")
    session_id = hdrs["Mcp-Session-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", session_id)
    status, _, raw = post(siftd, {"jsonrpc": "2.0", "id": 2, "method": "ping"}, session_id, accept="application/json")
    assert status == 200 and json.loads(raw) == {"jsonrpc": "2.0", "id": 2, "result": {}}
    request = urllib.request.Request(siftd.base + "/mcp", method="DELETE", headers={"Mcp-Session-Id": session_id})
    with urllib.request.urlopen(request, timeout=10) as r:
        assert r.status in (200, 204)
    status, _, raw = post(siftd, {"jsonrpc": "2.0", "id": 3, "method": "ping"}, session_id)
    assert status == 404 and json.loads(raw)["error"]["code"] == -32600


@pytest.mark.parametrize("body,status,code", [
    (b"{not json", 400, -32700),
    (b"[]", 400, -32600),
    (b'{"jsonrpc": "2.0", "id": 1}', 400, -32600),
    (b'{"jsonrpc": "1.0", "id": 1, "method": "ping"}', 400, -32600),
    (b'{"jsonrpc": "2.0", "id": {"a": 1}, "method": "ping"}', 400, -32600),
])
def test_malformed_messages_get_json_rpc_errors(siftd, body, status, code):
    got, _, raw = post(siftd, body)
    assert got == status
    reply = json.loads(raw)
    assert reply["jsonrpc"] == "2.0" and reply["id"] is None and reply["error"]["code"] == code
    assert reply["error"]["message"]


def test_session_rules(siftd):
    # No session: initialize first.
    status, _, raw = post(siftd, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert status == 400 and "initialize" in json.loads(raw)["error"]["message"]
    # An unknown session is 404: the client starts a new one.
    status, _, _ = post(siftd, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, "0" * 32)
    assert status == 404
    session_id = initialize_raw(siftd)
    # An unknown method, a bad protocol version, a wrong content type, a browser from elsewhere.
    status, _, raw = post(siftd, {"jsonrpc": "2.0", "id": 5, "method": "resources/nothing"}, session_id, accept="application/json")
    assert status == 200 and json.loads(raw)["error"]["code"] == -32601
    status, _, _ = post(siftd, {"jsonrpc": "2.0", "id": 6, "method": "ping"}, session_id, extra={"MCP-Protocol-Version": "1999-01-01"})
    assert status == 400
    status, _, _ = post(siftd, {"jsonrpc": "2.0", "id": 7, "method": "ping"}, session_id, extra={"Content-Type": "text/plain"})
    assert status == 415
    status, _, _ = post(siftd, {"jsonrpc": "2.0", "id": 8, "method": "ping"}, session_id, extra={"Origin": "http://evil.example"})
    assert status == 403
    # A tools/call with a malformed name is invalid params.
    status, _, raw = post(siftd, {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": 3}}, session_id, accept="application/json")
    assert status == 200 and json.loads(raw)["error"]["code"] == -32602
    # No server stream: GET is 405.
    request = urllib.request.Request(siftd.base + "/mcp", headers={"Accept": "text/event-stream", "Mcp-Session-Id": session_id})
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("GET /mcp should be 405")
    except urllib.error.HTTPError as e:
        assert e.code == 405 and "POST" in e.headers["Allow"]
    # siftd is still fine.
    assert siftd.get("/healthz")[0] == 200


def test_shutdown_ends_a_call_in_flight_with_a_result(tmp_path):
    daemon = Daemon(tmp_path, {"SIFT_DEBUG_DELTA_DELAY_MS": "1500"})
    try:
        session_id = initialize_raw(daemon)
        body = json.dumps({"jsonrpc": "2.0", "id": 21, "method": "tools/call",
                           "params": {"name": "sift_answer", "arguments": {"question": "what is photosynthesis"},
                                      "_meta": {"progressToken": 1}}})
        request = urllib.request.Request(daemon.base + "/mcp", data=body.encode(), headers=headers(session_id))
        with urllib.request.urlopen(request, timeout=30) as response:
            seen = b""
            while b"Writing the answer" not in seen:
                seen += response.readline()
            start = time.monotonic()
            daemon.proc.send_signal(signal.SIGTERM)
            rest = response.read()
        messages = [json.loads(line[6:]) for line in (seen + rest).splitlines() if line.startswith(b"data: ")]
        result = messages[-1]
        assert result["id"] == 21
        assert result["result"]["isError"] is True
        assert result["result"]["structuredContent"]["error"]["code"] == "shutting_down"
        assert daemon.proc.wait(timeout=15) == 0
        assert time.monotonic() - start < 10
    finally:
        daemon.stop()
