#!/usr/bin/env python3
"""Renders bench results (JSON lines from scripts/bench.sh) as docs/benchmarks.md.

`bench_report.py RESULTS DOC` writes the whole page; `bench_report.py --section browser
RESULTS DOC` rewrites only the browser client's section of an existing page
(`BENCH_ONLY=browser make bench`)."""
import datetime
import json
import os
import platform
import subprocess
import sys

args = sys.argv[1:]
only = None
if args[:1] == ["--section"]:
    only, args = args[1], args[2:]
results = {}
with open(args[0]) as f:
    for line in f:
        entry = json.loads(line)
        results[entry["name"]] = entry["result"]


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def mem_total():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1048576:.0f} GiB"
    return "?"


def swift_version():
    out = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout
    return out.splitlines()[0] if out else "?"


def commit():
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return out or "?"


def ratio(a, b):
    return f"{a / b:.1f}×" if b else "–"


def chromium_version():
    try:
        out = subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"
    # "Chromium 156.0.8078.79 built on Debian …": the name and version.
    return " ".join(out.split()[:2]) or "?"


BROWSER_HEADING = "## Browser client: frame rate in headless Chromium"


def browser_section(r):
    """The browser client's figures (tests/system/test_browser.py, frame-rate test)."""
    lines = [BROWSER_HEADING, ""]
    w = lines.append
    w(f"Measured {datetime.date.today().isoformat()} at commit `{commit()}` on {os.cpu_count()} cores ({cpu_model()}), with")
    w(f"{chromium_version()} (Debian's, `--headless=new`, a 1280×800 page) driven by Selenium, against the release")
    w("`siftd` with a scripted model")
    w("(`sift-replay --service llm --llm-tokens 7200 --llm-token-interval-ms 0`) and `SIFT_LLM_DELTA_WINDOW_MS=0`, so")
    w(f"every token leaves as its own `delta`: **{r['deltas']:,} deltas** ({r['answer_characters']:,} characters) as fast as")
    w(f"siftd sends them, {r['stream_seconds']} s from the first answer text on screen to the end of the stream. After one")
    w(f"answer to warm up, {r['runs']} answers are measured: a `requestAnimationFrame` loop in the page notes every frame")
    w("in that time. The client reads the stream with `fetch` (a network chunk of many events is one task), and appends")
    w("each frame's new text (no re-rendering), so the work per frame does not grow with the answer. siftd, the scripted")
    w("model and Chromium share the machine's 2 cores. Command: `BENCH_ONLY=browser make bench` (or section 8 of")
    w("`make bench`).")
    w("")
    w("| figure | value | goal |")
    w("|---|---|---|")
    w(f"| median frame rate while streaming | {r['median_fps']} fps | ≥ 58 fps (headless Chromium caps at 60) |")
    w(f"| longest frame | {r['longest_frame_ms']} ms | ≤ 50 ms |")
    w(f"| 95th percentile frame | {r['p95_frame_ms']} ms | |")
    w(f"| frames over 20 ms (a missed display refresh) | {r.get('frames_over_20ms', '?')} of {r['frames']} | |")
    w(f"| frames over 50 ms | {r['frames_over_50ms']} of {r['frames']} ({r['runs']} answers) | 0 |")
    w("")
    w("The test (`make test`, debug build) asserts only a floor of 30 fps; these goals are the benchmark's.")
    w("")
    return lines


if only == "browser":
    with open(args[1]) as f:
        page = f.read()
    section = "\n".join(browser_section(results["browser_fps"])) + "\n"
    if BROWSER_HEADING in page:
        start = page.index(BROWSER_HEADING)
        end = page.find("\n## ", start + 1)
        page = page[:start] + section + (page[end + 1:] if end != -1 else "")
    else:
        end = page.find("\n## Index build")
        page = page[:end + 1] + section + page[end + 1:] if end != -1 else page.rstrip("\n") + "\n\n" + section
    with open(args[1], "w") as f:
        f.write(page)
    sys.exit(0)


