"""The OpenAPI contract (docs/openapi.json) against a live siftd.

- the contract is valid OpenAPI 3.1 (openapi-spec-validator), and what siftd serves at
  /openapi.json is the file, byte for byte;
- the event streams, the answer document and the resumable-query flow, driven on purpose,
  conform to the contract's schemas, each event's data to its `<Type>Event` schema;
- schemathesis fuzzes every operation, positive and negative cases, against the served contract:
  every response must conform (status, content type, headers, body, each SSE event) and none
  may be a 5xx. Bounded by --max-examples (SIFT_SCHEMATHESIS_EXAMPLES) and a wall-clock limit.

Narrowed for the fuzzer, with the reasons in openapi_hooks.py: POST's `?q=` (OpenAPI cannot tie it
to the body), and schema-valid values refused because of siftd's state or configuration, or a rule
JSON Schema cannot state (a Last-Event-ID past the end of a query, a provider not configured, a
freshness range of unreal or reversed dates). The check `use_after_free` is left out: `DELETE /v1/queries/{id}` cancels a query, it does
not delete it; a cancelled query's events stay readable (ending with `done{cancelled}`) for its
readers, as docs/api.md says.
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import jsonschema
import pytest
from openapi_spec_validator import validate

from conftest import ROOT, Daemon
from sse import SSEStream, stream_path

CONTRACT = pathlib.Path(ROOT) / "docs" / "openapi.json"
HOOKS = pathlib.Path(__file__).resolve().parent / "openapi_hooks.py"
EXAMPLES = int(os.environ.get("SIFT_SCHEMATHESIS_EXAMPLES", "10"))
SEED = os.environ.get("SIFT_SCHEMATHESIS_SEED", "20261207")

# Operations of the contract that schemathesis leaves alone, "METHOD /path" -> why it cannot be fuzzed
# meaningfully. Every other operation is fuzzed. An endpoint that holds its response open until the
# client goes away (a standing event stream with no end of its own) would belong here. GET /openapi.json
# is never fuzzed (schemathesis skips the document it loaded); test_siftd_serves_the_contract covers it.
UNFUZZED = {
    "POST /mcp": "JSON-RPC over Streamable HTTP: whether a message is accepted depends on the session's state "
                 "(initialize first, then Mcp-Session-Id on every message) and on its method, which one request "
                 "schema cannot say; test_mcp.py drives it with the official MCP client, and "
                 "test_mcp_answers_conform checks its answers against the contract",
    "GET /mcp": "always 405 by design (siftd offers no server stream), which a fuzzer reads as valid input refused",
    "POST /v1/chat/completions": "OpenAI's request body, lenient by design (unknown fields ignored, several content "
                                 "forms, roles read by meaning), so its schema cannot draw the line the negative mode "
                                 "needs; test_openai.py drives it with the official openai SDK and ChatCompletionTests "
                                 "cover its refusals",
}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    # SIFT_MAX_SOURCES at its largest (50), so that every `max_sources` the contract allows is accepted.
    d = Daemon(tmp_path_factory.mktemp("siftd"), extra_env={"SIFT_MAX_SOURCES": "50"})
    yield d
    d.stop()


@pytest.fixture(scope="module")
def contract():
    return json.loads(CONTRACT.read_text())


def validator(contract, name):
    """A validator for components/schemas/<name>, its references resolved in the contract."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": contract["components"]}
    return jsonschema.Draft202012Validator(schema)


def check_events(contract, events):
    """Each event against its frame and its data schema; ids 1, 2, 3, … and one `done` at the end."""
    frames = validator(contract, "ServerSentEvent")
    for event in events:
        frames.validate({"id": str(event["id"]), "event": event["event"], "data": json.dumps(event["data"])})
        name = event["event"].capitalize() + "Event"
        validator(contract, name).validate(event["data"])
    assert [e["event"] for e in events].count("done") == 1
    assert events[-1]["event"] == "done"


def test_the_contract_is_valid_openapi_3_1(contract):
    validate(contract)
    assert contract["openapi"] == "3.1.0"


