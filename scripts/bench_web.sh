#!/usr/bin/env bash
# The web path (issue 16, part 4), called by scripts/bench.sh or alone:
#   scripts/bench_web.sh RESULTS.jsonl     (release binaries in .build/release)
# siftd against sift-replay (Brave, SearXNG, pages) on loopback, the replays answering after
# UPSTREAM_MS; an empty knowledge base makes every source a web one; the cache is off.
# Appends one JSON line per figure to RESULTS. Every loop is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
results=${1:?usage: scripts/bench_web.sh RESULTS.jsonl}
ulimit -n 65536 2>/dev/null || ulimit -n 8192
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
BIN=${BIN:-.build/release}
record() { printf '{"name": "%s", "result": %s}\n' "$1" "$2" >> "$results"; echo "bench: $1 $2" >&2; }
wait_http() {
  for _ in $(seq 1 600); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "bench: $1 never answered" >&2; return 1
}
memory() {
  python3 -c "import sys; f=dict(l.split(':',1) for l in open('/proc/$1/status')); kb=lambda k: int(f[k].split()[0]); print('{\"rss_mb\": %.1f, \"anon_mb\": %.1f}' % (kb('VmRSS')/1024, kb('RssAnon')/1024))"
}
# `merge JSON KEY=VALUE...`: the JSON object with the fields added (VALUE is JSON).
merge() { python3 -c "import json,sys; r=json.loads(sys.argv[1]); r.update({k: json.loads(v) for k,v in (a.split('=',1) for a in sys.argv[2:])}); print(json.dumps(r))" "$@"; }
metric() {  # name label-match: the sum of the matching samples
  curl -s "http://127.0.0.1:$PORT/metrics" | awk -v n="$1" -v m="$2" 'index($0, n) == 1 && index($0, m) { s += $NF } END { print s + 0 }'
}

UPSTREAM_MS=${UPSTREAM_MS:-100}
RPORT=18091
PORT=18080
$BIN/sift-replay --port $RPORT --service all --latency-ms $UPSTREAM_MS --brave-per-second 100000 \
  --brave-monthly-quota 1000000000 >"$out/replay.log" 2>&1 &
replay_pid=$!
wait_http "http://127.0.0.1:$((RPORT + 2))/plain"
mkdir -p "$out/empty-kb"
BRAVE_ENV=(SIFT_BRAVE_URL=http://127.0.0.1:$RPORT SIFT_BRAVE_API_KEY=replay-key SIFT_FETCH_ALLOW_HOSTS=127.0.0.1 SIFT_CACHE=off
  SIFT_KB_SOURCES="$out/empty-kb")