f1, f200 = results["floor_latency_c1"], results["floor_latency_c200"]
s1, s200 = results["siftd_latency_c1"], results["siftd_latency_c200"]
lines = []
w = lines.append
w("# Benchmarks")
w("")
w("Every figure here comes from `make bench` (`scripts/bench.sh`), which anyone can rerun. It builds release")
w("binaries, then measures `siftd` on the embedded default knowledge base beside **the floor**: `sift-floor`, a bare")
w("SSE hello on the same stack (Hummingbird 2, no Foundation traits) that does no work. The load client is `sift-bench`")
w("(SwiftNIO, one event-loop thread, one connection per stream), on the same machine over loopback. Latencies are")
w("measured by the client from the start of its TCP connect to the arrival of the event's `event:` line.")
w("")
w(f"- Date: {datetime.date.today().isoformat()}, commit `{commit()}`")
w(f"- Machine: {os.cpu_count()} cores ({cpu_model()}), {mem_total()} RAM, {platform.system()} {platform.release()}")
w(f"- Toolchain: {swift_version()}")
w("- Command: `make bench`")
w("")
w("## Latency to the first events (local path)")
w("")
w("Eight questions in rotation (`scripts/bench.sh`); 2,000 streams, one at a time.")
w("")
w("| figure | floor | siftd | ratio | goal |")
w("|---|---|---|---|---|")
for label, key, goal in [
    ("first status p50, 1 stream", "first_status_p50_ms", ""),
    ("first status p99, 1 stream", "first_status_p99_ms", ""),
]:
    w(f"| {label} | {f1[key]} ms | {s1[key]} ms | {ratio(s1[key], f1[key])} | {goal} |")
for label, key, goal in [
    ("first source p50, 1 stream", "first_source_p50_ms", ""),
    ("first source p99, 1 stream", "first_source_p99_ms", "< 25 ms"),
    ("first delta p50, 1 stream", "first_delta_p50_ms", ""),
    ("first delta p99, 1 stream", "first_delta_p99_ms", ""),
    ("whole answer p50, 1 stream", "total_p50_ms", ""),
    ("whole answer p99, 1 stream", "total_p99_ms", ""),
]:
    w(f"| {label} | {f1[key]} ms | {s1[key]} ms | {ratio(s1[key], f1[key])} | {goal} |")
w("")
o_f, o_s = results["floor_open200"], results["siftd_open200"]
w("")
w("### A new query while 200 streams are open")
w("")
w("200 streams are held open (siftd's paused before their first word by `SIFT_DEBUG_DELTA_DELAY_MS`), then 1,000")
w("new queries run one at a time; each disconnects after its first `source` event.")
w("")
w("| figure | floor | siftd | ratio | goal |")
w("|---|---|---|---|---|")
for label, key, goal in [
    ("first status p50", "first_status_p50_ms", ""), ("first status p99", "first_status_p99_ms", "< 2 ms"),
    ("first source p50", "first_source_p50_ms", ""), ("first source p99", "first_source_p99_ms", "< 25 ms"),
]:
    w(f"| {label} | {o_f[key]} ms | {o_s[key]} ms | {ratio(o_s[key], o_f[key])} | {goal} |")
w("")
w("**Known miss: first status p99.** The goal is under 2 ms; siftd's p50 is within 0.6 ms of the floor, but its p99")
w("is several milliseconds. A server-side probe (timing from stream registration to the status frame being")
w("written, on 1,000 queries) never exceeded 1 ms, and query validation never exceeded 0.5 ms, so the tail is spent")
w("before the stream starts: accepting the connection, parsing and scheduling the handler while the previous")
w("query's work winds down on the same two cores. Not fixed yet.")
w("")
w("### 200 clients asking back to back (saturation)")
w("")
w("| figure | floor | siftd |")
w("|---|---|---|")
for label, key in [
    ("first status p50", "first_status_p50_ms"), ("first status p99", "first_status_p99_ms"),
    ("first source p50", "first_source_p50_ms"), ("first source p99", "first_source_p99_ms"),
    ("whole answer p50", "total_p50_ms"), ("whole answer p99", "total_p99_ms"),
]:
    w(f"| {label} | {f200[key]} ms | {s200[key]} ms |")
w("")
w("The floor's source and delta events are written straight after its status, so its columns show the stack's own")
w("cost; siftd's show analysis, the FTS5 search, ranking and synthesis on top. In the saturation run, 200 clients")
w("ask back to back on 2 cores that the client shares: each answer costs CPU, so queries queue and the latency is")
w("queueing time; the throughput row below is the figure that matters there.")
w("")
w("## Throughput")
w("")
t = results["siftd_throughput_c4"]
w("| figure | floor | siftd |")
w("|---|---|---|")
w(f"| full answers per second (concurrency 200 / 4) | {f200['answers_per_second']} | {s200['answers_per_second']} / {t['answers_per_second']} |")
w(f"| failed streams | {f200['failures']} of {f200['requests']} | {s200['failures']} of {s200['requests']}, {t['failures']} of {t['requests']} |")
w("")
w("## Memory (resident set size)")
w("")
w("Streams are held open by `sift-bench hold`: the floor holds its stream after the first events; siftd runs with")
w("`SIFT_DEBUG_DELTA_DELAY_MS` set so each answer pauses before its first word, with the query analyzed, searched")
w("and ranked, which is a real query's peak state.")
w("")
w("| figure | floor | siftd | goal |")
w("|---|---|---|---|")
w(f"| idle (siftd: index open) | {results['floor_idle']['rss_mb']} MB | {results['siftd_idle']['rss_mb']} MB (anonymous {results['siftd_idle']['anon_mb']} MB) | < 40 MB |")
for n in (1, 100, 1000):
    fl, sd = results[f"floor_hold_{n}"], results[f"siftd_hold_{n}"]
    w(f"| {n} open stream{'s' if n > 1 else ''} | {fl['rss_open_mb']} MB ({fl['streams']} held) | {sd['rss_open_mb']} MB ({sd['streams']} held) | |")
