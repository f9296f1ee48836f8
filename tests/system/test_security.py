"""API keys, scopes, per-key limits and budgets, revocation and the non-loopback refusal (issue 15, parts 1, 2, 5).

Real siftd processes, keys issued with the real `siftd keys` command. Each test gets its own state
directory (the key file lives there) holding a symlink to the shared knowledge-base index, so that no
index is built and no key leaks into another test. Keys are required with SIFT_AUTH=required on
loopback, except in the test of the non-loopback default, which binds 0.0.0.0.
"""
import json
import os
import signal
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import SIFTD, STATE_DIR, Daemon, free_port, terminate
from sse import SSEStream, stream_path
from test_dashboards import ChatServer
from test_web import Replay, metric

QUESTION = "what is photosynthesis"


def state_dir(tmp_path):
    """A state directory of its own, with the shared index linked in."""
    directory = tmp_path / "state"
    directory.mkdir(exist_ok=True)
    index = os.path.join(STATE_DIR, "kb.sqlite")
    if not (directory / "kb.sqlite").exists():
        os.symlink(index, directory / "kb.sqlite")
    return directory


def keys(state, *args, env=None):
    """Runs `siftd keys ARGS`; returns (exit status, stdout, stderr)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SIFT_")}
    environment.update({"SIFT_STATE_DIR": str(state), **(env or {})})
    done = subprocess.run([SIFTD, "keys", *args], env=environment, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


def add_key(state, name, *args, env=None):
    status, out, err = keys(state, "add", name, *args, env=env)
    assert status == 0, err
    key = out.strip()
    assert key.startswith("sift_") and "\n" not in key, out
    return key


def request(daemon, path, key=None, method="GET", body=None, headers=None):
    h = dict(headers or {})
    if key:
        h["Authorization"] = f"Bearer {key}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(daemon.base + path, data=data, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def error_of(body):
    return json.loads(body)["error"]


def secured(tmp_path, extra=None):
    state = state_dir(tmp_path)
    return Daemon(tmp_path, {"SIFT_STATE_DIR": str(state), "SIFT_AUTH": "required", **(extra or {})})


@pytest.fixture
def state(tmp_path):
    return state_dir(tmp_path)


def test_keys_are_added_listed_and_revoked_with_the_cli_and_only_their_hash_is_kept(state):
    key = add_key(state, "alice", "--scopes", "query,metrics", "--rpm", "60", "--streams", "2",
                  "--daily-upstream", "100", "--daily-tokens", "5000")
    other = add_key(state, "bob")
    assert key != other

    path = state / "api-keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = path.read_text()
    assert key not in stored and other not in stored
    assert "alice" in stored and "bob" in stored

    status, out, _ = keys(state, "list")
    assert status == 0
    assert key not in out and other not in out
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["NAME", "SCOPES", "LIMITS"]
    alice = next(line for line in lines if line.startswith("alice"))
    assert "query,metrics" in alice and "rpm 60" in alice and "streams 2" in alice
    assert "upstream 100/day" in alice and "tokens 5000/day" in alice and alice.endswith("never")

    status, out, _ = keys(state, "list", "--json")
    records = {r["name"]: r for r in map(json.loads, out.splitlines())}
    assert records["bob"]["scopes"] == ["query"] and records["bob"]["limits"]["rpm"] is None
    assert records["alice"]["limits"] == {"rpm": 60, "streams": 2, "daily_upstream": 100, "daily_tokens": 5000}
    assert all(key not in line and other not in line for line in out.splitlines())

    # A taken name, an unknown scope and a bad name are refused with what is wrong.
    status, _, err = keys(state, "add", "alice")
    assert status == 1 and "exists" in err
    status, _, err = keys(state, "add", "carol", "--scopes", "query,root")
    assert status != 0 and "root" in err
    status, _, err = keys(state, "add", "a b")
    assert status != 0 and "name" in err

    status, _, err = keys(state, "revoke", "bob")
    assert status == 0 and "revoked" in err
    status, _, err = keys(state, "revoke", "bob")
    assert status == 1 and "no key named" in err
    _, out, _ = keys(state, "list", "--json")
    assert [json.loads(line)["name"] for line in out.splitlines()] == ["alice"]


def test_scopes_401_and_403_and_the_open_routes(tmp_path):
    state = state_dir(tmp_path)
    asker = add_key(state, "asker", "--scopes", "query")
    prometheus = add_key(state, "prometheus", "--scopes", "metrics")
    daemon = secured(tmp_path)
    try:
        # The probes and the browser page stay open.
        for path in ("/healthz", "/readyz", "/"):
            assert request(daemon, path)[0] == 200, path

        for path, method in (("/v1/answer/stream?q=x", "GET"), ("/v1/queries?q=x", "POST"), ("/v1/models", "GET"),
                             ("/metrics", "GET"), ("/mcp", "POST"), ("//metrics", "GET"), ("/v1/nothing", "GET")):
            status, headers, body = request(daemon, path, method=method)
            assert status == 401, (path, status, body)
            assert headers["WWW-Authenticate"].startswith("Bearer"), path
            assert headers["X-Request-Id"]
            error = error_of(body)
            assert error["code"] == "unauthorized" and "Authorization: Bearer" in error["message"]

        status, _, body = request(daemon, "/v1/models", key="sift_not-a-key")
        assert status == 401 and "not valid" in error_of(body)["message"]

        status, _, body = request(daemon, "/v1/answer", key=asker, method="POST", body={"q": QUESTION})
        assert status == 200, body
        assert json.loads(body)["outcome"] == "complete"

        # Each key only where its scope lets it.
        status, headers, body = request(daemon, "/metrics", key=asker)
        assert status == 403 and error_of(body)["code"] == "forbidden" and "metrics" in error_of(body)["message"]
        assert headers["X-Request-Id"]
        status, _, body = request(daemon, "/v1/answer", key=prometheus, method="POST", body={"q": QUESTION})
        assert status == 403 and "query" in error_of(body)["message"]

        status, _, body = request(daemon, "/metrics", key=prometheus)
        assert status == 200
        text = body.decode()
        assert 'sift_key_requests_total{key="asker"}' in text
        assert 'sift_key_rejections_total{key="asker",reason="forbidden"} 1' in text
        assert 'sift_key_rejections_total{key="",reason="unauthorized"}' in text
        # Label values are key names only, never what a client sent.
        assert "sift_not-a-key" not in text
    finally:
        daemon.stop()


def test_a_key_in_the_query_string_is_refused_with_why(tmp_path):
    state = state_dir(tmp_path)
    key = add_key(state, "asker")
    daemon = secured(tmp_path)
    try:
        for parameter in ("key", "api_key", "access_token", "apikey", "token"):
            status, headers, body = request(daemon, f"/v1/answer/stream?q=x&{parameter}={key}")
            assert status == 400, parameter
            error = error_of(body)
            assert error["code"] == "key_in_url"
            assert "Authorization: Bearer" in error["message"] and "URL" in error["message"]
            assert key not in body.decode()
            # Even beside a valid header: the key has leaked into the URL either way.
            status, _, _ = request(daemon, f"/v1/models?{parameter}=x", key=key)
            assert status == 400
    finally:
        daemon.stop()


def test_another_key_cannot_read_or_cancel_your_query_or_continue_your_session(tmp_path):
    state = state_dir(tmp_path)
    alice = add_key(state, "alice")
    bob = add_key(state, "bob")
    root = add_key(state, "root", "--scopes", "admin")
    daemon = secured(tmp_path, {"SIFT_DEBUG_DELTA_DELAY_MS": "100"})
    try:
        status, _, body = request(daemon, "/v1/queries", key=alice, method="POST", body={"q": QUESTION})
        assert status == 201, body
        created = json.loads(body)
        events, query = created["events_url"], f"/v1/queries/{created['id']}"

        # Bob hears exactly what an unknown id gets: the id is not even confirmed.
        unknown = "/v1/queries/" + "0" * len(created["id"])
        for path, method in ((events, "GET"), (query, "DELETE")):
            status, _, body = request(daemon, path, key=bob, method=method)
            assert status == 404, (path, method, status)
            assert error_of(body)["code"] == "query_not_found"
            other_status, _, other = request(daemon, unknown + ("/events" if method == "GET" else ""), key=bob, method=method)
            assert other_status == 404 and error_of(other)["code"] == error_of(body)["code"]

        # An admin key reads anyone's; Alice reads and cancels her own.
        s = SSEStream(daemon.port, events, headers={"Authorization": f"Bearer {root}"})
        try:
            assert s.status == 200
            assert next(s.events())["event"] == "status"
        finally:
            s.close()
        status, _, _ = request(daemon, query, key=alice, method="DELETE")
        assert status == 204
        s = SSEStream(daemon.port, events, headers={"Authorization": f"Bearer {alice}"})
        try:
            assert s.status == 200
            kinds = [e["event"] for e in s.events()]
            assert kinds[-1] == "done" and kinds.count("done") == 1
        finally:
            s.close()

        # Sessions: Alice's follow-up is hers alone.
        status, headers, body = request(daemon, "/v1/answer", key=alice, method="POST", body={"q": QUESTION})
        assert status == 200
        session = json.loads(body)["session"]
        assert session
        status, _, body = request(daemon, "/v1/answer", key=bob, method="POST",
                                  body={"q": "and what does it need?", "session": session})
        assert status == 404 and error_of(body)["code"] == "session_not_found", body
        status, _, body = request(daemon, "/v1/answer", key=alice, method="POST",
                                  body={"q": "and what does it need?", "session": session})
        assert status == 200, body
        assert 'sift_key_rejections_total{key="bob",reason="not_owner"}' in request(daemon, "/metrics", key=root)[2].decode()
    finally:
        daemon.stop()


def test_requests_a_minute_answer_429_with_retry_after(tmp_path):
    state = state_dir(tmp_path)
    key = add_key(state, "burst", "--rpm", "3")
    other = add_key(state, "calm")
    daemon = secured(tmp_path)
    try:
        statuses = [request(daemon, "/v1/models", key=key)[0] for _ in range(3)]
        assert statuses == [200, 200, 200]
        status, headers, body = request(daemon, "/v1/models", key=key)
        assert status == 429
        assert 1 <= int(headers["Retry-After"]) <= 20
        error = error_of(body)
        assert error["code"] == "rate_limited" and "rpm" in error["message"] and error["retryable"] is True
        assert headers["X-Request-Id"]
        # The limit is the key's, not everyone's.
        assert request(daemon, "/v1/models", key=other)[0] == 200
    finally:
        daemon.stop()


def test_concurrent_streams_are_capped_per_key(tmp_path):
    state = state_dir(tmp_path)
    key = add_key(state, "single", "--streams", "1")
    other = add_key(state, "other")
    daemon = secured(tmp_path, {"SIFT_DEBUG_DELTA_DELAY_MS": "150"})
    try:
        first = SSEStream(daemon.port, stream_path(QUESTION), headers={"Authorization": f"Bearer {key}"})
        try:
            assert first.status == 200
            status, headers, body = request(daemon, "/v1/answer", key=key, method="POST", body={"q": QUESTION})
            assert status == 429, body
            assert error_of(body)["code"] == "too_many_streams" and "streams" in error_of(body)["message"]
            assert int(headers["Retry-After"]) >= 1
            # Another key is not held back.
            assert request(daemon, "/v1/models", key=other)[0] == 200
            kinds = [e["event"] for e in first.events()]
            assert kinds[-1] == "done"
        finally:
            first.close()
        # The stream ended: its slot is free again.
        deadline = time.monotonic() + 10
        while True:
            status, _, body = request(daemon, "/v1/answer", key=key, method="POST", body={"q": QUESTION})
            if status != 429 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert status == 200, body
    finally:
        daemon.stop()


def test_the_daily_upstream_budget_runs_out_and_cache_hits_are_free(tmp_path):
    replay = Replay(tmp_path, "--brave-per-second", "1000")
    state = state_dir(tmp_path)
    key = add_key(state, "web", "--daily-upstream", "2")
    watcher = add_key(state, "watcher", "--scopes", "metrics")
    daemon = secured(tmp_path, {**replay.env(), "SIFT_MAX_PAGES": "0"})
    try:
        status, _, body = request(daemon, "/v1/answer", key=key, method="POST", body={"q": QUESTION})
        assert status == 200, body
        calls = len(replay.requests("brave")) + len(replay.requests("searxng"))
        assert calls == 2, replay.text()

        def spent():
            return metric_with(daemon, watcher, "sift_key_upstream_requests_total", key="web")
        assert spent() == 2

        status, headers, body = request(daemon, "/v1/answer", key=key, method="POST", body={"q": "how do volcanoes erupt"})
        assert status == 429, body
        error = error_of(body)
        assert error["code"] == "budget_exhausted"
        assert "daily_upstream" in error["message"] and "T00:00:00Z" in error["message"] and "midnight UTC" in error["message"]
        seconds = int(headers["Retry-After"])
        assert 1 <= seconds <= 86400
        # It resets at the next UTC midnight.
        remainder = (time.time() + seconds) % 86400
        assert remainder < 120 or remainder > 86280, seconds
        assert len(replay.requests("brave")) + len(replay.requests("searxng")) == calls
        assert metric_with(daemon, watcher, "sift_key_rejections_total", key="web", reason="budget_exhausted") == 1
    finally:
        daemon.stop()
        replay.stop()

    # Cache hits cost nothing: the same question twice spends once.
    replay = Replay(tmp_path, "--brave-per-second", "1000")
    state = state_dir(tmp_path)
    key = add_key(state, "cached", "--daily-upstream", "100")
    daemon = secured(tmp_path, {**replay.env(), "SIFT_MAX_PAGES": "0"})
    try:
        for _ in range(2):
            assert request(daemon, "/v1/answer", key=key, method="POST", body={"q": "why is the sky blue"})[0] == 200
        assert metric_with(daemon, watcher, "sift_key_upstream_requests_total", key="cached") == 2
        assert len(replay.requests("brave")) + len(replay.requests("searxng")) == 2
    finally:
        daemon.stop()
        replay.stop()


def test_the_daily_token_budget_counts_what_the_llm_spent(tmp_path):
    chat = ChatServer(tmp_path)
    state = state_dir(tmp_path)
    key = add_key(state, "writer", "--daily-tokens", "10")
    watcher = add_key(state, "watcher", "--scopes", "metrics")
    daemon = secured(tmp_path, {"SIFT_LLM_URL": f"http://127.0.0.1:{chat.port}/v1", "SIFT_LLM_MODEL": "scripted"})
    try:
        status, _, body = request(daemon, "/v1/answer", key=key, method="POST", body={"q": QUESTION})
        assert status == 200, body
        spent = metric_with(daemon, watcher, "sift_key_llm_tokens_total", key="writer")
        assert spent > 10
        status, headers, body = request(daemon, "/v1/answer", key=key, method="POST", body={"q": QUESTION})
        assert status == 429 and error_of(body)["code"] == "budget_exhausted"
        assert "daily_tokens" in error_of(body)["message"]
        # The OpenAI endpoint hears the same refusal, in its own error shape.
        status, headers, body = request(daemon, "/v1/chat/completions", key=key, method="POST",
                                        body={"model": "sift", "messages": [{"role": "user", "content": QUESTION}]})
        assert status == 429 and "budget" in body.decode()
    finally:
        daemon.stop()
        chat.stop()


def test_revocation_applies_on_the_next_request_and_sighup_reloads(tmp_path):
    state = state_dir(tmp_path)
    key = add_key(state, "leaving")
    daemon = secured(tmp_path)
    try:
        assert request(daemon, "/v1/models", key=key)[0] == 200
        assert keys(state, "revoke", "leaving")[0] == 0
        status, _, body = request(daemon, "/v1/models", key=key)
        assert status == 401 and error_of(body)["code"] == "unauthorized"

        # A key written behind siftd's back (a restored backup, config management): SIGHUP reads it.
        fresh = add_key(state, "fresh")
        daemon.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        # No request came in between: the reload is SIGHUP's.
        while not any("API keys loaded" in line and "fresh" in line for line in daemon.log_text().splitlines()):
            assert time.monotonic() < deadline, daemon.log_text()
            time.sleep(0.1)
        assert request(daemon, "/v1/models", key=fresh)[0] == 200
        assert keys(state, "revoke", "fresh")[0] == 0
        daemon.proc.send_signal(signal.SIGHUP)
        assert request(daemon, "/v1/models", key=fresh)[0] == 401
    finally:
        daemon.stop()


def test_last_use_is_listed(tmp_path):
    state = state_dir(tmp_path)
    key = add_key(state, "user")
    daemon = secured(tmp_path)
    try:
        assert request(daemon, "/v1/models", key=key)[0] == 200
        deadline = time.monotonic() + 30
        while True:
            _, out, _ = keys(state, "list", "--json")
            record = json.loads(out.splitlines()[0])
            if record["last_used"] is not None:
                break
            assert time.monotonic() < deadline, out
            time.sleep(0.5)
        assert abs(record["last_used"] - time.time()) < 120
        _, table, _ = keys(state, "list")
        assert "never" not in table.splitlines()[1]
    finally:
        daemon.stop()


def non_loopback_address():
    """An address of this machine's that is not loopback, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def start_raw(tmp_path, env):
    """siftd with exactly `env`'s settings (no readiness wait)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SIFT_")}
    environment.pop("NOTIFY_SOCKET", None)
    environment.update({"SIFT_CACHE_DIR": str(tmp_path / "cache"), "SIFT_LOG": "text", **env})
    return subprocess.Popen([SIFTD], env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_non_loopback_address_requires_keys_and_refuses_to_start_without_one(tmp_path):
    state = state_dir(tmp_path)
    port = free_port()
    listen = {"SIFT_STATE_DIR": str(state), "SIFT_LISTEN": f"0.0.0.0:{port}"}
    proc = start_raw(tmp_path, listen)
    try:
        output, _ = proc.communicate(timeout=240)
    finally:
        terminate(proc)
    assert proc.returncode == 2, output
    assert "no API key exists" in output and "0.0.0.0" in output
    assert "siftd keys add" in output and "SIFT_AUTH=off" in output
    assert "serving" not in output

    # `--check-config` says what the default decided.
    check = subprocess.run([SIFTD, "--check-config"], env={**os.environ, **listen}, capture_output=True, text=True)
    assert "auth:          required (by the listen address)" in check.stdout

    # With a key it starts, and asks for it; the probes stay open for load balancers.
    key = add_key(state, "edge")
    # Any Host, so that the request by the machine's own address reaches the key check.
    daemon = Daemon(tmp_path, {**listen, "SIFT_ALLOWED_HOSTS": "*"}, port=port)
    try:
        assert request(daemon, "/healthz")[0] == 200
        assert request(daemon, "/v1/models")[0] == 401
        assert request(daemon, "/v1/models", key=key)[0] == 200
        address = non_loopback_address()
        if address:
            with urllib.request.urlopen(f"http://{address}:{port}/healthz", timeout=10) as r:
                assert r.status == 200
            req = urllib.request.Request(f"http://{address}:{port}/v1/models")
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(req, timeout=10)
            assert refused.value.code == 401
    finally:
        daemon.stop()

    # SIFT_AUTH=off is the operator's explicit choice: served without keys.
    daemon = Daemon(tmp_path, {**listen, "SIFT_AUTH": "off"}, port=port)
    try:
        assert request(daemon, "/v1/models")[0] == 200
        assert "anyone who reaches the port" in daemon.log_text()
    finally:
        daemon.stop()


def test_loopback_stays_open_by_default(tmp_path):
    daemon = Daemon(tmp_path, {"SIFT_STATE_DIR": str(state_dir(tmp_path))})
    try:
        assert request(daemon, "/v1/models")[0] == 200
        assert request(daemon, "/metrics")[0] == 200
    finally:
        daemon.stop()


def test_the_openai_and_mcp_endpoints_need_a_key(tmp_path):
    import openai
    state = state_dir(tmp_path)
    key = add_key(state, "chat")
    daemon = secured(tmp_path)
    try:
        anonymous = openai.OpenAI(base_url=daemon.base + "/v1", api_key="sift_wrong", max_retries=0, timeout=60)
        with pytest.raises(openai.AuthenticationError):
            anonymous.models.list()
        with pytest.raises(openai.AuthenticationError):
            anonymous.chat.completions.create(model="sift", messages=[{"role": "user", "content": QUESTION}])

        client = openai.OpenAI(base_url=daemon.base + "/v1", api_key=key, max_retries=0, timeout=60)
        assert [m.id for m in client.models.list()]
        completion = client.chat.completions.create(model="sift", messages=[{"role": "user", "content": QUESTION}])
        assert completion.choices[0].message.content
        pieces = [c.choices[0].delta.content or "" for c in client.chat.completions.create(
            model="sift", messages=[{"role": "user", "content": QUESTION}], stream=True) if c.choices]
        assert "".join(pieces)

        initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}
        accept = {"Accept": "application/json"}
        status, _, body = request(daemon, "/mcp", method="POST", body=initialize, headers=accept)
        assert status == 401 and error_of(body)["code"] == "unauthorized"
        status, headers, body = request(daemon, "/mcp", key=key, method="POST", body=initialize, headers=accept)
        assert status == 200, body
        session = headers["Mcp-Session-Id"]
        # Another key cannot use the session.
        other = add_key(state, "other")
        listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
        status, _, _ = request(daemon, "/mcp", key=other, method="POST", body=listing,
                               headers={**accept, "Mcp-Session-Id": session})
        assert status == 404
        status, _, body = request(daemon, "/mcp", key=key, method="POST", body=listing,
                                  headers={**accept, "Mcp-Session-Id": session})
        assert status == 200 and "sift_answer" in body.decode()
    finally:
        daemon.stop()


def metric_with(daemon, bearer, name, **labels):
    _, _, body = request(daemon, "/metrics", key=bearer)
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_keys_in_postgresql_reach_every_replica_and_so_does_revocation(tmp_path_factory):
    from pg import PostgreSQL
    pg = PostgreSQL()
    pg.start()
    replicas = []
    try:
        url = pg.create_database("sift_keys")
        tmp = tmp_path_factory.mktemp("keys-pg")
        state = state_dir(tmp)
        database = {"SIFT_DATABASE_URL": url}
        key = add_key(state, "shared", "--daily-upstream", "5", env=database)
        # Not in the state directory: in the database.
        assert not (state / "api-keys.json").exists()
        _, out, _ = keys(state, "list", "--json", env=database)
        assert json.loads(out)["name"] == "shared"

        for name in "ab":
            replicas.append(Daemon(tmp_path_factory.mktemp(f"keys-replica-{name}"),
                                   {"SIFT_STATE_DIR": str(state), "SIFT_AUTH": "required", **database}))
        for replica in replicas:
            assert request(replica, "/v1/models", key=key)[0] == 200
            assert request(replica, "/v1/models")[0] == 401

        # Alice's query on a is hers on b too.
        other = add_key(state, "other", env=database)
        deadline = time.monotonic() + 20
        while request(replicas[1], "/v1/models", key=other)[0] != 200:
            assert time.monotonic() < deadline, "a key added in the database did not reach a running replica"
            time.sleep(0.2)
        status, _, body = request(replicas[0], "/v1/queries", key=key, method="POST", body={"q": QUESTION})
        assert status == 201
        events = json.loads(body)["events_url"]
        assert request(replicas[1], events, key=other)[0] == 404
        assert request(replicas[1], events, key=key)[0] == 200

        assert keys(state, "revoke", "shared", env=database)[0] == 0
        for replica in replicas:
            deadline = time.monotonic() + 20
            while request(replica, "/v1/models", key=key)[0] != 401:
                assert time.monotonic() < deadline, "a revocation in the database did not reach a replica"
                time.sleep(0.2)
        assert request(replicas[0], "/v1/models", key=other)[0] == 200
    finally:
        for replica in replicas:
            replica.stop()
        pg.destroy()


def test_prometheus_scrapes_metrics_with_its_key(tmp_path):
    from prometheus import start_prometheus
    state = state_dir(tmp_path)
    scrape = add_key(state, "prometheus", "--scopes", "metrics")
    daemon = secured(tmp_path)
    proms = []
    try:
        # The scrape config of docs/operations.md: authorization with the metrics key.
        prom = start_prometheus([f"127.0.0.1:{daemon.port}"], tmp_path / "prom", rules=(), bearer_token=scrape)
        proms.append(prom)
        prom.wait_targets_up()
        prom._poll("the key's own series", lambda: prom.query('sift_key_requests_total{key="prometheus"}'), 60)

        # Without it, the target is down with siftd's 401.
        keyless = start_prometheus([f"127.0.0.1:{daemon.port}"], tmp_path / "prom-keyless", rules=(), bearer_token=None)
        proms.append(keyless)
        keyless._poll("the keyless scrape to fail", lambda: any(
            t["health"] == "down" and "401" in t["lastError"] for t in keyless.targets()), 60)
    finally:
        for p in proms:
            p.stop()
        daemon.stop()


@pytest.mark.skipif(not os.path.exists("/usr/bin/systemd-socket-activate"), reason="systemd-socket-activate is required")
def test_a_socket_passed_by_systemd_on_a_non_loopback_address_requires_keys_too(tmp_path):
    # `listen` says loopback, but the socket systemd passes is bound to every address: the socket decides.
    state = state_dir(tmp_path)
    port = free_port()
    env = {"SIFT_STATE_DIR": str(state), "SIFT_CACHE_DIR": str(tmp_path / "cache"), "SIFT_LOG": "text",
           "SIFT_LISTEN": f"127.0.0.1:{free_port()}", "HOME": os.environ.get("HOME", "/root"), "PATH": os.environ["PATH"]}
    args = ["systemd-socket-activate", "-l", f"0.0.0.0:{port}", "--fdname=http"]
    for name, value in env.items():
        args += ["-E", f"{name}={value}"]
    proc = subprocess.Popen(args + [SIFTD], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                # The first connection starts siftd, which refuses to serve and exits.
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, "systemd-socket-activate never listened"
                time.sleep(0.05)
        output = ""
        deadline = time.monotonic() + 240
        while "no API key exists" not in output:
            assert proc.poll() is None or "no API key exists" in output, output
            assert time.monotonic() < deadline, output
            line = proc.stdout.readline()
            output += line
        assert "siftd listens on 0.0.0.0" in output and "siftd keys add" in output, output
    finally:
        terminate(proc)
