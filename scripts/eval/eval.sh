#!/usr/bin/env bash
# `make eval`: the quality benchmark (docs/quality.md). Generates the question set, starts
# the release siftd on a free loopback port with the default knowledge base (the index of
# `make run`: the same SIFT_STATE_DIR), asks every question on the extractive path and
# stops siftd. Optional paths:
#   EVAL_LLM=1  also through an LLM: SIFT_LLM_URL/SIFT_LLM_MODEL (and SIFT_LLM_API_KEY) when
#               set, else llama.cpp's llama-server with SmolLM2-135M (scripts/llm-setup.sh)
#   EVAL_WEB=1  also through the replayed web providers (sift-replay --corpus), with an
#               empty knowledge base, so that the answer can only come from a page's body
# Settings: EVAL_OUT (docs/quality-results), EVAL_SET_DIR (.build/eval), EVAL_QUESTIONS
# (a question set instead of a generated one), EVAL_SPLIT (dev|test: ask only that split),
# EVAL_LLM_SPLIT (the same, for the slow LLM path), EVAL_READY_TIMEOUT (seconds siftd may
# take to be ready; the first index build takes minutes; default 1200), EVAL_FLOORS
# (run_eval.py --floors for the extractive path), SIFTD (the binary), SIFT_REPLAY, EVAL_PREFIX
# (before each result file's name, e.g. "baseline-"), EVAL_COMMIT (the commit SIFTD was built
# from, when it is not this checkout's), EVAL_COMMAND (the command the reports name).
# Every process started here is stopped on exit: SIGTERM, then SIGKILL after 15 s.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${EVAL_OUT:-docs/quality-results}
set_dir=${EVAL_SET_DIR:-.build/eval}
siftd=${SIFTD:-.build/release/siftd}
ready_timeout=${EVAL_READY_TIMEOUT:-1200}
prefix=${EVAL_PREFIX:-}
commit_args=(--command "${EVAL_COMMAND:-make eval}")
[[ -n ${EVAL_COMMIT:-} ]] && commit_args+=(--commit "$EVAL_COMMIT")
mkdir -p "$out" "$set_dir"