def test_the_swift_copy_is_generated_from_the_contract():
    result = subprocess.run(
        [sys.executable, str(pathlib.Path(ROOT) / "scripts" / "gen-openapi-swift.py"), "--check"],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_siftd_serves_the_contract(daemon):
    status, headers, body = daemon.get("/openapi.json")
    assert status == 200
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert body == CONTRACT.read_bytes()


def test_a_stream_conforms(daemon, contract):
    stream = SSEStream(daemon.port, stream_path("what is the capital of Australia"))
    try:
        events = list(stream.events())
    finally:
        stream.close()
    assert stream.status == 200
    check_events(contract, events)
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["data"]["outcome"] == "complete"


def test_a_refused_question_reaches_event_source_as_events_that_conform(daemon, contract):
    stream = SSEStream(daemon.port, "/v1/answer/stream?q=%20")
    try:
        events = list(stream.events())
    finally:
        stream.close()
    assert stream.status == 200
    check_events(contract, events)
    assert [e["event"] for e in events] == ["error", "done"]
    assert events[0]["data"]["code"] == "empty_query"


def test_the_answer_document_and_errors_conform(daemon, contract):
    status, _, document = daemon.post_json("/v1/answer", {"q": "what is photosynthesis"})
    assert status == 200
    validator(contract, "AnswerDocument").validate(document)
    status, headers, body = daemon.post_json("/v1/answer", {"q": "x" * 2001})
    assert status == 400
    validator(contract, "ErrorBody").validate(body)
    assert body["error"]["code"] == "query_too_long"


def test_a_resumable_query_conforms_resumes_and_is_204_when_caught_up(daemon, contract):
    form = urllib.parse.urlencode({"q": "what is the capital of Australia"}).encode()
    request = urllib.request.Request(
        daemon.base + "/v1/queries", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        created = json.loads(response.read())
        assert response.headers["Location"] == created["events_url"]
    validator(contract, "CreatedQuery").validate(created)

    stream = SSEStream(daemon.port, created["events_url"])
    try:
        events = list(stream.events())
    finally:
        stream.close()
    check_events(contract, events)

    # Resuming after event 3, by header and by parameter: exactly the events after it.
    for path, headers in [(created["events_url"], {"Last-Event-ID": "3"}), (created["events_url"] + "?last_event_id=3", {})]:
        stream = SSEStream(daemon.port, path, headers=headers)
        try:
            resumed = list(stream.events())
        finally:
            stream.close()
        assert [e["id"] for e in resumed] == [e["id"] for e in events[3:]]

    last = str(events[-1]["id"])
    status, _, body = daemon.get(created["events_url"], headers={"Last-Event-ID": last})
    assert (status, body) == (204, b"")
    status, _, body = daemon.get(created["events_url"], headers={"Last-Event-ID": str(events[-1]["id"] + 1)})
    assert status == 400
    assert json.loads(body)["error"]["code"] == "bad_last_event_id"

    request = urllib.request.Request(daemon.base + f"/v1/queries/{created['id']}", method="DELETE")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 204


def test_health_readiness_and_routing_errors_conform(daemon, contract):
    status, _, body = daemon.get("/healthz")
    assert status == 200
    validator(contract, "Health").validate(json.loads(body))
    status, _, body = daemon.get("/readyz")
    assert status == 200
    validator(contract, "Readiness").validate(json.loads(body))
    status, headers, body = daemon.get("/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    status, _, body = daemon.get("/no/such/path")
    assert status == 404
    validator(contract, "ErrorBody").validate(json.loads(body))
    status, headers, body = daemon.get("/v1/queries")
    assert status == 405 and headers["Allow"] == "POST"
    validator(contract, "ErrorBody").validate(json.loads(body))


def test_mcp_answers_conform(daemon, contract):
    """/mcp's answers against the contract: initialize (JSON), a message without a session, GET, DELETE."""
    def post(body, headers):
        request = urllib.request.Request(
            daemon.base + "/mcp", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json", **headers})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.loads(error.read())

    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "contract", "version": "1"}}}
    status, headers, body = post(initialize, {})
    assert status == 200, body
    validator(contract, "JSONRPCMessage").validate(body)
    session = headers["Mcp-Session-Id"]
    status, _, body = post({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, {})
    assert status == 400
    validator(contract, "JSONRPCError").validate(body)
    status, headers, body = daemon.get("/mcp")
    assert status == 405 and headers["Allow"] == "POST, DELETE"
    validator(contract, "JSONRPCError").validate(json.loads(body))
    request = urllib.request.Request(daemon.base + "/mcp", method="DELETE", headers={"Mcp-Session-Id": session})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 204


def test_schemathesis_finds_nothing(daemon, tmp_path):
    """Positive and negative cases for every operation of the served contract, every check but use_after_free."""
    # The browser assets' version is this build's hash, which the contract cannot know: the page names it.
    _, _, page = daemon.get("/")
    version = re.search(rb"/assets/([0-9a-f]+)/", page).group(1).decode()
    settings = ['[[operations]]\ninclude-path = "/assets/{version}/{name}"\n'
                f'parameters = {{ "path.version" = "{version}" }}\n']
    for operation in UNFUZZED:  # "METHOD /path" is the operation's name in schemathesis
        settings.append(f'[[operations]]\ninclude-name = "{operation}"\nenabled = false\n')
    config = tmp_path / "schemathesis.toml"
    config.write_text("\n".join(settings))
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
        "run", daemon.base + "/openapi.json",
        "--checks", "all", "--exclude-checks", "use_after_free",
        "--mode", "all", "--max-examples", str(EXAMPLES), "--seed", SEED,
        # One worker: Python 3.11's ast module is not thread-safe, and schemathesis parses lambdas with it.
        "--workers", "1", "--request-timeout", "20", "--generation-database", "none",
        "--no-color", "--suppress-health-check", "too_slow",
    ]
    env = dict(os.environ, SCHEMATHESIS_HOOKS=str(HOOKS))
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=240)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"schemathesis ran past 240 s:\n{(error.stdout or b'')[-4000:]}")
    report = result.stdout + result.stderr
    (tmp_path / "schemathesis.txt").write_text(report)
    assert result.returncode == 0, report[-12000:]
    assert "API Operations:" in report and "Tested: 0" not in report, report[-4000:]
