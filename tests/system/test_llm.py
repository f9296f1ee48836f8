"""LLM synthesis end to end: the real siftd against llama.cpp's real llama-server
serving SmolLM2-135M-Instruct on loopback (built by scripts/llm-setup.sh; `make
test` exports LLAMA_SERVER and LLM_MODEL). The assertions are on structure,
streaming and citations, never on the 135M model's prose."""
import os
import re
import signal
import subprocess
import time
import urllib.request

import pytest

from conftest import Daemon, free_port, terminate
from sse import SSEStream, stream_path

LLAMA_SERVER = os.environ.get("LLAMA_SERVER")
LLM_MODEL = os.environ.get("LLM_MODEL")
MODEL = "smollm2-135m-instruct"

pytestmark = pytest.mark.skipif(
    not (LLAMA_SERVER and LLM_MODEL),
    reason="LLAMA_SERVER and LLM_MODEL are not set: run through `make test`, which builds them (scripts/llm-setup.sh)")


class LlamaServer:
    def __init__(self, tmp_path, context=4096, name="llama"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [LLAMA_SERVER, "-m", LLM_MODEL, "--alias", MODEL, "-t", "1", "-c", str(context), "--host", "127.0.0.1",
             "--port", str(self.port), "--metrics", "--slots"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "llama-server exited:\n" + self.text()
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("llama-server did not become healthy:\n" + self.text())

    def url(self):
        return self.base + "/v1"

    def text(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def metric(self, name):
        with urllib.request.urlopen(self.base + "/metrics", timeout=5) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        raise AssertionError(f"llama-server has no metric {name}")

    def stop(self):
        terminate(self.proc)
        self.log.close()


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    server = LlamaServer(tmp_path_factory.mktemp("llama"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def llm_daemon(llama, tmp_path_factory):
    d = Daemon(tmp_path_factory.mktemp("siftd-llm"), {"SIFT_LLM_URL": llama.url(), "SIFT_LLM_MODEL": MODEL})
    yield d
    d.stop()


def collect(daemon, question, params=""):
    s = SSEStream(daemon.port, stream_path(question) + params, timeout=120)
    try:
        assert s.status == 200
        return list(s.events()), s.headers
    finally:
        s.close()


def of(events, kind):
    return [e["data"] for e in events if e["event"] == kind]


def cited(text):
    return [int(n) for group in re.findall(r"\[(\d+(?:\]\[\d+)*)\]", text) for n in group.split("][")]


def test_a_streamed_answer_cites_real_sources(llm_daemon):
    events, headers = collect(llm_daemon, "what is the capital of Australia")
    kinds = [e["event"] for e in events]
    assert kinds.count("done") == 1 and kinds[-1] == "done"
    assert of(events, "done")[0]["outcome"] == "complete"
    deltas = of(events, "delta")
    assert len(deltas) > 3, "the answer should stream in many deltas"
    assert all("model" not in d for d in deltas)
    answer = "".join(d["text"] for d in deltas)
    sources = {s["n"] for s in of(events, "source")}
    numbers = cited(answer)
    assert numbers, f"no citation in {answer!r}"
    assert set(numbers) <= sources, f"{numbers} cites a source that is not among {sorted(sources)}"
    assert not [w for w in of(events, "warning") if w["code"].startswith("llm_")], of(events, "warning")
    metrics = of(events, "metrics")[0]
    assert metrics["synthesizer"] == MODEL
    assert metrics["tokens"] > 0 and metrics["tokens_per_second"] > 0
    # The query's session comes back, and /metrics counts the model's tokens and first token.
    assert headers.get("sift-session") == of(events, "query")[0]["session"]
    _, _, body = llm_daemon.get("/metrics")
    text = body.decode()
    assert re.search(r'sift_llm_tokens_total\{model="%s",kind="completion"\} [1-9]' % MODEL, text)
    assert re.search(r'sift_llm_time_to_first_token_seconds_count\{model="%s"\} [1-9]' % MODEL, text)
    assert re.search(r'sift_llm_requests_total\{model="%s",outcome="ok"\} [1-9]' % MODEL, text)


def test_a_follow_up_builds_on_the_session(llm_daemon):
    first, _ = collect(llm_daemon, "what is the capital of Australia")
    session = of(first, "query")[0]["session"]
    follow, _ = collect(llm_daemon, "what about its population?", "&session=" + session)
    query = of(follow, "query")[0]
    assert query["session"] == session
    assert query["original"] == "what about its population?"
    assert "australia" in (query.get("context") or "")
    assert of(follow, "done")[0]["outcome"] == "complete"
    assert "session" in {p for s in of(follow, "source") for p in s["providers"]}
    # An id Sift never issued is a clear 404, as JSON and as an error event.
    status, _, body = llm_daemon.get("/v1/answer/stream?q=x&session=nosuchsession")
    assert status == 404 and b"session_not_found" in body
    events, _ = collect(llm_daemon, "x", "&session=nosuchsession")
    assert [e["event"] for e in events] == ["error", "done"]


def test_cancelling_mid_answer_stops_the_generation_upstream(tmp_path):
    llama = LlamaServer(tmp_path, name="llama-cancel")
    daemon = Daemon(tmp_path, {
        "SIFT_LLM_URL": llama.url(), "SIFT_LLM_MODEL": MODEL, "SIFT_LLM_MAX_TOKENS": "1500",
        "SIFT_LLM_CONTEXT_TOKENS": "4096"})
    try:
        s = SSEStream(daemon.port, stream_path("write a long detailed history of the city of Rome"), timeout=120)
        deltas = 0
        for event in s.events():
            if event["event"] == "delta":
                deltas += 1
                if deltas == 5:
                    break
        assert deltas == 5
        s.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and llama.metric("llamacpp:requests_processing") > 0:
            time.sleep(0.1)
        assert llama.metric("llamacpp:requests_processing") == 0, "the generation went on after the client left"
        decoded = llama.metric("llamacpp:n_decode_total")
        time.sleep(1.0)
        assert llama.metric("llamacpp:n_decode_total") == decoded, "tokens were still being generated"
        assert decoded < 1500
        _, _, body = daemon.get("/metrics")
        assert re.search(r'sift_llm_requests_total\{model="%s",outcome="cancelled"\} 1' % MODEL, body.decode())
    finally:
        daemon.stop()
        llama.stop()


def test_a_prompt_larger_than_the_context_is_cut_to_fit(tmp_path):
    # A 1024-token server, and many long passages: the prompt must be cut to fit.
    llama = LlamaServer(tmp_path, context=1024, name="llama-small")
    daemon = Daemon(tmp_path, {
        "SIFT_LLM_URL": llama.url(), "SIFT_LLM_MODEL": MODEL, "SIFT_LLM_CONTEXT_TOKENS": "1024",
        "SIFT_LLM_MAX_TOKENS": "200", "SIFT_MAX_PASSAGES": "30", "SIFT_MAX_SOURCES": "30"})
    try:
        events, _ = collect(daemon, "history of the Linux kernel scheduler and memory management")
        assert len(of(events, "ranked")[0]["passages"]) > 10
        assert not [w for w in of(events, "warning") if w["code"].startswith("llm_")], of(events, "warning")
        assert of(events, "metrics")[0]["synthesizer"] == MODEL
        assert "exceed" not in llama.text().lower()
        # Told a larger window than the server has, siftd retries once at half the size, or falls back with a warning.
        daemon.stop()
        daemon = Daemon(tmp_path, {
            "SIFT_LLM_URL": llama.url(), "SIFT_LLM_MODEL": MODEL, "SIFT_LLM_CONTEXT_TOKENS": "8192",
            "SIFT_LLM_MAX_TOKENS": "200", "SIFT_MAX_PASSAGES": "30", "SIFT_MAX_SOURCES": "30"})
        events, _ = collect(daemon, "history of the Linux kernel scheduler and memory management")
        kinds = [e["event"] for e in events]
        assert kinds.count("done") == 1 and of(events, "done")[0]["outcome"] == "complete"
        warnings = [w["code"] for w in of(events, "warning")]
        synthesizer = of(events, "metrics")[0]["synthesizer"]
        assert synthesizer == MODEL or ("llm_context_overflow" in warnings and synthesizer == "extractive")
        assert "".join(d["text"] for d in of(events, "delta")).strip()
    finally:
        daemon.stop()
        llama.stop()


def test_a_model_server_killed_mid_answer_falls_back_to_the_extractive_answer(tmp_path):
    llama = LlamaServer(tmp_path, name="llama-killed")
    daemon = Daemon(tmp_path, {
        "SIFT_LLM_URL": llama.url(), "SIFT_LLM_MODEL": MODEL, "SIFT_LLM_MAX_TOKENS": "1500"})
    try:
        s = SSEStream(daemon.port, stream_path("write a long detailed history of the city of Rome"), timeout=120)
        events = []
        for event in s.events():
            events.append(event)
            if event["event"] == "delta" and len(of(events, "delta")) == 3:
                llama.proc.send_signal(signal.SIGKILL)
        s.close()
        kinds = [e["event"] for e in events]
        assert kinds.count("done") == 1 and kinds[-1] == "done"
        assert of(events, "done")[0]["outcome"] == "complete"
        warning_at = next(i for i, e in enumerate(events) if e["event"] == "warning" and e["data"]["code"].startswith("llm_"))
        warning = events[warning_at]["data"]
        assert warning["model"] == MODEL and "extractive" in warning["message"]
        after = "".join(e["data"]["text"] for e in events[warning_at:] if e["event"] == "delta")
        assert after.strip(), "the extractive answer should follow the warning"
        metrics = of(events, "metrics")[0]
        assert metrics["synthesizer"] == "extractive"
        _, _, body = daemon.get("/metrics")
        assert re.search(r'sift_llm_fallbacks_total\{reason="(connection|malformed|token_timeout)"\} 1', body.decode())
    finally:
        daemon.stop()
        llama.stop()


def test_compare_mode_streams_a_lane_per_model_then_a_merge(llama, tmp_path):
    daemon = Daemon(tmp_path, {"SIFT_LLM_URL": llama.url(), "SIFT_LLM_MODEL": f"{MODEL},{MODEL}-b"})
    try:
        events, _ = collect(daemon, "what is the capital of Australia")
        lanes = of(events, "lane")
        assert {(l["model"], l["state"]) for l in lanes} >= {(MODEL, "started"), (MODEL, "done"), (f"{MODEL}-b", "started"), (f"{MODEL}-b", "done")}
        by_model = {}
        for d in of(events, "delta"):
            by_model.setdefault(d.get("model"), []).append(d["text"])
        assert set(by_model) == {MODEL, f"{MODEL}-b", None}, set(by_model)
        assert "".join(by_model[None]).strip(), "the merged answer is empty"
        assert of(events, "metrics")[0]["synthesizer"].endswith(f"merged by {MODEL}")
        # A request can turn the merge off: the answer then compares the sources each lane cited.
        events, _ = collect(daemon, "what is the capital of Australia", "&merge=false")
        merged = "".join(d["text"] for d in of(events, "delta") if "model" not in d)
        assert "answers of" in merged
    finally:
        daemon.stop()


def test_asking_for_models_without_an_llm_is_a_warning_and_an_extractive_answer(daemon):
    events, _ = collect(daemon, "what is the capital of Australia", "&models=gpt-4o")
    warnings = of(events, "warning")
    assert [w["code"] for w in warnings] == ["llm_not_configured"]
    assert "SIFT_LLM_URL" in warnings[0]["message"]
    assert of(events, "metrics")[0]["synthesizer"] == "extractive"
    assert cited("".join(d["text"] for d in of(events, "delta")))
