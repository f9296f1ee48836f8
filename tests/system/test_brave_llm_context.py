"""Brave's LLM Context (SIFT_BRAVE_MODE=llm-context) end to end: the real siftd against
sift-replay over loopback. The context's snippets are page text, so a hit that brings enough
of it is not read, and a fact only its page holds still reaches the answer; a key of another
plan degrades to a warning that says what to change."""
import json

from test_web import Replay, ask, by_type, metric
from conftest import Daemon

LONG = "https://atlas.example/places/zembla"
SHORT = "https://gazette.example/zembla-brief"

CORPUS = {"entries": [{
    "match": ["capital", "zembla"],
    "results": [
        {"title": "Zembla at a glance", "url": LONG, "site_name": "Atlas",
         "description": "Zembla is a northern kingdom; its capital and its coast are described below.",
         "extra_snippets": ["The capital of Zembla lies on the western coast of the kingdom."],
         "body": [
             "The capital of Zembla is Onhava, a harbour city on the western coast, seat of the crown "
             "and of the Zemblan parliament since the unification of the northern provinces.",
             "Onhava, the Zemblan capital, is known for its palace, its glass market and its long winter "
             "nights; most of the kingdom's trade leaves from its harbour.",
             "Visitors to the capital of Zembla arrive by ferry; the old town of Onhava keeps its walls "
             "and the cathedral where every Zemblan king has been crowned.",
         ],
         "published": "2024-05-01"},
        {"title": "Zembla in brief", "url": SHORT, "site_name": "Gazette",
         "description": "A short note on Zembla and its capital."},
    ],
}]}


def brave_only(replay, key="replay-key"):
    return {
        "SIFT_BRAVE_API_KEY": key,
        "SIFT_BRAVE_URL": f"http://127.0.0.1:{replay.port}",
        "SIFT_BRAVE_MODE": "llm-context",
        "SIFT_FETCH_ALLOW_HOSTS": "127.0.0.1",
    }


def test_context_snippets_are_passages_and_spare_the_page_reads(tmp_path):
    corpus = tmp_path / "corpus.json"
    corpus.write_text(json.dumps(CORPUS))
    replay = Replay(tmp_path, "--corpus", str(corpus))
    daemon = Daemon(tmp_path, brave_only(replay))
    try:
        events = ask(daemon, "what is the capital of zembla")
        assert by_type(events, "done")[0]["outcome"] == "complete"
        brave = replay.requests("brave")
        assert len(brave) == 1 and "/res/v1/llm/context?" in brave[0] and " 200 " in brave[0], brave
        sources = {s["n"]: s for s in by_type(events, "source")}
        long_n = next(n for n, s in sources.items() if "atlas.example" in s["url"])
        short_n = next(n for n, s in sources.items() if "gazette.example" in s["url"])
        assert sources[long_n]["providers"] == ["brave"]
        fetched = {f["n"] for f in by_type(events, "fetch") if f["state"] == "started"}
        # The atlas page came with over 500 characters of its text: not read. The brief note did not.
        assert long_n not in fetched and short_n in fetched, (fetched, sources)
        assert not [line for line in replay.requests("pages") if "atlas.example" in line]
        # Onhava is only in the atlas page's body: Brave's context brought it without a read.
        answer = "".join(d["text"] for d in by_type(events, "delta"))
        ranked = by_type(events, "ranked")[0]["passages"]
        assert any("Onhava" in p["text"] and p["source_n"] == long_n for p in ranked), ranked
        assert "Onhava" in answer, answer
        assert metric(daemon, "sift_provider_requests_total", provider="brave", status="ok") == 1
        _, _, ready = daemon.get("/readyz")
        assert b"llm-context" in ready
    finally:
        daemon.stop()
        replay.stop()


def test_a_key_of_another_plan_is_a_warning_that_names_the_way_out(tmp_path):
    replay = Replay(tmp_path, "--brave-key-without-llm-context", "answers-key")
    daemon = Daemon(tmp_path, brave_only(replay, key="answers-key"))
    try:
        for question in ("what is the capital of Australia", "what is photosynthesis"):
            events = ask(daemon, question)
            warnings = [w for w in by_type(events, "warning") if w.get("provider") == "brave"]
            assert [w["code"] for w in warnings] == ["provider_not_in_plan"], warnings
            assert "OPTION_NOT_IN_PLAN" in warnings[0]["message"]
            assert "SIFT_BRAVE_MODE=web" in warnings[0]["message"]
            assert by_type(events, "done")[0]["outcome"] == "complete"
        assert "Canberra" in "".join(d["text"] for d in by_type(ask(daemon, "what is the capital of Australia"), "delta"))
        # Asked once: the refusal is remembered until a reload.
        brave = replay.requests("brave")
        assert len(brave) == 1 and " 400 " in brave[0], brave
    finally:
        daemon.stop()
        replay.stop()
