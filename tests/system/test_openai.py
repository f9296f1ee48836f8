"""siftd through the official `openai` Python SDK (PyPI): /v1/chat/completions and /v1/models.

The default daemon answers extractively from the knowledge base, so the answers are
deterministic: "what is the capital of Australia" is Canberra, cited from WordNet.
"""
import json
import os
import re
import urllib.request

import openai
import pytest

from conftest import Daemon

QUESTION = "what is the capital of Australia"


def client(daemon):
    # The SDK insists on a key; siftd on loopback does not ask for one.
    return openai.OpenAI(base_url=daemon.base + "/v1", api_key="not-needed", max_retries=0, timeout=60)


def markers(text):
    return [int(n) for n in re.findall(r"\[(\d+)\]", text)]


def query_events(daemon, completion_id):
    """The query's own events (the chat completion's id is chatcmpl-<query id>)."""
    query_id = completion_id.removeprefix("chatcmpl-")
    status, _, body = daemon.get(f"/v1/queries/{query_id}/events")
    assert status == 200, body
    events = []
    for block in body.decode().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "event" in lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_models_lists_sift(daemon):
    models = client(daemon).models.list()
    ids = [m.id for m in models.data]
    assert ids[0] == "sift"
    assert all(m.owned_by == "sift" and m.object == "model" for m in models.data)


def test_a_completion_without_stream_cites_its_sources(daemon):
    completion = client(daemon).chat.completions.create(
        model="sift", messages=[{"role": "user", "content": QUESTION}], temperature=0.2, max_tokens=200, user="tester")
    assert completion.object == "chat.completion"
    assert completion.model == "sift"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    content = choice.message.content
    assert "Canberra" in content
    answer, _, sources = content.partition("\n\nSources:\n")
    assert markers(answer), content
    assert sources.startswith("- ["), content
    # Perplexity's fields: citations[n-1] is the URL of [n]; search_results describe every source.
    extra = completion.model_extra
    citations = extra["citations"]
    results = extra["search_results"]
    assert len(citations) == len(results) >= max(markers(answer))
    assert [r["url"] for r in results] == citations
    assert all(r["title"] and "snippet" in r for r in results)
    # OpenAI's annotations: one url_citation per source cited, spanning its first [n] marker.
    annotations = choice.message.annotations
    assert annotations
    for annotation in annotations:
        assert annotation.type == "url_citation"
        cite = annotation.url_citation
        n = int(content[cite.start_index:cite.end_index].strip("[]"))
        assert citations[n - 1] == cite.url
    assert completion.usage.prompt_tokens > 0
    assert completion.usage.completion_tokens > 0
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


