#!/usr/bin/env python3
"""Time to the first answer text: POST /v1/chat/completions (stream) beside GET /v1/answer/stream.

    scripts/bench_chat.py --port 18080 [--requests 400] [--warmup 20]

The same questions through both endpoints of one running siftd, interleaved request by
request (so the machine's noise falls on both alike), each on a new loopback connection
with the clock started just before the request is sent. The first answer text is the first
`event: delta` of the SSE stream, and the first chunk whose `delta.content` is not empty
(after the role chunk) of the chat stream. Prints one JSON object; `section()` renders it
for docs/benchmarks.md (scripts/bench_report.py, or `--write DOC` for this section alone).
"""
import argparse
import datetime
import json
import os
import re
import socket
import subprocess
import time
import urllib.parse

QUESTIONS = [
    "what is the capital of Australia", "what is photosynthesis", "how does TCP congestion control work",
    "what is entropy", "who was Ada Lovelace", "what is a mutex", "define osmosis", "what is the speed of light",
]
SSE_FIRST = re.compile(rb"\nevent: delta\n")
CHAT_FIRST = re.compile(rb'"content":"[^"]')
HEADING = "## The OpenAI-compatible endpoint: time to the first answer text"


def first_text(port, request, pattern):
    """Milliseconds from sending `request` to receiving the bytes that match `pattern`; reads to the end."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        data = b""
        first = None
        start = time.perf_counter_ns()
        s.sendall(request)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if first is None and pattern.search(data):
                first = (time.perf_counter_ns() - start) / 1e6
    if first is None:
        raise RuntimeError("no answer text in: " + data[:400].decode(errors="replace"))
    return first


def stream_request(question):
    path = "/v1/answer/stream?q=" + urllib.parse.quote_plus(question)
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()


def chat_request(question):
    body = json.dumps({"model": "sift", "stream": True, "messages": [{"role": "user", "content": question}]}).encode()
    head = ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def percentile(values, p):
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1) + 0.4999)))], 3)


def measure(port, requests, warmup):
    sse, chat = [], []
    for i in range(warmup + requests):
        q = QUESTIONS[i % len(QUESTIONS)]
        # Alternate which endpoint goes first, so neither always follows the other.
        order = [("sse", stream_request(q), SSE_FIRST), ("chat", chat_request(q), CHAT_FIRST)]
        if i % 2:
            order.reverse()
        for name, request, pattern in order:
            ms = first_text(port, request, pattern)
            if i >= warmup:
                (sse if name == "sse" else chat).append(ms)
    result = {"requests": requests, "questions": len(QUESTIONS)}
    for name, values in (("answer_stream", sse), ("chat", chat)):
        result[f"{name}_p50_ms"] = percentile(values, 0.5)
        result[f"{name}_p99_ms"] = percentile(values, 0.99)
    result["p50_difference_ms"] = round(result["chat_p50_ms"] - result["answer_stream_p50_ms"], 3)
    diffs = [c - s for s, c in zip(sse, chat)]
    result["paired_difference_p50_ms"] = percentile(diffs, 0.5)
    return result


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def section(r, build="release"):
    lines = [HEADING, ""]
    w = lines.append
    w(f"Measured {datetime.date.today().isoformat()} at commit `{commit()}` on {os.cpu_count()} cores ({cpu_model()}),")
    w(f"against the {build} `siftd` on the embedded knowledge base (extractive answers), with `scripts/bench_chat.py`:")
    w(f"the {r['questions']} questions of the latency figures through `GET /v1/answer/stream` and the streaming")
    w(f"`POST /v1/chat/completions`, interleaved, {r['requests']} of each, one at a time, each on a new loopback")
    w("connection, timed from sending the request to the first answer text (the first `delta` event; the first chunk")
    w("with `delta.content`). Both read the same query machine; the chat endpoint is one more reader of the query's")
    w("log, which decodes the events it needs (before the first text, only the `delta`) and writes a")
    w("`chat.completion.chunk`. Command: `BENCH_ONLY=chat make bench` (or section 3 of `make bench`).")
    w("")
    w("| endpoint | first answer text p50 | p99 |")
    w("|---|---|---|")
    w(f"| `GET /v1/answer/stream` | {r['answer_stream_p50_ms']} ms | {r['answer_stream_p99_ms']} ms |")
    w(f"| `POST /v1/chat/completions` (`stream: true`) | {r['chat_p50_ms']} ms | {r['chat_p99_ms']} ms |")
    w("")
    verdict = "within" if abs(r["p50_difference_ms"]) <= 1 else "outside"
    w(f"Difference of the p50s: **{r['p50_difference_ms']} ms** ({verdict} the 1 ms goal); median of the paired")
    w(f"differences (the same question, back to back): {r['paired_difference_p50_ms']} ms.")
    w("")
    return lines


def write_section(doc, lines):
    text = "\n".join(lines) + "\n"
    with open(doc) as f:
        page = f.read()
    if HEADING in page:
        start = page.index(HEADING)
        end = page.find("\n## ", start + 1)
        page = page[:start] + text + (page[end + 1:] if end != -1 else "")
    else:
        end = page.find("\n## Browser client")
        page = page[:end + 1] + text + page[end + 1:] if end != -1 else page.rstrip("\n") + "\n\n" + text
    with open(doc, "w") as f:
        f.write(page)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--write", metavar="DOC", help="also rewrite this section of DOC (docs/benchmarks.md)")
    parser.add_argument("--build", default="release", help="the build measured, for the text")
    args = parser.parse_args()
    result = measure(args.port, args.requests, args.warmup)
    print(json.dumps(result))
    if args.write:
        write_section(args.write, section(result, args.build))


if __name__ == "__main__":
    main()
