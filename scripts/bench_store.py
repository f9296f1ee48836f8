#!/usr/bin/env python3
"""The cost of siftd's PostgreSQL backend beside the memory one, on the same machine.

    scripts/bench_store.py                       # release binaries from .build/release
    scripts/bench_store.py --quick               # fewer rounds and requests (a smoke run)
    scripts/bench_store.py --json out.json --doc docs/benchmarks.md

Everything runs on loopback, started and stopped by this script: a real PostgreSQL 15
(tests/system/pg.py, with fsync and synchronous commit on, as in production), siftd
replicas, nginx with docs/examples/nginx-sift.conf (tests/system/nginx.py), and
sift-replay's scripted model (an OpenAI-compatible server that writes a fixed answer,
one token per delta, as fast as asked). Three measurements, each for the memory backend
and for PostgreSQL:

1. Events appended per second. K resumable queries (POST /v1/queries; K = 1 and 4) whose
   scripted answers are TOKENS tokens, each its own `delta`, sent with no delay: the
   events of all K logs (the last `id:` of each) over the span from the first POST to the
   last `done` (each query's end is its POST time plus its done's `elapsed_ms`). Nobody
   reads while they run; the logs are read afterwards. The median of ROUNDS rounds.
2. Latency per event from its append to a reader. One query on replica A whose model
   writes a token every INTERVAL ms; one reader on A and, with PostgreSQL, one on replica
   B, both connected right after the POST, both in this process with one monotonic clock.
   - "another replica": for each `delta` (the first 5 skipped, so both readers are live),
     B's receive time minus A's: what reading on another replica adds (NOTIFY, the read
     of the row, the poll when a notification is missed).
   - "same replica": for each `delta`, A's receive time minus the event's own `elapsed_ms`
     (the moment the pipeline made it), less the smallest such difference over the query
     (which absorbs the unknown offset between the two clocks): the delay an append adds
     on the replica that runs the query, beyond the best case.
   p50 and p99 over all deltas of QUERIES queries.
3. Full answers per second through nginx, with 1 and with 2 replicas: sift-bench latency
   (extractive answers from the knowledge base, CONCURRENCY streams at once, REQUESTS
   answers). On a 2-core machine two replicas, PostgreSQL, nginx and the load client
   share the same cores, so this mostly shows the backend's overhead, not scaling.

With no PostgreSQL backend in siftd (its /readyz has no "store": "postgres ok"), the
PostgreSQL measurements are reported as missing and the exit status is 3; the memory
measurements are still printed. Bounded throughout: every wait has a timeout.
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from nginx import Nginx  # noqa: E402
from pg import PostgreSQL, free_port  # noqa: E402
from sse import SSEStream  # noqa: E402

QUESTIONS = [
    "what is the capital of Australia", "what is photosynthesis", "how does TCP congestion control work",
    "what is entropy", "who was Ada Lovelace", "what is a mutex", "define osmosis", "what is the speed of light",
]
SECTION = "## The PostgreSQL backend"


def binary(name, given):
    if given:
        return os.path.abspath(given)
    for build in ("release", "debug"):
        path = os.path.join(ROOT, ".build", build, name)
        if os.access(path, os.X_OK):
            return path
    sys.exit(f"bench_store: no {name} in .build/release or .build/debug (swift build -c release --product {name})")


class Siftd:
    def __init__(self, path, state_dir, env, log_dir, timeout=300):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.cache = tempfile.mkdtemp(prefix="bench-cache-", dir=log_dir)
        self.log_path = os.path.join(log_dir, f"siftd-{self.port}.log")
        full = {k: v for k, v in os.environ.items()
                if k not in ("NOTIFY_SOCKET", "JOURNAL_STREAM", "SIFT_DATABASE_URL", "CREDENTIALS_DIRECTORY")}
        full.update({"SIFT_LISTEN": f"127.0.0.1:{self.port}", "SIFT_STATE_DIR": state_dir, "SIFT_CACHE_DIR": self.cache,
                     "SIFT_LOG": "text", "SIFT_LOG_LEVEL": "warning"})
        full.update(env)
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([path], env=full, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"siftd exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                self.ready = self.get_json("/readyz")
                if self.ready.get("ready"):
                    break
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("siftd did not become ready:\n" + self.log_text())
            time.sleep(0.2)

    def log_text(self):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()[-4000:]

    def get_json(self, path):
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            return json.loads(e.read())

    def post_query(self, question):
        req = urllib.request.Request(self.base + "/v1/queries", data=json.dumps({"q": question}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def store(self):
        return self.ready.get("components", {}).get("store")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.cache, ignore_errors=True)


class ScriptedModel:
    """sift-replay --service llm: `tokens` tokens, one every `interval_ms`."""

    def __init__(self, replay, log_dir, tokens, interval_ms):
        self.port = free_port()
        self.log = open(os.path.join(log_dir, f"llm-{self.port}.log"), "wb")
        self.proc = subprocess.Popen(
            [replay, "--port", str(self.port), "--service", "llm", "--llm-tokens", str(tokens),
             "--llm-token-interval-ms", str(interval_ms)], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url() + "/models", timeout=2):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the scripted model did not start")
                time.sleep(0.1)

    def url(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def env(self):
        return {"SIFT_LLM_URL": self.url(), "SIFT_LLM_MODEL": "scripted", "SIFT_LLM_DELTA_WINDOW_MS": "0",
                "SIFT_LLM_MAX_TOKENS": "8000", "SIFT_LLM_CONTEXT_TOKENS": "32000"}

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def read_log(port, path, timeout=120):
    """(event id, type, elapsed_ms, receive time) of every event of one stream."""
    s = SSEStream(port, path, timeout=timeout)
    try:
        if s.status != 200:
            raise RuntimeError(f"GET {path}: {s.status}")
        return [(e["id"], e["event"], e["data"].get("elapsed_ms", 0.0), time.monotonic()) for e in s.events()]
    finally:
        s.close()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))] if values else None


def ms(value):
    return None if value is None else round(value * 1000, 2)


# MARK: measurements


def streams_active(replica):
    with urllib.request.urlopen(replica.base + "/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("sift_streams_active "):
                return float(line.split()[1])
    return 0.0


def append_rate(replica, k, rounds):
    """Events appended per second by k resumable queries at once.

    Nobody reads while they run (a reader would take CPU from siftd on a small machine, and a
    slow reader never slows a query anyway): this waits for sift_streams_active to return to
    0, then reads each log once. A query's time is its done's elapsed_ms, from the moment its
    POST was sent; the rate is all events over the span from the first POST to the last done."""
    rates = []
    for _ in range(rounds):
        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(k) as pool:
            posted = list(pool.map(lambda _: (time.monotonic(), replica.post_query("what is photosynthesis")), range(k)))
        deadline = time.monotonic() + 300
        while streams_active(replica) > 0:
            if time.monotonic() > deadline:
                raise RuntimeError("queries still running after 300 s")
            time.sleep(0.02)
        events, ends = 0, []
        for sent, query in posted:
            log = read_log(replica.port, query["events_url"])
            if log[-1][1] != "done":
                raise RuntimeError(f"query {query['id']} ended without done")
            events += log[-1][0]
            ends.append(sent - start + log[-1][2] / 1000)
        rates.append(events / max(ends))
    return {"queries_at_once": k, "events_per_query": events // k, "rounds": rounds,
            "events_per_second": round(statistics.median(rates)), "all_rounds": [round(r) for r in rates]}


def event_latency(a, b, queries):
    """Per delta: B's receive time minus A's (b given), and A's delay beyond its best case."""
    cross, local = [], []
    for i in range(queries):
        query = a.post_query("what is photosynthesis")
        targets = [a] + ([b] if b else [])
        with concurrent.futures.ThreadPoolExecutor(len(targets)) as pool:
            logs = list(pool.map(lambda r: read_log(r.port, query["events_url"]), targets))
        deltas_a = [(i, e, t) for i, kind, e, t in logs[0] if kind == "delta"][5:]
        offset = min(t - e / 1000 for _, e, t in deltas_a)
        local += [t - e / 1000 - offset for _, e, t in deltas_a]
        if b:
            at_b = {i: t for i, kind, _, t in logs[1] if kind == "delta"}
            cross += [at_b[i] - t for i, _, t in deltas_a if i in at_b]
    result = {"queries": queries, "deltas": len(local),
              "same_replica_p50_ms": ms(percentile(local, 0.5)), "same_replica_p99_ms": ms(percentile(local, 0.99))}
    if b:
        result.update({"another_replica_p50_ms": ms(percentile(cross, 0.5)),
                       "another_replica_p99_ms": ms(percentile(cross, 0.99)),
                       "another_replica_max_ms": ms(max(cross))})
    return result