WEB_ENV=("${BRAVE_ENV[@]}" SIFT_SEARXNG_URL=http://127.0.0.1:$((RPORT + 1)))
web_paths=()
for q in "capital of australia" "swift concurrency" "tcp congestion control"; do
  web_paths+=(--path "/v1/answer/stream?q=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote_plus(sys.argv[1]))' "$q")")
done
start_siftd() {
  SIFT_STATE_DIR="$out/web-state" SIFT_LISTEN="127.0.0.1:$PORT" SIFT_LOG=text SIFT_LOG_LEVEL=warning "$@" $BIN/siftd >"$out/siftd.log" 2>&1 &
  siftd_pid=$!
  wait_http "http://127.0.0.1:$PORT/readyz"
}
stop_siftd() { kill $siftd_pid; wait $siftd_pid 2>/dev/null || true; }

# 1. First source, one query at a time, Brave only; the replay's own time per request apart.
start_siftd env "${BRAVE_ENV[@]}" SIFT_MAX_PAGES=0
curl -s -X POST "http://127.0.0.1:$RPORT/_replay/timings/reset" >/dev/null
first=$($BIN/sift-bench latency --port $PORT "${web_paths[@]}" --concurrency 1 --requests 500 --stop-after source)
record web_first_source "$(merge "$first" upstream_ms=$UPSTREAM_MS replay="$(curl -s "http://127.0.0.1:$RPORT/_replay/timings")")"
stop_siftd

# 2. 50 concurrent clients, snippets only (Brave and SearXNG), with the pools' defaults, then
#    with both capped at 4 connections: what one shared 4-per-host client allowed before.
for variant in default cap4; do
  extra=(); requests=4000
  [[ $variant == cap4 ]] && { extra=(SIFT_BRAVE_CONNECTIONS=4 SIFT_SEARXNG_CONNECTIONS=4); requests=1000; }
  start_siftd env "${WEB_ENV[@]}" SIFT_MAX_PAGES=0 "${extra[@]}"
  load=$($BIN/sift-bench latency --port $PORT "${web_paths[@]}" --concurrency 50 --requests $requests --warmup 100)
  record "web_c50_snippets_$variant" "$(merge "$load" \
    queue_timeouts="$(metric sift_http_queue_timeouts_total 'pool="brave"')" \
    brave_waits="$(metric sift_http_connection_wait_seconds_count 'pool="brave"')" \
    brave_wait_seconds="$(metric sift_http_connection_wait_seconds_sum 'pool="brave"')" \
    memory="$(memory $siftd_pid)")"
  stop_siftd
done

# 3. 50 concurrent clients, 5 pages read per query (all on the one page-server host: the
#    pages pool's 4-per-host politeness cap applies).
start_siftd env "${WEB_ENV[@]}" SIFT_MAX_PAGES=5
before=$(metric sift_fetch_total 'outcome="done"'); t0=$(date +%s.%N)
load=$($BIN/sift-bench latency --port $PORT "${web_paths[@]}" --concurrency 50 --requests 500 --warmup 0)
t1=$(date +%s.%N); after=$(metric sift_fetch_total 'outcome="done"')
record web_c50_pages "$(merge "$load" pages="$(python3 -c "print(int($after-$before))")" \
  pages_per_second="$(python3 -c "print(round(($after-$before)/($t1-$t0),1))")" \
  page_waits="$(metric sift_http_connection_wait_seconds_count 'pool="pages"')" \
  page_wait_seconds="$(metric sift_http_connection_wait_seconds_sum 'pool="pages"')" \
  page_fetch_seconds="$(metric sift_fetch_duration_seconds_sum ' ')" \
  memory="$(memory $siftd_pid)")"
stop_siftd

# 4. The libcurl client against curl itself, on the page server: one 1 GiB body (best of 3
#    each, alternating), and many small requests.
PAGES="http://127.0.0.1:$((RPORT + 2))"
best_sift=0; best_curl=0
for _ in 1 2 3; do
  r=$($BIN/sift-bench http --url "$PAGES/huge?mb=1024")
  best_sift=$(python3 -c "import json,sys; print(max($best_sift, float(json.loads(sys.argv[1])['mib_per_second'])))" "$r")
  t0=$(date +%s.%N); curl -s -o /dev/null "$PAGES/huge?mb=1024"; t1=$(date +%s.%N)
  best_curl=$(python3 -c "print(max($best_curl, round(1024/($t1-$t0),1)))")
done
record http_huge_sift "{\"mib_per_second\": $best_sift}"
record http_huge_curl "{\"mib_per_second\": $best_curl}"
record http_small_sift "$($BIN/sift-bench http --url "$PAGES/plain" --requests 5000 --concurrency 8)"
python3 -c "print('\n'.join(['url = \"$PAGES/plain\"\noutput = \"/dev/null\"'] * 5000))" > "$out/curl.cfg"
t0=$(date +%s.%N); curl -s -Z --parallel-max 8 -K "$out/curl.cfg"; t1=$(date +%s.%N)
record http_small_curl "{\"requests_per_second\": $(python3 -c "print(round(5000/($t1-$t0)))")}"
kill $replay_pid; wait $replay_pid 2>/dev/null || true
