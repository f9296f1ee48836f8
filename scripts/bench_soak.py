#!/usr/bin/env python3
"""The soak and the 2,000-stream hold of `make bench` (scripts/bench.sh, `bench_soak`), as a
section of docs/benchmarks.md. `bench_soak.py RESULTS DOC` rewrites only that section (placed
before "## Index build" when the page has none); bench_report.py includes it in a whole page."""
import datetime
import json
import os
import subprocess
import sys

HEADING = "## Soak and the 2,000-stream hold"


def commit():
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip() or "?"


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


def section(soak, hold):
    lines = [HEADING, ""]
    w = lines.append
    load = soak.get("load", "?")
    w(f"Measured {datetime.date.today().isoformat()} at commit `{commit()}` on {os.cpu_count()} cores ({cpu_model()}),")
    w(f"load average {load} when the soak started{soak.get('shared_note', '')}. Command: `BENCH_ONLY=soak make bench`")
    w("(or the soak part of `make bench`); the release `siftd` on the embedded default knowledge base, the eight")
    w("questions of the latency runs in rotation.")
    w("")
    w(f"**Soak.** {soak['warmup_answers']:,} answers to warm up, then {soak['answers']:,} answers in a row")
    w(f"(`sift-bench latency --concurrency {soak['concurrency']}`), reading siftd's resident set after the warm-up and at")
    w("the end, and every 10 s in between.")
    w("")
    w("| figure | value | goal |")
    w("|---|---|---|")
    w(f"| RSS idle (index open) | {soak['idle']['rss_mb']} MB (anonymous {soak['idle']['anon_mb']} MB) | |")
    w(f"| RSS after the warm-up | {soak['warm']['rss_mb']} MB (anonymous {soak['warm']['anon_mb']} MB) | |")
    w(f"| RSS after {soak['answers']:,} more answers | {soak['end']['rss_mb']} MB (anonymous {soak['end']['anon_mb']} MB) | |")
    w(f"| growth after the warm-up | **{soak['growth_mb']} MB** (highest sample {soak['peak_rss_mb']} MB) | < 2 MB |")
    r = soak["run"]
    w(f"| answers per second / failed streams | {r['answers_per_second']} / {r['failures']} of {r['requests']} | |")
    w(f"| whole answer p50 / p99 | {r['total_p50_ms']} / {r['total_p99_ms']} ms | |")
    w("")
    w(f"**Hold.** {hold['streams']:,} SSE streams open at once (`sift-bench hold --concurrency 2000`, opened 100 at a")
    w("time), siftd run with `SIFT_MAX_STREAMS=4096`, `SIFT_QUERY_QUEUE=4096`, `ulimit -n 65536` and `SIFT_DEBUG_DELTA_DELAY_MS=600000`, so that")
    w("every answer stays open after its first events, with the query analyzed, searched and ranked.")
    w("")
    w("| figure | value | goal |")
    w("|---|---|---|")
    w(f"| RSS before / with {hold['streams']:,} streams open | {hold['rss_before_mb']} / **{hold['rss_open_mb']} MB** | < 100 MB |")
    w(f"| per stream | {hold['per_stream_kb']} KB | |")
    w(f"| first event (the status) p50 / p99, connect included | {hold['first_event_p50_ms']} / {hold['first_event_p99_ms']} ms | |")
    w(f"| streams refused or failed | {hold['failures']} | 0 |")
    w("")
    for note in soak.get("notes", []):
        w(note)
        w("")
    return lines


def write(results, doc):
    with open(doc) as f:
        page = f.read()
    text = "\n".join(section(results["soak"], results["soak_hold"])) + "\n"
    if HEADING in page:
        start = page.index(HEADING)
        end = page.find("\n## ", start + 1)
        page = page[:start] + text + (page[end + 1:] if end != -1 else "")
    else:
        end = page.find("\n## Index build")
        page = page[:end + 1] + text + page[end + 1:] if end != -1 else page.rstrip("\n") + "\n\n" + text
    with open(doc, "w") as f:
        f.write(page)


if __name__ == "__main__":
    results = {}
    with open(sys.argv[1]) as f:
        for line in f:
            entry = json.loads(line)
            results[entry["name"]] = entry["result"]
    write(results, sys.argv[2])