def answers_per_second(bench, port, requests, concurrency):
    paths = []
    for q in QUESTIONS:
        paths += ["--path", "/v1/answer/stream?q=" + urllib.parse.quote_plus(q)]
    out = subprocess.run([bench, "latency", "--port", str(port), *paths, "--concurrency", str(concurrency),
                          "--requests", str(requests), "--warmup", "16"], capture_output=True, text=True,
                         timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"sift-bench failed: {out.stderr[-2000:]}")
    report = json.loads(out.stdout)
    return {k: report[k] for k in ("answers_per_second", "requests", "failures", "concurrency", "total_p50_ms",
                                   "total_p99_ms") if k in report}


# MARK: the run


def run_backend(name, args, pg, tmp):
    """All measurements for one backend; returns its results (or an error)."""
    env = {}
    if name == "postgres":
        env["SIFT_DATABASE_URL"] = pg.create_database(f"bench_{int(time.time())}", role="bench")
    results = {}
    replicas = []
    model = None
    lb = None
    try:
        # 1. Append rate: one replica, a fast scripted model.
        model = ScriptedModel(args.replay, tmp, args.tokens, 0)
        a = Siftd(args.siftd, args.state_dir, {**env, **model.env()}, tmp)
        replicas.append(a)
        if name == "postgres" and a.store() != "postgres ok":
            raise RuntimeError(f"siftd has no PostgreSQL backend: /readyz store is {a.store()!r}")
        results["append"] = [append_rate(a, k, args.rounds) for k in (1, 4)]
        print(f"bench_store: {name} append {results['append']}", file=sys.stderr)
        a.stop()
        replicas.clear()
        model.stop()

        # 2. Latency per event: two replicas (one for memory), a model paced at INTERVAL ms a token.
        model = ScriptedModel(args.replay, tmp, args.latency_tokens, args.interval_ms)
        a = Siftd(args.siftd, args.state_dir, {**env, **model.env()}, tmp)
        replicas.append(a)
        b = None
        if name == "postgres":
            b = Siftd(args.siftd, args.state_dir, {**env, **model.env()}, tmp)
            replicas.append(b)
        results["latency"] = event_latency(a, b, args.latency_queries)
        print(f"bench_store: {name} latency {results['latency']}", file=sys.stderr)
        for r in replicas:
            r.stop()
        replicas.clear()
        model.stop()
        model = None

        # 3. Answers per second through nginx: 1 replica, then 2 (the memory backend can run
        # two replicas too: a stream runs where it was asked).
        for _ in range(2):
            replicas.append(Siftd(args.siftd, args.state_dir, env, tmp))
        lb = Nginx([replicas[0].port])
        results["answers_1_replica"] = answers_per_second(args.bench, lb.port, args.requests, args.concurrency)
        lb.set_upstreams([r.port for r in replicas])
        results["answers_2_replicas"] = answers_per_second(args.bench, lb.port, args.requests, args.concurrency)
        print(f"bench_store: {name} answers {results['answers_1_replica']} {results['answers_2_replicas']}",
              file=sys.stderr)
    except Exception as e:  # noqa: BLE001 (reported in the results, the other backend still runs)
        results["error"] = str(e).splitlines()[0] if str(e) else repr(e)
        print(f"bench_store: {name}: {e}", file=sys.stderr)
    finally:
        if lb:
            lb.destroy()
        for r in replicas:
            r.stop()
        if model:
            model.stop()
    return results


