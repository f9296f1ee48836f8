#!/usr/bin/env python3
"""Runs a question set (scripts/eval/build_set.py) against a running siftd and
reports, per kind and overall, for the dev split, the test split and both:

  correct        answerable questions whose answer holds a gold answer (normalized,
                 whole words); an abstained question is not correct
  cite@1         of the answered answerable questions with a citation, the share whose
                 first cited source (its passages, snippet and title) holds a gold answer
  cite-all       the same over every citation of those answers
  abstained      unanswerable questions abstained (metrics.answered false, or a warning
                 with code no_answer; a failed query with no answer counts too)
  wrong-abst.    answerable questions abstained
  p50/p95        metrics.total_ms and wall time of the whole answer

Questions run one at a time (the times are measured). Follow-ups run their turns in one
session (the `session` of the first answer) and are scored on the last turn.

  run_eval.py --url http://127.0.0.1:8080 --questions .build/eval/questions.jsonl \\
      --json out.json --rows rows.jsonl --markdown out.md --path extractive
  run_eval.py --results out.json --floors 'correct=0.5,abstained=0.2'   # check floors only
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from evalcommon import matches_gold, mentions_any_gold  # noqa: E402

CITATION = re.compile(r"\[(\d+)\]")


def post(url, body, timeout):
    data = json.dumps(body).encode()
    request = urllib.request.Request(url + "/v1/answer", data=data, headers={"Content-Type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            status, document = r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        status = e.code
        try:
            document = json.loads(e.read() or b"{}")
        except ValueError:
            document = {}
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as e:
        status, document = 0, {"error": {"code": "transport", "message": str(e)}}
    return status, document, (time.monotonic() - started) * 1000


def abstained(document):
    metrics = document.get("metrics") or {}
    if metrics.get("answered") is False:
        return True
    if any((w or {}).get("code") == "no_answer" for w in document.get("warnings") or []):
        return True
    # Nothing matched at all: the query fails with no_sources, which says there is no answer. Any
    # other failure (a transport error, a 5xx) is a failure of the run, not an abstention.
    error = document.get("error") or {}
    return error.get("code") == "no_sources" and not (document.get("answer") or "").strip()


def source_text(document, n):
    """What source `n` said: its passages, snippet and title."""
    parts = [p.get("text", "") for p in document.get("passages") or [] if p.get("source_n") == n]
    for s in document.get("sources") or []:
        if s.get("n") == n:
            parts += [s.get("snippet") or "", s.get("title") or ""]
    return "\n".join(parts)


def ask(url, question, timeout):
    turns = question.get("turns") or [question["question"]]
    session = None
    wall = 0.0
    for turn in turns:
        body = {"q": turn}
        if session:
            body["session"] = session
        status, document, ms = post(url, body, timeout)
        wall = ms  # the scored (last) turn's time
        session = document.get("session") or session
    return status, document, wall


def score(question, status, document, wall):
    answer = document.get("answer") or ""
    did_abstain = abstained(document)
    citations = [int(n) for n in CITATION.findall(answer)]
    row = {
        "id": question["id"], "kind": question["kind"], "subkind": question.get("subkind"),
        "split": question["split"], "answerable": question["answerable"],
        "question": " / ".join(question.get("turns") or [question["question"]]),
        "gold": question.get("gold_all") or question.get("gold"),
        "answer": answer, "status": status, "abstained": did_abstain,
        "error": (document.get("error") or {}).get("code"),
        "warnings": [w.get("code") for w in document.get("warnings") or []],
        "cited": citations,
        "total_ms": (document.get("metrics") or {}).get("total_ms"),
        "wall_ms": round(wall, 3),
        "synthesizer": (document.get("metrics") or {}).get("synthesizer"),
    }
    if question["answerable"]:
        row["correct"] = (not did_abstain) and matches_gold(answer, question)
        if not did_abstain and citations:
            supported = [mentions_any_gold(source_text(document, n), question) for n in citations]
            row["cite_first_ok"] = supported[0]
            row["cite_ok"] = sum(supported)
            row["cite_count"] = len(supported)
    return row


def percentile(values, p):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return round(values[lo] + (values[hi] - values[lo]) * (k - lo), 3)


def share(numerator, denominator):
    return round(numerator / denominator, 4) if denominator else None


def summarize(rows):
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    cited = [r for r in answerable if "cite_first_ok" in r]
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "correct": share(sum(r["correct"] for r in answerable), len(answerable)),
        "correct_count": sum(r["correct"] for r in answerable),
        "cited_answers": len(cited),
        "citation_precision": share(sum(r["cite_first_ok"] for r in cited), len(cited)),
        "citation_precision_all": share(sum(r["cite_ok"] for r in cited), sum(r["cite_count"] for r in cited)),
        "abstained": share(sum(r["abstained"] for r in unanswerable), len(unanswerable)),
        "wrongly_abstained": share(sum(r["abstained"] for r in answerable), len(answerable)),
        "errors": sum(1 for r in rows if r["error"] or r["status"] != 200),
        "p50_total_ms": percentile([r["total_ms"] for r in rows], 0.5),
        "p95_total_ms": percentile([r["total_ms"] for r in rows], 0.95),
        "p50_wall_ms": percentile([r["wall_ms"] for r in rows], 0.5),
        "p95_wall_ms": percentile([r["wall_ms"] for r in rows], 0.95),
    }


def report(rows):
    out = {}
    for split in ("all", "dev", "test"):
        chosen = [r for r in rows if split == "all" or r["split"] == split]
        kinds = sorted({r["kind"] for r in chosen})
        out[split] = {"overall": summarize(chosen), "by_kind": {k: summarize([r for r in chosen if r["kind"] == k]) for k in kinds}}
    return out


def file_sha256(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    return {"arch": platform.machine(), "nproc": os.cpu_count(), "cpu": model,
            "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]}


def git_commit():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        commit = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def fmt(value, percent=True):
    if value is None:
        return "–"
    return f"{value * 100:.1f}%" if percent else f"{value:.1f}"


def markdown(results):
    meta = results["meta"]
    m = meta["machine"]
    lines = [
        f"# Quality benchmark: {meta['path']} path",
        "",
        f"- command: `{meta['command']}`",
        f"- commit: `{meta['commit']}`",
        f"- machine: {m['arch']}, {m['nproc']} cores, {m['cpu']}"
        + (f" (load average {m['loadavg_at_start'][0]} when the run started)" if m.get("loadavg_at_start") else ""),
        f"- date: {meta['date']}",
        f"- path: {meta['path']}" + (f" (synthesizer: {meta['synthesizer']})"
                                     if meta.get("synthesizer") and meta["synthesizer"] != meta["path"] else ""),
        f"- questions: {meta['questions_file']} ({meta['count']} asked; sha256 {meta.get('questions_sha256', '?')[:16]})",
        "",
        "correct: answerable questions whose answer holds a gold answer (abstaining is not correct). "
        "cite@1: of the answered answerable questions with citations, the first cited source holds a gold answer; "
        "cite-all: the same over every citation. abstained: unanswerable questions abstained; "
        "wrong-abst.: answerable questions abstained. Times in ms: siftd's `total_ms`, and wall time at the client.",
        "",
    ]
    header = ("| kind | answerable | unanswerable | correct | cite@1 | cite-all | abstained | wrong-abst. "
              "| p50 total | p95 total | p50 wall | p95 wall |")
    rule = "|" + "---|" * 12
    for split in ("all", "dev", "test"):
        block = results["splits"][split]
        lines += [f"## {'Both splits' if split == 'all' else split + ' split'}", "", header, rule]
        entries = list(block["by_kind"].items()) + [("**overall**", block["overall"])]
        for kind, s in entries:
            lines.append(
                f"| {kind} | {s['answerable']} | {s['unanswerable']} | {fmt(s['correct'])} | {fmt(s['citation_precision'])} "
                f"| {fmt(s['citation_precision_all'])} | {fmt(s['abstained'])} | {fmt(s['wrongly_abstained'])} "
                f"| {fmt(s['p50_total_ms'], False)} | {fmt(s['p95_total_ms'], False)} | {fmt(s['p50_wall_ms'], False)} "
                f"| {fmt(s['p95_wall_ms'], False)} |")
        lines.append("")
    return "\n".join(lines)


def parse_floors(spec):
    """`correct=0.5,abstained=0.3,kind:definition.correct=0.4` or a JSON file of the same
    keys. A key names a metric of the overall summary (both splits) or, with
    `kind:<kind>.`, of one kind; `max:` before a key makes it a ceiling
    (`max:wrongly_abstained=0.1`, `max:p50_total_ms=40`)."""
    if os.path.exists(spec):
        with open(spec) as f:
            return {k: float(v) for k, v in json.load(f).items()}
    floors = {}
    for item in spec.split(","):
        if item.strip():
            key, _, value = item.partition("=")
            floors[key.strip()] = float(value)
    return floors


def check_floors(results, floors, split="all"):
    failures = []
    block = results["splits"][split]
    for key, limit in floors.items():
        ceiling = key.startswith("max:")
        name = key[4:] if ceiling else key
        if name.startswith("kind:"):
            kind, _, metric = name[5:].partition(".")
            value = block["by_kind"].get(kind, {}).get(metric)
        else:
            value = block["overall"].get(name)
        if value is None:
            failures.append(f"{key}: no value")
        elif (value > limit) if ceiling else (value < limit):
            failures.append(f"{key}: {value} {'above' if ceiling else 'below'} {limit}")
    return failures


def load_questions(path, ids=None, limit=None):
    with open(path, encoding="utf-8") as f:
        questions = [json.loads(l) for l in f if l.strip()]
    if ids:
        questions = [q for q in questions if q["id"] in ids]
    return questions[:limit] if limit else questions


def run(url, questions, timeout=60, progress=None):
    rows = []
    for i, q in enumerate(questions, 1):
        status, document, wall = ask(url, q, timeout)
        rows.append(score(q, status, document, wall))
        if progress and (i % progress == 0 or i == len(questions)):
            done = sum(r.get("correct", False) for r in rows)
            print(f"run_eval: {i}/{len(questions)} asked, {done} correct", file=sys.stderr, flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="siftd's base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--questions", default=".build/eval/questions.jsonl")
    parser.add_argument("--ids", help="a JSONL of questions whose ids to keep (e.g. the web subset)")
    parser.add_argument("--split", choices=["dev", "test"], help="ask only this split")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--path", default="extractive", help="label for the report: extractive, llm or web")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--commit", help="the commit siftd was built from (default: this checkout's HEAD)")
    parser.add_argument("--command", help="the command to record in the report (default: this one)")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--rows", help="write one row per question here (JSONL), for failure analysis")
    parser.add_argument("--markdown", help="write a Markdown report here")
    parser.add_argument("--results", help="read results from this JSON instead of asking (with --floors)")
    parser.add_argument("--floors", help="comma list key=value or a JSON file; exit 3 when a metric is below its floor")
    parser.add_argument("--floors-split", default="all", choices=["all", "dev", "test"])
    args = parser.parse_args()

    if args.results:
        with open(args.results) as f:
            results = json.load(f)
    else:
        if not args.url:
            parser.error("--url is required unless --results is given")
        ids = None
        if args.ids:
            with open(args.ids) as f:
                ids = {json.loads(l)["id"] for l in f if l.strip()}
        questions = load_questions(args.questions, ids, args.limit)
        if args.split:
            questions = [q for q in questions if q["split"] == args.split]
        started = time.monotonic()
        rows = run(args.url.rstrip("/"), questions, args.timeout, progress=50)
        synthesizers = sorted({r["synthesizer"] for r in rows if r.get("synthesizer")})
        results = {
            "meta": {
                "command": args.command or " ".join(["scripts/eval/run_eval.py"] + sys.argv[1:]),
                "commit": args.commit or git_commit(),
                "machine": machine(),
                "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "path": args.path,
                "synthesizer": ", ".join(synthesizers),
                "questions_file": args.questions,
                "questions_sha256": file_sha256(args.questions),
                "count": len(rows),
                "seconds": round(time.monotonic() - started, 1),
            },
            "splits": report(rows),
        }
        if args.rows:
            os.makedirs(os.path.dirname(os.path.abspath(args.rows)), exist_ok=True)
            with open(args.rows, "w", encoding="utf-8") as f:
                for r in rows:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
    if args.json and not args.results:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1, sort_keys=True)
            f.write("\n")
    text = markdown(results)
    if args.markdown:
        os.makedirs(os.path.dirname(os.path.abspath(args.markdown)), exist_ok=True)
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    overall = results["splits"]["all"]["overall"]
    print(f"run_eval ({results['meta']['path']}): correct {fmt(overall['correct'])}, cite@1 {fmt(overall['citation_precision'])}, "
          f"abstained {fmt(overall['abstained'])}, wrongly abstained {fmt(overall['wrongly_abstained'])}, "
          f"p50 {fmt(overall['p50_total_ms'], False)} ms, p95 {fmt(overall['p95_total_ms'], False)} ms")
    if not args.results:
        broken = [r for r in rows if r.get("status", 0) == 0 or r.get("status", 0) >= 500]
        if broken:
            print(f"run_eval: {len(broken)} questions got no answer from siftd (transport errors or 5xx), "
                  f"e.g. {broken[0]['question']!r}", file=sys.stderr)
            sys.exit(4)
    if args.floors:
        failures = check_floors(results, parse_floors(args.floors), args.floors_split)
        for f in failures:
            print("run_eval: below floor: " + f, file=sys.stderr)
        if failures:
            sys.exit(3)


if __name__ == "__main__":
    main()
