#!/usr/bin/env bash
# Installs the Debian packages Sift needs, only those missing.
#   scripts/install-deps.sh build    libraries siftd links against
#   scripts/install-deps.sh kb       the corpora of the embedded knowledge base
#   scripts/install-deps.sh test     tools the system tests use (promtool, systemd-nspawn, Chromium and
#                                    its driver with Selenium from PyPI, node for the browser client,
#                                    the official MCP client `mcp` from PyPI for tests/system/test_mcp.py,
#                                    the openai SDK from PyPI for tests/system/test_openai.py)
#   scripts/install-deps.sh llm      what building llama-server needs (cmake)
#   scripts/install-deps.sh profile  valgrind, whose callgrind counts make profile's instructions
#   scripts/install-deps.sh eval     the structured data the quality benchmark's questions are built from
#                                    (WordNet's own database files; scripts/eval/build_set.py)
set -euo pipefail

declare -A groups=(
  [build]="libcurl4-openssl-dev libsystemd-dev libsqlite3-dev zlib1g-dev pkg-config"
  [kb]="dict-wn dict-gcide dict-foldoc linux-doc-6.1 python3.11-doc manpages"
  [test]="prometheus systemd-container chromium chromium-driver nodejs"
  [llm]="cmake g++ make"
  [profile]="valgrind"
  [eval]="wordnet-base linux-libc-dev"
)

# PostgreSQL 15 (initdb, pg_ctl) and nginx, which the replica tests and scripts/bench_store.py
# start by hand (tests/system/pg.py, tests/system/nginx.py).
groups[test]+=" postgresql-15 nginx"

# Python packages from PyPI, pinned, per group (one or more a line).
#   test: Selenium drives Chromium; openapi-spec-validator and schemathesis check the contract
#   (docs/openapi.json, tests/system/test_openapi.py).
declare -A pip_groups=(
  [test]="selenium==4.43.0 mcp==1.27.0
          openapi-spec-validator==0.9.0 schemathesis==4.32.5"
)
# The official OpenAI SDK drives /v1/chat/completions (tests/system/test_openai.py).
pip_groups[test]+=" openai==3.63.0"

wanted=()
pip_wanted=()
for group in "$@"; do
  [[ -n "${groups[$group]:-}" ]] || { echo "install-deps: unknown group '$group'" >&2; exit 2; }
  wanted+=(${groups[$group]})
  pip_wanted+=(${pip_groups[$group]:-})
done

pip_missing=()
for requirement in "${pip_wanted[@]}"; do
  name=${requirement%%==*} version=${requirement#*==}
  installed=$(python3 -c "import importlib.metadata as m; print(m.version('$name'))" 2>/dev/null || true)
  [[ $installed == "$version" ]] || pip_missing+=("$requirement")
done
if [[ ${#pip_missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${pip_missing[*]} (PyPI)" >&2
  python3 -m pip install --quiet --disable-pip-version-check "${pip_missing[@]}" 2>/dev/null ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${pip_missing[@]}"
fi

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists; refresh them once per hour at most.
stamp=/var/lib/apt/periodic/sift-update-stamp
if [[ ! -f $stamp ]] || [[ -n $(find "$stamp" -mmin +60 2>/dev/null) ]]; then
  $sudo apt-get update -qq
  $sudo mkdir -p "$(dirname "$stamp")" && $sudo touch "$stamp"
fi
# prometheus, postgresql-15 (a cluster on port 5432) and nginx (a site on port 80) would start
# services on install where systemd runs; the tests only use their binaries, started by hand
# in temporary directories (tests/system/pg.py, tests/system/nginx.py). Stop or disable them
# if unwanted: systemctl disable --now prometheus postgresql nginx.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