def markdown(results, args):
    mem, pg = results.get("memory", {}), results.get("postgres", {})
    out = [SECTION, "",
           "The same machine, the same release siftd; PostgreSQL 15 from Debian on loopback with its default",
           "durability (fsync and synchronous commit on). `scripts/bench_store.py` (in `make bench`) measures it;",
           "its docstring gives each method in full.", ""]

    def cell(backend, *keys):
        value = backend
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else (value[key] if isinstance(value, list) else None)
            if value is None:
                return "–"
        return str(value)

    out += ["| | memory | PostgreSQL |", "|---|---|---|"]
    for i, k in enumerate((1, 4)):
        out.append(f"| events appended per second, {k} quer{'y' if k == 1 else 'ies'} at once "
                   f"({args.tokens}-token answers, one delta a token) | {cell(mem, 'append', i, 'events_per_second')} "
                   f"| {cell(pg, 'append', i, 'events_per_second')} |")
    out.append(f"| append to a reader on the same replica, p50 / p99 (ms beyond the best case) "
               f"| {cell(mem, 'latency', 'same_replica_p50_ms')} / {cell(mem, 'latency', 'same_replica_p99_ms')} "
               f"| {cell(pg, 'latency', 'same_replica_p50_ms')} / {cell(pg, 'latency', 'same_replica_p99_ms')} |")
    out.append(f"| added latency per event, append to a reader on another replica, p50 / p99 (ms) | (one replica only) "
               f"| {cell(pg, 'latency', 'another_replica_p50_ms')} / {cell(pg, 'latency', 'another_replica_p99_ms')} |")
    for key, label in (("answers_1_replica", "1 replica"), ("answers_2_replicas", "2 replicas")):
        out.append(f"| full answers per second through nginx, {label} (concurrency {args.concurrency}) "
                   f"| {cell(mem, key, 'answers_per_second')} | {cell(pg, key, 'answers_per_second')} |")
    out += ["", "On 2 cores, two replicas, PostgreSQL, nginx and the load client share the same cores: the two-replica",
            "rows show the backend's overhead, not how replicas scale on a larger machine."]
    for name, backend in (("memory", mem), ("PostgreSQL", pg)):
        if "error" in backend:
            out += ["", f"Not measured for {name}: {backend['error']}."]
    return "\n".join(out) + "\n"


