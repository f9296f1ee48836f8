#!/usr/bin/env bash
# make sanitize: the whole Swift suite (unit and in-process tests) once under AddressSanitizer
# with LeakSanitizer (scratch path .build-asan) and once under ThreadSanitizer (.build-tsan).
# A report fails the run. Suppressions, each with its reason, are in scripts/sanitize/.
# SANITIZERS="address" runs only one; extra arguments go to `swift test` (e.g. --filter X).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
sanitizers=${SANITIZERS:-address thread}
supp=$PWD/scripts/sanitize
# Swift's own crash handler would print its trace after the sanitizer's; a plain abort is enough.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$supp/lsan.supp:print_suppressions=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$supp/tsan.supp:halt_on_error=0:exitcode=66:second_deadlock_stack=1}
for sanitizer in $sanitizers; do
  case $sanitizer in address) scratch=.build-asan ;; thread) scratch=.build-tsan ;; *) echo "sanitize: unknown $sanitizer" >&2; exit 2 ;; esac
  start=$(date +%s)
  "$SWIFT" build --build-tests --scratch-path "$scratch" --sanitize="$sanitizer" 2>&1 |
    grep -v -e "Cannot export local symbol '__" -e "swift-distributed-tracing': found 1 file" >&2
  built=$(date +%s)
  echo "sanitize: $sanitizer: built in $((built - start)) s" >&2
  # Swift Testing only: the suite has no XCTest cases, and XCTest's empty run leaks its own
  # bookkeeping (368 bytes in XCTMainMisc/XCTestSuiteRun, no code of ours), which LSan reports.
  "$SWIFT" test --skip-build --disable-xctest --scratch-path "$scratch" --sanitize="$sanitizer" "$@"
  echo "sanitize: $sanitizer: the suite passed in $(($(date +%s) - built)) s with no report" >&2
done
