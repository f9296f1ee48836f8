#!/usr/bin/env python3
"""Turns make profile's callgrind counts into instructions per answer, by stage.

    python3 scripts/profile_report.py --answers 1000 --run run.json --commit abc1234 \\
        [--doc docs/benchmarks.md] [--baseline] callgrind.out.PID.1 [...]

A stage is the inclusive count of the synchronous function that does it (its callees
included), so nothing is counted twice: the analyzer, the knowledge-base search (SQLite
included), the ranker, the extractive composer, the recording of events (their JSON and SSE framing), and the metrics
calls. Everything else, the HTTP server, the event loops, task scheduling and the
allocation between stages, is "the rest" (the total less the stages). Async functions are
not used as stage roots: callgrind's inclusive counts for Swift's async partial functions
follow the scheduler, not the call. So the citation and link filters, which run in the
synthesizer's async loop, fall into the rest. The costliest functions by their own instructions
follow, to show where to cut.

With --doc, the section between `<!-- profile:begin -->` and `<!-- profile:end -->` of the
file is rewritten (appended when missing). The first measurement kept there (or the one made
with --baseline) is shown as "before" beside this one.
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys

STAGES = [
    ("analysis", "the question's analysis", ["QueryAnalyzer.analyze(_:splitting:)"]),
    ("search", "knowledge-base search (SQLite FTS5 included)", [
        "protocol witness for SearchProvider.search(_:limit:) in conformance KnowledgeBaseProvider",
        "KnowledgeBase.search(terms:focus:limit:)"]),
    ("ranking", "passage ranking (BM25)", ["BM25Ranker.rank(_:for:limit:)"]),
    ("synthesis", "the extractive answer's composition", ["ExtractiveSynthesizer.compose(query:sources:passages:)"]),
    ("framing", "events recorded: JSON and SSE framing", ["QueryLog.record(_:)"]),
    ("metrics", "metrics calls", ["+SiftMetrics."]),
]
LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$")


def annotate(path, inclusive):
    args = ["callgrind_annotate", "--threshold=100", "--auto=no"] + (["--inclusive=yes"] if inclusive else []) + [path]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["swift", "demangle", "--simplified"], input=text, capture_output=True, text=True, check=True).stdout
    total, rows = 0, []
    for line in text.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        count = int(m.group(1).replace(",", ""))
        rest = m.group(2)
        if rest.endswith("PROGRAM TOTALS"):
            total = count
            continue
        rest = re.sub(r" \[[^\]]*\]$", "", rest)
        _, _, function = rest.partition(":")
        rows.append((count, function.strip()))
    return total, rows


def functions_max(rows):
    """The largest count each function has (callgrind splits a function by the files inlined into it)."""
    best = {}
    for count, function in rows:
        if re.search(r"'\d+$", function):  # a recursion level, already inside the outer one
            continue
        best[function] = max(best.get(function, 0), count)
    return best


def measure(files, answers):
    total, stages, own = 0, {name: 0 for name, _, _ in STAGES}, {}
    for path in files:
        file_total, rows = annotate(path, inclusive=True)
        total += file_total
        best = functions_max(rows)
        for name, _, roots in STAGES:
            for root in roots:
                if root.startswith("+"):  # every function of a type: their inclusive counts (a call of one by another counts twice: an upper bound)
                    prefix = root[1:]
                    stages[name] += sum(c for f, c in best.items() if prefix in f and not f.startswith(("closure", "partial apply")))
                else:  # alternatives: the outermost one found
                    stages[name] = max(stages[name], best.get(root, 0))
        _, rows = annotate(path, inclusive=False)
        for count, function in rows:
            own[function] = own.get(function, 0) + count
    per = {name: round(count / answers) for name, count in stages.items()}
    per["the rest"] = max(0, round(total / answers) - sum(per.values()))
    top = sorted(own.items(), key=lambda item: -item[1])[:15]
    return {"answers": answers, "total": round(total / answers), "stages": per,
            "top": [{"function": f[:140], "per_answer": round(c / answers)} for f, c in top]}


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
    return f"{os.cpu_count()} cores ({cpu}), Linux {platform.release()}"


def render(result, baseline, commit, run):
    def m(x):
        return f"{x / 1e6:.2f} M"
    lines = ["<!-- profile:begin -->", "## Instructions per answer (`make profile`)", ""]
    lines.append(f"Command: `make profile` (scripts/profile.sh). Commit {commit}, {datetime.date.today().isoformat()}, {machine()}. "
                 f"{result['answers']} questions about the index's own documents (scripts/profile_questions.py), asked one at a "
                 "time by sift-bench after a warm-up, the release siftd counted by valgrind's callgrind (instructions, not time: "
                 "the figure does not move with the machine's load). Stages are the inclusive counts of the synchronous "
                 "function doing each (scripts/profile_report.py says which); the rest is HTTP, the event loops, task "
                 "scheduling and allocation between stages.")
    lines.append("")
    if baseline:
        lines.append(f"| stage | before ({baseline['commit']}) | after | change |")
        lines.append("|---|---|---|---|")
    else:
        lines.append("| stage | instructions per answer | share |")
        lines.append("|---|---|---|")
    names = [n for n, _, _ in STAGES] + ["the rest"]
    describe = {n: d for n, d, _ in STAGES}
    describe["the rest"] = "HTTP, event loops, scheduling, allocation"
    for name in names + ["total"]:
        now = result["total"] if name == "total" else result["stages"][name]
        label = "**total**" if name == "total" else f"{name}: {describe[name]}"
        if baseline:
            before = baseline["total"] if name == "total" else baseline["stages"].get(name, 0)
            if not now or not before:
                change = ""
            else:
                change = f"{before / now:.2f}× fewer" if before >= now else f"{now / before:.2f}× more"
            lines.append(f"| {label} | {m(before)} | {m(now)} | {change} |")
        else:
            lines.append(f"| {label} | {m(now)} | {100 * now / max(1, result['total']):.0f}% |")
    lines.append("")
    lines.append(f"Answers per second under callgrind (for scale only): {run.get('answers_per_second', 0)}; failed streams: {run.get('failures', 0)}.")
    lines.append("")
    lines.append("The costliest functions by their own instructions, per answer:")
    lines.append("")
    lines.append("| function | instructions per answer |")
    lines.append("|---|---|")
    for row in result["top"]:
        function = row["function"].replace("|", "\\|")
        lines.append(f"| `{function}` | {m(row['per_answer'])} |")
    lines.append("")
    lines.append(f"<!-- profile-result: {json.dumps({**result, 'commit': commit, 'top': []})} -->")
    if baseline:
        lines.append(f"<!-- profile-baseline: {json.dumps(baseline)} -->")
    lines.append("<!-- profile:end -->")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--doc")
    parser.add_argument("--baseline", action="store_true", help="make this measurement the 'before' figure")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    result = measure(args.files, args.answers)
    run = json.load(open(args.run))
    print(json.dumps(result, indent=1))
    if not args.doc:
        return
    text = open(args.doc).read() if os.path.exists(args.doc) else ""
    baseline = None
    found = re.search(r"<!-- profile-baseline: (.*?) -->", text) or re.search(r"<!-- profile-result: (.*?) -->", text)
    if found and not args.baseline:
        baseline = json.loads(found.group(1))
    section = render(result, baseline, args.commit, run)
    if "<!-- profile:begin -->" in text:
        text = re.sub(r"<!-- profile:begin -->.*?<!-- profile:end -->", lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    open(args.doc, "w").write(text)
    print(f"profile: wrote {args.doc}", file=sys.stderr)


if __name__ == "__main__":
    main()