def write_section(doc, text):
    page = open(doc, encoding="utf-8").read() if os.path.exists(doc) else ""
    start = page.find(SECTION)
    if start == -1:
        page = page.rstrip("\n") + "\n\n" + text
    else:
        end = page.find("\n## ", start + len(SECTION))
        page = page[:start] + text + (page[end + 1:] if end != -1 else "")
    with open(doc, "w", encoding="utf-8") as f:
        f.write(page)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--siftd"), parser.add_argument("--replay"), parser.add_argument("--bench")
    parser.add_argument("--state-dir", default=os.environ.get("SIFT_BENCH_STATE_DIR",
                                                              os.path.join(ROOT, ".build", "bench-state")))
    parser.add_argument("--backends", default="memory,postgres")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and requests: a smoke run")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--doc", help="rewrite the section of this page (docs/benchmarks.md)")
    args = parser.parse_args()
    args.siftd = binary("siftd", args.siftd)
    args.replay = binary("sift-replay", args.replay)
    args.bench = binary("sift-bench", args.bench)
    args.tokens, args.rounds = (500, 1) if args.quick else (2000, 3)
    args.latency_tokens, args.interval_ms, args.latency_queries = (100, 10, 1) if args.quick else (300, 10, 3)
    args.requests, args.concurrency = (100, 4) if args.quick else (800, 4)
    if not os.path.exists(os.path.join(args.state_dir, "kb.sqlite")):
        print(f"bench_store: no index in {args.state_dir} yet: the first siftd builds it (a minute or more)",
              file=sys.stderr)
    os.makedirs(args.state_dir, exist_ok=True)

    tmp = tempfile.mkdtemp(prefix="bench-store-")
    pg = None
    results = {"host": socket.gethostname(), "cores": os.cpu_count(), "siftd": args.siftd}
    try:
        backends = args.backends.split(",")
        if "postgres" in backends:
            pg = PostgreSQL(durable=True)
            pg.start()
        for name in backends:
            results[name] = run_backend(name, args, pg, tmp)
    finally:
        if pg:
            pg.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    text = markdown(results, args)
    print(json.dumps(results, indent=1))
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    failed = [name for name in args.backends.split(",") if "error" in results.get(name, {})]
    if args.doc and not failed:
        write_section(args.doc, text)
    return 3 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
