#!/usr/bin/env bash
# make profile: instructions per answer, by stage, counted by valgrind's callgrind (issue 16, part 1).
#
# siftd is built in release mode into .build-profile with the entry valgrind can run
# (-DSIFT_SYNC_MAIN: valgrind 3.19 dies when an async main hands its thread to dispatch_main)
# and DWARF 4 (3.19 cannot read Swift 6's DWARF 5). It serves the knowledge base under callgrind
# with instrumentation off (so it starts fast); after PROFILE_WARMUP answers it goes on, a fixed set of
# PROFILE_QUESTIONS (1,000) questions about the index's own documents (scripts/profile_questions.py)
# is asked one at a time by sift-bench (not counted: another process), counting goes off and the
# counts are written. scripts/profile_report.py turns them into instructions per answer by stage and
# the costliest functions, into docs/benchmarks.md ("Instructions per answer") unless PROFILE_WRITE=0.
# Instruction counts do not depend on the machine's load, so the figure is repeatable on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
QUESTIONS=${PROFILE_QUESTIONS:-1000}
WARMUP=${PROFILE_WARMUP:-50}
PORT=${PROFILE_PORT:-18095}
STATE=${SIFT_PROFILE_STATE_DIR:-$PWD/.build/bench-state}
OUT=${PROFILE_OUT:-$PWD/.build/profile}
mkdir -p "$STATE" "$OUT"
# The commit profiled: this checkout's, marked when it has uncommitted changes.
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo "+dirty")
command -v valgrind >/dev/null || { echo "profile: valgrind is missing (apt install valgrind)" >&2; exit 1; }

swift build -c release --product siftd --scratch-path .build-profile \
  -Xswiftc -DSIFT_SYNC_MAIN -Xswiftc -dwarf-version=4 -Xcc -gdwarf-4
swift build -c release --product sift-bench
PROFILED=.build-profile/release/siftd

# The index is built at full speed first, so that siftd under valgrind finds it up to date.
SIFT_STATE_DIR="$STATE" SIFT_LOG=text SIFT_LOG_LEVEL=warning "$PROFILED" --index-only
python3 scripts/profile_questions.py --index "$STATE/kb.sqlite" --count "$QUESTIONS" >"$OUT/questions.txt"
paths=()
while IFS= read -r q; do
  paths+=(--path "/v1/answer/stream?q=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote_plus(sys.argv[1]))' "$q")")
done <"$OUT/questions.txt"

rm -f "$OUT"/callgrind.out*
SIFT_STATE_DIR="$STATE" SIFT_LISTEN="127.0.0.1:$PORT" SIFT_LOG=text SIFT_LOG_LEVEL=warning \
  valgrind --tool=callgrind --instr-atstart=no --dump-instr=no --callgrind-out-file="$OUT/callgrind.out.%p" \
  "$PROFILED" >"$OUT/siftd.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 1200); do
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { tail -n 30 "$OUT/siftd.log" >&2; exit 1; }
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "profile: siftd under valgrind never became ready" >&2; exit 1; }

.build/release/sift-bench latency --port "$PORT" "${paths[@]}" --concurrency 1 --requests "$WARMUP" --warmup 0 >/dev/null
callgrind_control -i on "$pid" >/dev/null
start=$(date +%s)
.build/release/sift-bench latency --port "$PORT" "${paths[@]}" --concurrency 1 --requests "$QUESTIONS" --warmup 0 >"$OUT/run.json"
callgrind_control -i off "$pid" >/dev/null
callgrind_control -d "$pid" >/dev/null
echo "profile: $QUESTIONS answers counted in $(( $(date +%s) - start )) s" >&2
kill $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
trap - EXIT

# The dump made above, and the one valgrind writes at exit (nothing counted after the dump).
files=("$OUT"/callgrind.out.$pid*)
args=(--answers "$QUESTIONS" --run "$OUT/run.json" --commit "$commit")
[[ ${PROFILE_WRITE:-1} == 1 ]] && args+=(--doc docs/benchmarks.md)
python3 scripts/profile_report.py "${args[@]}" "${files[@]}"
