#!/usr/bin/env bash
# make fuzz / the fuzz step of make test: builds sift-fuzz (fuzz/sift-fuzz; SIFT_FUZZ=1) with
# -sanitize=fuzzer,address into .build-fuzz and runs each libFuzzer target for FUZZ_SECONDS
# (default 60), starting from its seed corpus fuzz/corpus/TARGET (read only) and what earlier
# runs found (.build-fuzz/corpus/TARGET). A crash, an ASan or LeakSanitizer report, a hang or
# a broken property stops with the input in .build-fuzz/crashes/TARGET; add it to
# fuzz/corpus/TARGET once the parser is fixed, so that every later run replays it.
# FUZZ_TARGETS="html url" runs only those.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
seconds=${FUZZ_SECONDS:-60}
scratch=.build-fuzz
targets=${FUZZ_TARGETS:-html charset sse chat-stream brave searxng query url config last-event-id}

start=$(date +%s)
SIFT_FUZZ=1 "$SWIFT" build --product sift-fuzz --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address 2>&1 |
  grep -v -e "Cannot export local symbol '__asan" -e "swift-distributed-tracing': found 1 file" >&2
echo "fuzz: built sift-fuzz in $(($(date +%s) - start)) s" >&2

# Swift's own crash handler would print the trace after ASan's; a plain trap is enough here.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
# FUZZ_RUNS (with FUZZ_SEED, default 1) runs each target a fixed number of inputs from a fixed seed,
# the same on every machine: `make test` does so, so that its outcome does not depend on how fast
# the machine is. Without it, each target runs for FUZZ_SECONDS.
if [[ -n ${FUZZ_RUNS:-} ]]; then
  budget=(-runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}")
  spent="$FUZZ_RUNS runs from seed ${FUZZ_SEED:-1}"
else
  budget=(-max_total_time="$seconds")
  spent="${seconds} s"
fi
failed=()
for target in $targets; do
  work="$scratch/corpus/$target" crashes="$scratch/crashes/$target"
  mkdir -p "$work" "$crashes"
  log="$scratch/fuzz-$target.log"
  if SIFT_FUZZ_TARGET=$target "$scratch/debug/sift-fuzz" "${budget[@]}" -timeout=30 -rss_limit_mb=3072 \
      -max_len=16384 -print_final_stats=1 -artifact_prefix="$crashes/" "$work" "fuzz/corpus/$target" >"$log" 2>&1; then
    echo "fuzz: $target: $(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}') runs ($spent), no finding" >&2
  else
    echo "fuzz: $target: FOUND something; the input is in $crashes, the log in $log:" >&2
    grep -E -A12 'ERROR|Fatal error|deadly signal|timeout' "$log" | head -40 >&2
    failed+=("$target")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: every target ran ($spent) without a finding (in $(($(date +%s) - start)) s with the build)" >&2