def test_a_stream_follows_the_chunk_schema_with_usage(daemon):
    stream = client(daemon).chat.completions.create(
        model="sift", messages=[{"role": "user", "content": QUESTION}], stream=True,
        stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks, "no chunks"
    ids = {c.id for c in chunks}
    assert len(ids) == 1 and ids.pop().startswith("chatcmpl-")
    assert all(c.object == "chat.completion.chunk" and c.model == "sift" for c in chunks)
    with_choices = [c for c in chunks if c.choices]
    assert with_choices[0].choices[0].delta.role == "assistant"
    content = "".join(c.choices[0].delta.content or "" for c in with_choices)
    assert "Canberra" in content and markers(content)
    last = with_choices[-1]
    assert last.choices[0].finish_reason == "stop"
    assert all(c.choices[0].finish_reason is None for c in with_choices[:-1])
    assert last.model_extra["citations"] and last.model_extra["search_results"]
    # Annotations come with the content that first cites a source.
    annotations = [a for c in with_choices for a in (c.choices[0].delta.model_extra or {}).get("annotations") or []]
    assert annotations and all(a["type"] == "url_citation" for a in annotations)
    for a in annotations:
        cite = a["url_citation"]
        assert re.fullmatch(r"\[\d+\]", content[cite["start_index"]:cite["end_index"]])
    # The usage chunk comes last, with no choices.
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0
    assert all(c.usage is None for c in chunks[:-1])
    # Strict clients see no status events unless asked.
    assert not any((c.model_extra or {}).get("event") for c in chunks)


def test_the_stream_and_the_answer_agree_and_end_with_done(daemon):
    """The raw wire: `data:` lines ending with `data: [DONE]`, the same content as /v1/answer."""
    body = json.dumps({"model": "sift", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}).encode()
    req = urllib.request.Request(daemon.base + "/v1/chat/completions", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        text = r.read().decode()
    blocks = [b for b in text.split("\n\n") if b and not b.startswith(":")]
    assert blocks[-1] == "data: [DONE]"
    assert all(b.startswith("data: ") for b in blocks)
    chunks = [json.loads(b[6:]) for b in blocks[:-1]]
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    _, _, document = daemon.post_json("/v1/answer", {"q": QUESTION})
    assert content.startswith(document["answer"])


def test_a_follow_up_through_messages(daemon):
    api = client(daemon)
    first = api.chat.completions.create(model="sift", messages=[{"role": "user", "content": QUESTION}])
    answer = first.choices[0].message.content
    follow = api.chat.completions.create(model="sift", messages=[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": answer},
        {"role": "user", "content": [{"type": "text", "text": "what about its population?"}]},
    ])
    assert follow.choices[0].finish_reason == "stop"
    assert follow.choices[0].message.content
    # The follow-up was searched with what the conversation was about.
    query = next(data for kind, data in query_events(daemon, follow.id) if kind == "query")
    assert query["original"] == "what about its population?"
    assert "australia" in (query.get("context") or "").lower()
    # Nothing was kept for it: the client holds the conversation.
    assert query.get("session") is None


def test_an_unknown_model_is_a_bad_request(daemon):
    with pytest.raises(openai.BadRequestError) as raised:
        client(daemon).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    assert raised.value.status_code == 400
    assert raised.value.code == "model_not_found"
    assert raised.value.param == "model"
    with pytest.raises(openai.BadRequestError) as raised:
        client(daemon).chat.completions.create(model="sift", messages=[{"role": "user", "content": "   "}])
    assert raised.value.code == "empty_query"


def test_status_events_when_the_request_asks(daemon):
    stream = client(daemon).chat.completions.create(
        model="sift", messages=[{"role": "user", "content": QUESTION}], stream=True,
        extra_body={"sift_status_events": True})
    chunks = list(stream)
    events = [c.model_extra["event"] for c in chunks if (c.model_extra or {}).get("event")]
    assert events, "no status events"
    assert all(e["type"] == "status" and "description" in e["data"] for e in events)
    assert any(e["data"]["description"].startswith("Searching") for e in events)
    assert events[-1]["data"]["done"] is True
    assert all(e["data"]["done"] is False for e in events[:-1])
    # Status chunks carry no choices; the content is unchanged.
    assert all(not c.choices for c in chunks if (c.model_extra or {}).get("event"))


def test_status_events_on_by_configuration_and_off_by_request(tmp_path):
    d = Daemon(tmp_path, {"SIFT_OPENAI_STATUS_EVENTS": "on"})
    try:
        api = client(d)
        chunks = list(api.chat.completions.create(
            model="sift", messages=[{"role": "user", "content": QUESTION}], stream=True))
        assert any((c.model_extra or {}).get("event") for c in chunks)
        chunks = list(api.chat.completions.create(
            model="sift", messages=[{"role": "user", "content": QUESTION}], stream=True,
            extra_body={"sift_status_events": False}))
        assert not any((c.model_extra or {}).get("event") for c in chunks)
    finally:
        assert d.stop() == 0


def test_search_controls_are_extra_body_fields(daemon):
    api = client(daemon)
    completion = api.chat.completions.create(
        model="sift", messages=[{"role": "user", "content": QUESTION}],
        extra_body={"providers": ["kb"], "max_sources": 3})
    assert 0 < len(completion.model_extra["search_results"]) <= 3
    with pytest.raises(openai.BadRequestError) as raised:
        api.chat.completions.create(
            model="sift", messages=[{"role": "user", "content": QUESTION}], extra_body={"providers": "nosuchprovider"})
    assert raised.value.param == "providers"
    with pytest.raises(openai.BadRequestError) as raised:
        api.chat.completions.create(
            model="sift", messages=[{"role": "user", "content": QUESTION}], extra_body={"max_sources": 0})
    assert raised.value.param == "max_sources"


@pytest.mark.skipif(
    not (os.environ.get("LLAMA_SERVER") and os.environ.get("LLM_MODEL")),
    reason="LLAMA_SERVER and LLM_MODEL are not set: run through `make test` (scripts/llm-setup.sh)")
def test_an_llm_model_by_name_with_its_own_token_count(tmp_path):
    from test_llm import MODEL, LlamaServer

    llama = LlamaServer(tmp_path, name="llama-openai")
    d = Daemon(tmp_path, {"SIFT_LLM_URL": llama.url(), "SIFT_LLM_MODEL": MODEL, "SIFT_LLM_ALLOW_MODELS": "alt-model"})
    try:
        api = client(d)
        ids = [m.id for m in api.models.list().data]
        assert ids == ["sift", "sift:alt-model", f"sift:{MODEL}"]
        chunks = list(api.chat.completions.create(
            model=f"sift:{MODEL}", messages=[{"role": "user", "content": QUESTION}], stream=True,
            stream_options={"include_usage": True}))
        with_choices = [c for c in chunks if c.choices]
        assert with_choices[-1].choices[0].finish_reason == "stop"
        content = "".join(c.choices[0].delta.content or "" for c in with_choices)
        assert content.strip()
        assert all(c.model == f"sift:{MODEL}" for c in chunks)
        # completion_tokens is the model's own count, as the query's metrics report it.
        metrics = next(data for kind, data in query_events(d, chunks[0].id) if kind == "metrics")
        assert metrics["synthesizer"] == MODEL
        assert chunks[-1].usage.completion_tokens == metrics["tokens"]
        with pytest.raises(openai.BadRequestError) as raised:
            api.chat.completions.create(model="sift:not-allowed", messages=[{"role": "user", "content": QUESTION}])
        assert raised.value.code == "model_not_found"
    finally:
        d.stop()
        llama.stop()
