#!/usr/bin/env bash
# `make run-llm`: serves SmolLM2-135M-Instruct with llama.cpp's llama-server on
# 127.0.0.1:$LLM_PORT (one thread), then runs siftd against it. Both stop together.
#   scripts/run-llm.sh PATH-TO-SIFTD [siftd flags...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
siftd=${1:?usage: run-llm.sh PATH-TO-SIFTD [flags]}
shift
port=${LLM_PORT:-8081}
model_name=smollm2-135m-instruct
eval "$("$here/llm-setup.sh")"

log=${TMPDIR:-/tmp}/sift-llama-server.log
echo "run-llm: starting llama-server on 127.0.0.1:$port (log: $log)" >&2
"$LLAMA_SERVER" -m "$LLM_MODEL" --alias "$model_name" -t 1 -c 4096 --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 600); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
    "http://127.0.0.1:$port/health" 2>/dev/null; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "run-llm: llama-server exited; the end of its log:" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  sleep 0.1
done
SIFT_LLM_URL="http://127.0.0.1:$port/v1" SIFT_LLM_MODEL="$model_name" "$siftd" "$@" &
daemon=$!
trap 'kill "$daemon" "$server" 2>/dev/null || true; wait "$daemon" "$server" 2>/dev/null || true' EXIT INT TERM
wait "$daemon"