pids=()
stop() {  # pid...: SIGTERM, wait up to 15 s, then SIGKILL
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "eval: $pid did not stop after SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
}
cleanup() { [[ ${#pids[@]} -eq 0 ]] || stop "${pids[@]}"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {  # a port with $1 free ports above it
  python3 - "${1:-0}" <<'PY'
import socket, sys
extra = int(sys.argv[1])
while True:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if port + extra > 65535:
        continue
    ok = True
    for p in range(port + 1, port + extra + 1):
        with socket.socket() as t:
            try:
                t.bind(("127.0.0.1", p))
            except OSError:
                ok = False
    if ok:
        print(port)
        break
PY
}

wait_ready() {  # url pid timeout name log
  local url=$1 pid=$2 timeout=$3 name=$4 log=$5 deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "eval: $name exited; the end of its log ($log):" >&2
      tail -20 "$log" >&2
      return 1
    fi
    if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  echo "eval: $name was not ready after ${timeout} s; the end of its log ($log):" >&2
  tail -20 "$log" >&2
  return 1
}

start_siftd() {  # log, then env(1) arguments for siftd: -u NAME... first, then NAME=value...
  local log=$1; shift
  siftd_port=$(free_port)
  env "$@" SIFT_LISTEN="127.0.0.1:$siftd_port" SIFT_LOG=text SIFT_LOG_LEVEL=warning "$siftd" >"$log" 2>&1 &
  siftd_pid=$!
  pids+=("$siftd_pid")
  echo "eval: siftd on 127.0.0.1:$siftd_port (log: $log); waiting for /readyz (at most ${ready_timeout} s)" >&2
  wait_ready "http://127.0.0.1:$siftd_port/readyz" "$siftd_pid" "$ready_timeout" siftd "$log"
}

stop_all() { cleanup; pids=(); }

# 1. The question set (and the web corpus).
questions=${EVAL_QUESTIONS:-$set_dir/questions.jsonl}
if [[ -z ${EVAL_QUESTIONS:-} ]]; then
  python3 scripts/eval/build_set.py --out "$questions" --web-corpus "$set_dir/web-corpus.json"
fi
split_args=()
[[ -n ${EVAL_SPLIT:-} ]] && split_args=(--split "$EVAL_SPLIT")

# 2. The extractive path, on the index `make run` uses.
no_web=(-u SIFT_BRAVE_API_KEY -u SIFT_SEARXNG_URL)
no_llm=(-u SIFT_LLM_URL -u SIFT_LLM_MODEL -u SIFT_LLM_API_KEY)
start_siftd "$set_dir/siftd-extractive.log" "${no_web[@]}" "${no_llm[@]}"
floor_args=()
[[ -n ${EVAL_FLOORS:-} ]] && floor_args=(--floors "$EVAL_FLOORS")
status=0
python3 scripts/eval/run_eval.py --url "http://127.0.0.1:$siftd_port" --questions "$questions" "${split_args[@]}" \
  --path extractive --json "$out/${prefix}extractive.json" --markdown "$out/${prefix}extractive.md" "${commit_args[@]}" \
  --rows "$set_dir/rows-extractive.jsonl" "${floor_args[@]}" || status=$?
stop_all

# 3. The LLM path.
if [[ ${EVAL_LLM:-0} == 1 ]]; then
  if [[ -n ${SIFT_LLM_URL:-} && -n ${SIFT_LLM_MODEL:-} ]]; then
    llm_env=(SIFT_LLM_URL="$SIFT_LLM_URL" SIFT_LLM_MODEL="$SIFT_LLM_MODEL")
    label="llm"
  else
    eval "$(scripts/llm-setup.sh)"
    llm_port=$(free_port)
    llm_log="$set_dir/llama-server.log"
    "$LLAMA_SERVER" -m "$LLM_MODEL" --alias smollm2-135m-instruct -t "${EVAL_LLM_THREADS:-1}" -c 4096 \
      --host 127.0.0.1 --port "$llm_port" >"$llm_log" 2>&1 &
    llm_pid=$!
    pids+=("$llm_pid")
    echo "eval: llama-server on 127.0.0.1:$llm_port (log: $llm_log)" >&2
    wait_ready "http://127.0.0.1:$llm_port/health" "$llm_pid" 300 llama-server "$llm_log"
    llm_env=(SIFT_LLM_URL="http://127.0.0.1:$llm_port/v1" SIFT_LLM_MODEL=smollm2-135m-instruct)
    label="llm"
  fi
  llm_split=()
  [[ -n ${EVAL_LLM_SPLIT:-${EVAL_SPLIT:-}} ]] && llm_split=(--split "${EVAL_LLM_SPLIT:-$EVAL_SPLIT}")
  start_siftd "$set_dir/siftd-llm.log" "${no_web[@]}" "${llm_env[@]}"
  python3 scripts/eval/run_eval.py --url "http://127.0.0.1:$siftd_port" --questions "$questions" "${llm_split[@]}" \
    --path "$label" --timeout 300 --json "$out/${prefix}llm.json" --markdown "$out/${prefix}llm.md" \
    --rows "$set_dir/rows-llm.jsonl" "${commit_args[@]}"
  stop_all
fi

# 4. The web path: the replayed Brave and SearXNG with the corpus, an empty knowledge base.
if [[ ${EVAL_WEB:-0} == 1 ]]; then
  replay=${SIFT_REPLAY:-}
  if [[ -z $replay ]]; then
    ${SWIFT:-swift} build -c release --product sift-replay >&2
    replay=.build/release/sift-replay
  fi
  replay_port=$(free_port 2)
  replay_log="$set_dir/replay.log"
  "$replay" --port "$replay_port" --service all --brave-per-second 1000 --brave-monthly-quota 0 \
    --corpus "$set_dir/web-corpus.json" >"$replay_log" 2>&1 &
  replay_pid=$!
  pids+=("$replay_pid")
  wait_ready "http://127.0.0.1:$((replay_port + 2))/plain" "$replay_pid" 60 sift-replay "$replay_log"
  empty_kb="$set_dir/empty-kb"
  mkdir -p "$empty_kb" "$set_dir/web-state"
  rm -rf "$set_dir/web-cache"
  start_siftd "$set_dir/siftd-web.log" "${no_llm[@]}" SIFT_KB_SOURCES="$root/$empty_kb" \
    SIFT_STATE_DIR="$root/$set_dir/web-state" SIFT_CACHE_DIR="$root/$set_dir/web-cache" \
    SIFT_BRAVE_URL="http://127.0.0.1:$replay_port" SIFT_BRAVE_API_KEY=replay-key \
    SIFT_SEARXNG_URL="http://127.0.0.1:$((replay_port + 1))" SIFT_FETCH_ALLOW_HOSTS=127.0.0.1
  python3 scripts/eval/run_eval.py --url "http://127.0.0.1:$siftd_port" --questions "$questions" \
    --ids "$set_dir/questions-web.jsonl" "${split_args[@]}" --path web --json "$out/${prefix}web.json" \
    --markdown "$out/${prefix}web.md" --rows "$set_dir/rows-web.jsonl" "${commit_args[@]}"
  stop_all
fi

echo "eval: results in $out/ (per-question rows in $set_dir/rows-*.jsonl)" >&2
exit $status