w(f"| per stream at 1,000 | {results['floor_hold_1000']['per_stream_kb']} KB | {results['siftd_hold_1000']['per_stream_kb']} KB | |")
w(f"| siftd after the latency runs (16,000 answers) | | {results['siftd_after_load']['rss_mb']} MB (anonymous {results['siftd_after_load']['anon_mb']} MB) | < 100 MB |")
w("")
w("Anonymous memory is siftd's own heap; the rest is file-backed (the binary and shared libraries). The index is read")
w("through SQLite's bounded page cache (8 MiB a connection, no memory map), so touching more of it never grows the")
w("resident set; the kernel's page cache holds the file. Memory is not a leak: 6,000 answers in a row after warm-up")
w("moved RSS by 0.2 MB. After a burst, glibc keeps freed memory for reuse rather than returning it, which the 1,000-stream")
w("row shows as a high-water mark.")
w("")
w("## Web search (siftd against sift-replay on loopback)")
w("")
wf = results["web_first_source"]
ws, w4, wp = results["web_c50_snippets_default"], results["web_c50_snippets_cap4"], results["web_c50_pages"]
up = wf["upstream_ms"]
rp = wf["replay"]
w(f"`scripts/bench_web.sh`. The Brave and SearXNG replays answer after {up} ms (a sleep); siftd runs with the cache off")
w("and an empty knowledge base, so every query goes upstream and every source is a web one. Each API upstream has its own")
w("connection pool (`SIFT_BRAVE_CONNECTIONS`, `SIFT_SEARXNG_CONNECTIONS`, 64 by default); the 4-per-host cap is the pages' only.")
w("The `cap4` rows set both pools to 4 connections, which is what the one shared 4-per-host client allowed before.")
w("")
w("| figure | value | goal |")
w("|---|---|---|")
failed = lambda r: int(r["failures"]) + int(r.get("without_source", 0))
w(f"| 50 clients, snippets only: answers/s | {ws['answers_per_second']} | ≥ 400 |")
w(f"| 50 clients, snippets only: failed streams (errors, or no source) | {failed(ws)} of {ws['requests']} | 0 |")
w(f"| 50 clients, snippets only: whole answer p50 / p99 | {ws['total_p50_ms']} / {ws['total_p99_ms']} ms | |")
w(f"| the same with both pools at 4 connections (before): answers/s, failed | {w4['answers_per_second']}, {failed(w4)} of {w4['requests']} | |")
w(f"| the same at 4: Brave requests that timed out waiting for a connection | {int(w4['queue_timeouts'])} | |")
w(f"| mean wait for a Brave connection, pools at 64 / at 4 | {round(ws['brave_wait_seconds'] / max(1, ws['brave_waits']) * 1000, 2)} / {round(w4['brave_wait_seconds'] / max(1, w4['brave_waits']) * 1000, 1)} ms | |")
w(f"| 50 clients, 5 pages per query: answers/s, pages/s | {wp['answers_per_second']}, {wp['pages_per_second']} ({wp['pages']} pages) | |")
w(f"| 50 clients, 5 pages per query: failed streams | {failed(wp)} of {wp['requests']} | |")
w(f"| 50 clients, 5 pages: mean wait for a page connection (4 per host) / mean page read | {round(wp['page_wait_seconds'] / max(1, wp['page_waits']) * 1000, 1)} / {round(wp['page_fetch_seconds'] / max(1, wp['pages']) * 1000, 1)} ms | |")
w(f"| first source p50 / p99, 1 query at a time (Brave only) | {wf['first_source_p50_ms']} / {wf['first_source_p99_ms']} ms | |")
w(f"| of which above the upstream's {up} ms, p50 / p99 | {round(wf['first_source_p50_ms'] - up, 2)} / {round(wf['first_source_p99_ms'] - up, 2)} ms | |")
w(f"| the replay's own share (building the answer, plus its sleep waking late), p50 / p99 | {rp['own_p50_ms']} / {rp['own_p99_ms']} ms (work {rp['work_p50_ms']} / {rp['work_p99_ms']}, late {rp['late_p50_ms']} / {rp['late_p99_ms']}) | |")
w(f"| siftd's share: above the upstream, less the replay's own (p50 / p99) | {round(wf['first_source_p50_ms'] - up - rp['own_p50_ms'], 2)} / {round(wf['first_source_p99_ms'] - up - rp['own_p99_ms'], 2)} ms | < 5 ms p99 |")
w(f"| RSS after the snippets run / the pages run | {ws['memory']['rss_mb']} / {wp['memory']['rss_mb']} MB | |")
w("")
w("### The libcurl client beside curl")
w("")
w("`sift-bench http` drives SiftHTTPClient; `curl` 7.88 is the same libcurl underneath, driven from C (best of three")
w("runs each, alternating, against the replay's page server on loopback).")
w("")
w("| figure | SiftHTTPClient | curl | ratio | goal |")
w("|---|---|---|---|---|")
hs, hc = float(results['http_huge_sift']['mib_per_second']), float(results['http_huge_curl']['mib_per_second'])
w(f"| one 1 GiB body | {hs} MiB/s | {hc} MiB/s | {round(100 * hs / hc)}% | ≥ 90% |")
w(f"| 5,000 small GETs, 8 at a time | {results['http_small_sift']['requests_per_second']} requests/s | {results['http_small_curl']['requests_per_second']} requests/s | | |")
w("")
w("## LLM synthesis (siftd's overhead on top of the model)")
w("")
ls_, lf, lr, l1 = results["llm_scripted"], results["llm_scripted_fast"], results["llm_real"], results["llm_real_first"]
w("A scripted model (`sift-replay --service llm`) notes on `CLOCK_MONOTONIC` when it writes each answer's first token;")
w("`sift-bench llm` notes on the same clock when the first `delta` reaches it. Between them: libcurl, the SSE parser,")
w("the citation filter and attributor, the pipeline, the stream buffer and the socket, one query at a time.")
w("")
w("| figure | value | goal |")
w("|---|---|---|")
w(f"| model's first token to the client's first `delta`, p50 / p99 / max ({ls_['paired']} answers, 200 tokens at 500 tokens/s) | {ls_['first_token_to_first_delta_p50_ms']} / {ls_['first_token_to_first_delta_p99_ms']} / {ls_['first_token_to_first_delta_max_ms']} ms | < 1 ms p99 |")
w(f"| tokens a second at the client against the model's own rate (500 tokens/s) | {ls_['client_tokens_per_second_p50']} / {ls_['model_tokens_per_second_p50']} | equal |")
w(f"| the same with 5,000-token answers sent as fast as the server can | {lf['client_tokens_per_second_p50']} / {lf['model_tokens_per_second_p50']} tokens/s | |")
w(f"| failed streams | {ls_['failures'] + lf['failures']} of {ls_['requests'] + lf['requests']} | 0 |")
w("")
w("The real model: llama.cpp's llama-server (built from llama-cpp-python 0.3.36's sources) serving SmolLM2-135M-Instruct")
w("with one thread, on this machine. The model's rate is llama-server's own (`tokens_predicted_total` over")
w("`tokens_predicted_seconds_total` in its /metrics); siftd's is the answer's tokens over the time from its first `delta`")
w("to its last, at the client.")
w("")
w("| figure | value |")
w("|---|---|")
w(f"| tokens a second at the client / the model's own rate ({lr['requests']} long answers, {lr['tokens_per_answer_p50']} tokens each at p50) | {lr['client_tokens_per_second_p50']} / {lr['model_tokens_per_second']} |")
w(f"| first `delta`, the 8 questions in rotation, p50 / p99 (prompt processing; llama-server reuses the prompt's common start) | {l1['first_delta_p50_ms']} / {l1['first_delta_p99_ms']} ms |")
w(f"| whole answer, p50 / p99 | {l1['total_p50_ms']} / {l1['total_p99_ms']} ms |")
w(f"| failed streams | {lr['failures'] + l1['failures']} of {lr['requests'] + l1['requests']} |")
w("")
if "chat_first_content" in results:
    from bench_chat import section as chat_section  # scripts/bench_chat.py

    lines += chat_section(results["chat_first_content"])
lines += browser_section(results["browser_fps"])
if "soak" in results and "soak_hold" in results:
    from bench_soak import section as soak_section  # scripts/bench_soak.py

    lines += soak_section(results["soak"], results["soak_hold"])
w("## Index build")
w("")
ib = results["index_build"]
w(f"Building the whole default knowledge base from nothing: **{ib['seconds']} s** ({ib['summary']}); goal < 60 s on 2 cores.")
w("A second start reuses the index (a manifest of source paths, sizes and modification times) in well under a second.")
w("")
with open(args[1], "w") as f:
    f.write("\n".join(lines) + "\n")
