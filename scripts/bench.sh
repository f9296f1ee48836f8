#!/usr/bin/env bash
# make bench: measures siftd (release) against the floor (a bare SSE hello on the
# same Hummingbird stack) and writes docs/benchmarks.md. Loopback only; every
# loop is bounded. Needs the knowledge-base sources (make kb-sources).
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n 8192
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
BIN=${BENCH_BIN:-.build/release}  # BENCH_BIN: another directory holding siftd and sift-bench
STATE=${SIFT_BENCH_STATE_DIR:-$PWD/.build/bench-state}
mkdir -p "$STATE"
results="$out/results.jsonl"
record() { printf '{"name": "%s", "result": %s}\n' "$1" "$2" >> "$results"; echo "bench: $1 $2" >&2; }

wait_http() {
  for _ in $(seq 1 600); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "bench: $1 never answered" >&2; return 1
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
anon_kb() { awk '/RssAnon/ {print $2}' "/proc/$1/status"; }
memory() { echo "{\"rss_mb\": $(python3 -c "print(round($(rss_kb $1)/1024,1))"), \"anon_mb\": $(python3 -c "print(round($(anon_kb $1)/1024,1))")}"; }

# 8. (last) The browser client: the frame rate in headless Chromium while a 5,000-delta answer
# streams in as fast as siftd sends it (tests/system/test_browser.py measures it in the page).
bench_browser() {
  SIFTD=$BIN/siftd SIFT_REPLAY=$BIN/sift-replay SIFT_TEST_STATE_DIR="$STATE" SIFT_BENCH_FPS_OUT="$out/fps.json" SIFT_BENCH_FPS_RUNS=10 \
    python3 -m pytest -q -p no:cacheprovider tests/system/test_browser.py -k frame_rate >"$out/browser.log" 2>&1 ||
    { cat "$out/browser.log" >&2; return 1; }
  record browser_fps "$(cat "$out/fps.json")"
}

# 9. (after the page is written) The PostgreSQL backend beside the memory one: events appended
# per second, the latency an append adds for a reader on another replica, answers per second
# with 1 and 2 replicas behind nginx. scripts/bench_store.py starts its own PostgreSQL, replicas
# and nginx, and rewrites only its section of docs/benchmarks.md, when both backends were measured.
bench_store() {
  if python3 scripts/bench_store.py --siftd $BIN/siftd --replay $BIN/sift-replay --bench $BIN/sift-bench \
      --state-dir "$STATE" --json "$out/store.json" --doc docs/benchmarks.md >"$out/store.log" 2>&1; then
    echo "bench: wrote the PostgreSQL section of docs/benchmarks.md" >&2
  else
    tail -n 20 "$out/store.log" >&2
    echo "bench: WARNING: the PostgreSQL backend was not measured (above); its section of docs/benchmarks.md was not written" >&2
    return 1
  fi
}

FLOOR_PORT=18090
PORT=18080
# The floor, as floor_pid.
start_floor() {
  $BIN/sift-floor $FLOOR_PORT >/dev/null 2>&1 &
  floor_pid=$!
  wait_http "http://127.0.0.1:$FLOOR_PORT/hello/stream"
}
# siftd on PORT, as siftd_pid; the arguments (`env VAR=value...`) go before it.
start_siftd() {
  SIFT_STATE_DIR="$STATE" SIFT_LISTEN="127.0.0.1:$PORT" SIFT_LOG=text SIFT_LOG_LEVEL=warning "$@" $BIN/siftd >"$out/siftd.log" 2>&1 &
  siftd_pid=$!
  wait_http "http://127.0.0.1:$PORT/readyz"
}
# 1,000 new queries one at a time, each until its first source, while 200 streams of target_pid stay open.
with_open_streams() {  # name port hold-path... -- latency args...
  local name=$1 port=$2; shift 2
  local hold_args=() ; while [[ $1 != -- ]]; do hold_args+=("$1"); shift; done; shift
  $BIN/sift-bench hold --port "$port" "${hold_args[@]}" --concurrency 200 --pid "$target_pid" --hold-seconds 120 > "$out/$name.hold" &
  local holder=$!
  for _ in $(seq 1 600); do grep -q streams_open "$out/$name.hold" 2>/dev/null && break; sleep 0.1; done
  record "$name" "$($BIN/sift-bench latency --port "$port" "$@" --concurrency 1 --requests 1000 --stop-after source)"
  kill $holder 2>/dev/null; wait $holder 2>/dev/null || true
}
# On a siftd just started: its idle RSS, then the latency runs with 1, 200 and 4 clients.
siftd_latency_runs() {
  sleep 1
  record siftd_idle "$(memory $siftd_pid)"
  record siftd_latency_c1 "$($BIN/sift-bench latency --port $PORT "${paths[@]}" --concurrency 1 --requests 2000)"
  record siftd_latency_c200 "$($BIN/sift-bench latency --port $PORT "${paths[@]}" --concurrency 200 --requests 10000)"
  record siftd_throughput_c4 "$($BIN/sift-bench latency --port $PORT "${paths[@]}" --concurrency 4 --requests 4000)"
}

# BENCH_ONLY=store runs section 9 alone.
if [[ ${BENCH_ONLY:-} == store ]]; then
  bench_store
  exit $?
fi

# BENCH_ONLY=browser runs section 8 alone and rewrites only its section of docs/benchmarks.md.
if [[ ${BENCH_ONLY:-} == browser ]]; then
  bench_browser
  python3 scripts/bench_report.py --section browser "$results" docs/benchmarks.md
  echo "bench: wrote the browser section of docs/benchmarks.md" >&2
  exit 0
fi

# BENCH_ONLY=chat measures only the chat endpoint beside the SSE stream (the release siftd on the
# default knowledge base) and rewrites only its section of docs/benchmarks.md.
if [[ ${BENCH_ONLY:-} == chat ]]; then
  SIFT_STATE_DIR="$STATE" SIFT_LISTEN=127.0.0.1:18080 SIFT_LOG=text SIFT_LOG_LEVEL=warning $BIN/siftd >"$out/siftd.log" 2>&1 &
  wait_http "http://127.0.0.1:18080/readyz"
  python3 scripts/bench_chat.py --port 18080 --write docs/benchmarks.md
  echo "bench: wrote the chat section of docs/benchmarks.md" >&2
  exit 0
fi

QUESTIONS=(
  "what is the capital of Australia" "what is photosynthesis" "how does TCP congestion control work"
  "what is entropy" "who was Ada Lovelace" "what is a mutex" "define osmosis" "what is the speed of light"
)
paths=()
for q in "${QUESTIONS[@]}"; do paths+=(--path "/v1/answer/stream?q=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote_plus(sys.argv[1]))' "$q")"); done

# 10. The soak and the 2,000-stream hold (issue 15): SOAK_ANSWERS (100,000) answers in a row after
# SOAK_WARMUP (5,000), with siftd's RSS after the warm-up, at the end and every 10 s between
# (goal: under 2 MB of growth); then 2,000 streams held open at once (answers paused by
# SIFT_DEBUG_DELTA_DELAY_MS), with RSS (goal under 100 MB) and the first event's latency.
bench_soak() {
  local port=18082 answers=${SOAK_ANSWERS:-100000} warmup=${SOAK_WARMUP:-5000} concurrency=${SOAK_CONCURRENCY:-4}
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  SIFT_STATE_DIR="$STATE" SIFT_LISTEN="127.0.0.1:$port" SIFT_LOG=text SIFT_LOG_LEVEL=warning $BIN/siftd >"$out/soak-siftd.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 3000); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  sleep 1
  local idle; idle=$(memory $pid)
  $BIN/sift-bench latency --port $port "${paths[@]}" --concurrency "$concurrency" --requests "$warmup" --warmup 0 >"$out/soak-warmup.json"
  sleep 1
  local warm; warm=$(memory $pid)
  ( while sleep 10; do rss_kb $pid >>"$out/soak-rss.txt" 2>/dev/null || break; done ) &
  local sampler=$!
  $BIN/sift-bench latency --port $port "${paths[@]}" --concurrency "$concurrency" --requests "$answers" --warmup 0 >"$out/soak-run.json"
  kill $sampler 2>/dev/null; wait $sampler 2>/dev/null || true
  sleep 1
  local end; end=$(memory $pid)
  kill $pid; wait $pid 2>/dev/null || true
  record soak "$(python3 -c '
import json, sys
idle, warm, end, run = (json.loads(a) for a in sys.argv[1:5])
samples = [int(x) / 1024 for x in open(sys.argv[5]).read().split()] if sys.argv[5] else []
print(json.dumps({"load": sys.argv[6], "warmup_answers": int(sys.argv[7]), "answers": int(sys.argv[8]),
    "concurrency": int(sys.argv[9]), "idle": idle, "warm": warm, "end": end, "run": run,
    "growth_mb": round(end["rss_mb"] - warm["rss_mb"], 1),
    "peak_rss_mb": round(max(samples + [end["rss_mb"], warm["rss_mb"]]), 1)}))
' "$idle" "$warm" "$end" "$(cat "$out/soak-run.json")" "$( [[ -s $out/soak-rss.txt ]] && echo "$out/soak-rss.txt")" "$load" "$warmup" "$answers" "$concurrency")"

  SIFT_STATE_DIR="$STATE" SIFT_LISTEN="127.0.0.1:$port" SIFT_LOG=text SIFT_LOG_LEVEL=warning SIFT_MAX_STREAMS=4096 SIFT_QUERY_QUEUE=4096 \
    SIFT_DEBUG_DELTA_DELAY_MS=600000 $BIN/siftd >"$out/hold-siftd.log" 2>&1 &
  pid=$!
  wait_http "http://127.0.0.1:$port/readyz"
  sleep 1
  record soak_hold "$($BIN/sift-bench hold --port $port "${paths[@]}" --concurrency 2000 --pid $pid)"
  kill $pid; wait $pid 2>/dev/null || true
}

# BENCH_ONLY=soak runs section 10 alone and rewrites only its section of docs/benchmarks.md.
if [[ ${BENCH_ONLY:-} == soak ]]; then
  bench_soak
  python3 scripts/bench_soak.py "$results" docs/benchmarks.md
  echo "bench: wrote the soak section of docs/benchmarks.md" >&2
  exit 0
fi

# BENCH_ONLY=local: the local path beside the floor after issue 16 (answers per second, first status
# with 200 streams open and with 200 clients asking back to back, RSS idle and with 2,000 streams open),
# written as its own section of docs/benchmarks.md with the figures from before (scripts/bench_local.py).
if [[ ${BENCH_ONLY:-} == local ]]; then
  start_floor
  record floor_latency_c200 "$($BIN/sift-bench latency --port $FLOOR_PORT --path /hello/stream --concurrency 200 --requests 10000)"
  target_pid=$floor_pid
  with_open_streams floor_open200 $FLOOR_PORT --path '/hello/stream?hold' -- --path /hello/stream
  kill $floor_pid; wait $floor_pid 2>/dev/null || true

  start_siftd env
  siftd_latency_runs
  refused=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^sift_queries_refused_total\{reason="queue_full"\}/ {print $2}')
  record siftd_refusals "{\"queue_full\": ${refused:-null}}"
  kill $siftd_pid; wait $siftd_pid 2>/dev/null || true

  # Answers paused after their first events, so streams stay open (SIFT_QUERY_QUEUE raised: section 4 says
  # why); each run on a fresh siftd.
  start_siftd env SIFT_MAX_STREAMS=4096 SIFT_QUERY_QUEUE=4096 SIFT_DEBUG_DELTA_DELAY_MS=600000
  sleep 1
  target_pid=$siftd_pid
  with_open_streams siftd_open200 $PORT "${paths[@]}" -- "${paths[@]}"
  kill $siftd_pid; wait $siftd_pid 2>/dev/null || true
  start_siftd env SIFT_MAX_STREAMS=4096 SIFT_QUERY_QUEUE=4096 SIFT_DEBUG_DELTA_DELAY_MS=600000
  sleep 1
  record siftd_hold_2000 "$($BIN/sift-bench hold --port $PORT "${paths[@]}" --concurrency 2000 --pid $siftd_pid)"
  kill $siftd_pid; wait $siftd_pid 2>/dev/null || true
  # The blocking pool (SIFT_BLOCKING_THREADS) while the index is cold: the page cache is dropped before
  # each run (root only; skipped otherwise), then 400 different questions, 50 at a time.
  if sync && { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
    python3 scripts/profile_questions.py --index "$STATE/kb.sqlite" --count 400 >"$out/cold-questions.txt"
    cold_paths=()
    while IFS= read -r q; do
      cold_paths+=(--path "/v1/answer/stream?q=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote_plus(sys.argv[1]))' "$q")")
    done <"$out/cold-questions.txt"
    for threads in 1 2 8; do
      sync; echo 3 >/proc/sys/vm/drop_caches
      start_siftd env SIFT_BLOCKING_THREADS=$threads
      record "cold_threads_$threads" "$($BIN/sift-bench latency --port $PORT "${cold_paths[@]}" --concurrency 50 --requests 400 --warmup 0)"
      kill $siftd_pid; wait $siftd_pid 2>/dev/null || true
    done
  else
    echo "bench: the page cache cannot be dropped here (not root): the cold-index runs are skipped" >&2
  fi
  python3 scripts/bench_local.py "$results" docs/benchmarks.md
  echo "bench: wrote the local-path section of docs/benchmarks.md" >&2
  exit 0
fi

# 1. Index build time, from nothing (release build, this machine's cores).
rm -rf "$out/index"
start=$(date +%s.%N)
SIFT_LOG=text $BIN/siftd --state-dir "$out/index" --index-only 2>"$out/index.log"
end=$(date +%s.%N)
docs=$(grep -o 'index built: [0-9]* documents, [0-9]* passages, [0-9]* MiB' "$out/index.log" | head -1)
record index_build "{\"seconds\": $(python3 -c "print(round($end-$start,1))"), \"summary\": \"$docs\"}"
cp "$out/index/kb.sqlite" "$STATE/kb.sqlite" 2>/dev/null || true
rm -rf "$out/index"

# 2. The floor.
start_floor
record floor_idle "{\"rss_mb\": $(python3 -c "print(round($(rss_kb $floor_pid)/1024,1))")}"
record floor_latency_c1 "$($BIN/sift-bench latency --port $FLOOR_PORT --path /hello/stream --concurrency 1 --requests 2000)"
record floor_latency_c200 "$($BIN/sift-bench latency --port $FLOOR_PORT --path /hello/stream --concurrency 200 --requests 10000)"
for n in 1 100 1000; do
  record "floor_hold_$n" "$($BIN/sift-bench hold --port $FLOOR_PORT --path '/hello/stream?hold' --concurrency $n --pid $floor_pid)"
done
# A new stream's first events while 200 others stay open.
target_pid=$floor_pid
with_open_streams floor_open200 $FLOOR_PORT --path '/hello/stream?hold' -- --path /hello/stream
kill $floor_pid; wait $floor_pid 2>/dev/null || true

# 3. siftd on the embedded default.
start_siftd env
siftd_latency_runs
record siftd_after_load "$(memory $siftd_pid)"
# The OpenAI-compatible endpoint beside the SSE one: time to the first answer text (scripts/bench_chat.py).
record chat_first_content "$(python3 scripts/bench_chat.py --port $PORT)"
kill $siftd_pid; wait $siftd_pid 2>/dev/null || true

# 4. RSS with streams held open (answers paused after their first word). Streams are opened 100 at a
# time, faster than 2 cores analyze and search them, so the CPU queue may hold more than its 256
# default while they start: SIFT_QUERY_QUEUE is raised, as an operator holding this many would.
start_siftd env SIFT_DEBUG_DELTA_DELAY_MS=600000 SIFT_QUERY_QUEUE=4096
for n in 1 100 1000; do
  record "siftd_hold_$n" "$($BIN/sift-bench hold --port $PORT "${paths[@]}" --concurrency $n --pid $siftd_pid)"
done
target_pid=$siftd_pid
with_open_streams siftd_open200 $PORT "${paths[@]}" -- "${paths[@]}"
kill $siftd_pid; wait $siftd_pid 2>/dev/null || true

# 5 and 6. The web path (siftd against sift-replay: first source, 50 clients with snippets only and
# with pages, the replay's own share) and the libcurl client beside curl: scripts/bench_web.sh.
BIN=$BIN scripts/bench_web.sh "$results"

# 7. LLM synthesis: what siftd adds on top of the model. First a scripted model whose
# server notes when it wrote each first token (CLOCK_MONOTONIC, as the client does),
# then the real one: llama-server with SmolLM2-135M-Instruct, one thread.
LPORT=18191
LLM_PATH="/v1/answer/stream?q=what+is+the+capital+of+Australia"
$BIN/sift-replay --port $LPORT --service llm --llm-tokens 200 --llm-token-interval-ms 2 >"$out/llm-replay.log" 2>&1 &
llm_pid=$!
wait_http "http://127.0.0.1:$LPORT/v1/models"
start_siftd env SIFT_LLM_URL=http://127.0.0.1:$LPORT/v1 SIFT_LLM_MODEL=scripted
record llm_scripted "$($BIN/sift-bench llm --port $PORT --path "$LLM_PATH" --stats http://127.0.0.1:$LPORT --requests 200 --warmup 10)"
kill $siftd_pid $llm_pid; wait $siftd_pid $llm_pid 2>/dev/null || true
$BIN/sift-replay --port $LPORT --service llm --llm-tokens 5000 >"$out/llm-replay.log" 2>&1 &
llm_pid=$!
wait_http "http://127.0.0.1:$LPORT/v1/models"
start_siftd env SIFT_LLM_URL=http://127.0.0.1:$LPORT/v1 SIFT_LLM_MODEL=scripted SIFT_LLM_MAX_TOKENS=8000 SIFT_LLM_CONTEXT_TOKENS=32000
record llm_scripted_fast "$($BIN/sift-bench llm --port $PORT --path "$LLM_PATH" --stats http://127.0.0.1:$LPORT --requests 30 --warmup 3)"
kill $siftd_pid $llm_pid; wait $siftd_pid $llm_pid 2>/dev/null || true
eval "$(scripts/llm-setup.sh)"
"$LLAMA_SERVER" -m "$LLM_MODEL" --alias smollm2-135m-instruct -t 1 -c 4096 --host 127.0.0.1 --port $LPORT --metrics \
  >"$out/llama.log" 2>&1 &
llm_pid=$!
wait_http "http://127.0.0.1:$LPORT/health"
start_siftd env SIFT_LLM_URL=http://127.0.0.1:$LPORT/v1 SIFT_LLM_MODEL=smollm2-135m-instruct
record llm_real "$($BIN/sift-bench llm --port $PORT --path "/v1/answer/stream?q=write+a+long+detailed+history+of+the+city+of+Rome" --llama http://127.0.0.1:$LPORT --requests 20 --warmup 2)"
record llm_real_first "$($BIN/sift-bench latency --port $PORT "${paths[@]}" --concurrency 1 --requests 24 --warmup 0)"
kill $siftd_pid $llm_pid; wait $siftd_pid $llm_pid 2>/dev/null || true

bench_browser
bench_soak

python3 scripts/bench_report.py "$results" docs/benchmarks.md
echo "bench: wrote docs/benchmarks.md" >&2
bench_store || true
