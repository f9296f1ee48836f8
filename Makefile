# Sift: `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
SWIFT ?= swift
DATA_DIR ?= $(HOME)/.local/share/siftd
export SIFT_DATA_DIR ?= $(DATA_DIR)
RELEASE_BIN := .build/release/siftd
DEBUG_BIN := .build/debug/siftd

PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR ?= $(SYSCONFDIR)/systemd/system
DESTDIR ?=

.PHONY: help deps kb-sources llm build build-debug run run-llm check test system-test fuzz fuzz-short sanitize bench profile eval install install-files clean

help:
	@echo "make run     install what is missing, build (release), serve http://127.0.0.1:8080"
	@echo "make run-llm the same, with answers written by a local LLM (llama-server + SmolLM2-135M, built once)"
	@echo "make test    install what is missing and run every test (unit, in-process, system)"
	@echo "make check   unit and in-process tests only (the fast inner loop)"
	@echo "make fuzz    each libFuzzer target (fuzz/) for FUZZ_SECONDS (60); findings go to .build-fuzz/crashes"
	@echo "make sanitize the Swift suite under AddressSanitizer+LeakSanitizer, then ThreadSanitizer (not yet in CI)"
	@echo "make bench   benchmarks; results go to docs/benchmarks.md"
	@echo "make profile instructions per answer by stage, under valgrind's callgrind; results go to docs/benchmarks.md"
	@echo "make eval    the quality benchmark (EVAL_LLM=1, EVAL_WEB=1 add paths); results go to docs/quality-results/"
	@echo "make install install siftd, its systemd unit and config samples (PREFIX, DESTDIR, SYSCONFDIR, UNITDIR)"

deps:
	@scripts/install-deps.sh build kb

kb-sources: deps
	@scripts/fetch-wiki.sh "$(DATA_DIR)"

# llama.cpp's llama-server and SmolLM2-135M-Instruct, built once into ~/.cache/sift (scripts/llm-setup.sh).
llm:
	@scripts/llm-setup.sh >/dev/null

build: deps
	$(SWIFT) build -c release --product siftd

build-debug: deps
	$(SWIFT) build --product siftd
	$(SWIFT) build --product sift-replay

run: kb-sources build
	$(RELEASE_BIN)

run-llm: kb-sources build llm
	scripts/run-llm.sh $(RELEASE_BIN)

check: deps
	$(SWIFT) test

system-test: kb-sources build-debug llm
	@scripts/install-deps.sh test eval
	eval "$$(scripts/llm-setup.sh)" && export LLAMA_SERVER LLM_MODEL && \
		SIFTD=$(DEBUG_BIN) python3 -m pytest -q tests/system

test: check system-test fuzz-short

# libFuzzer targets (fuzz/README.md), built with -sanitize=fuzzer,address into .build-fuzz.
fuzz: deps
	scripts/fuzz.sh

# In `make test`: a fixed number of inputs from a fixed seed per target, so the outcome is the same on any machine.
fuzz-short: deps
	FUZZ_RUNS=$${FUZZ_RUNS:-3000} scripts/fuzz.sh

# The Swift suite under ASan (with LSan) and TSan, into .build-asan and .build-tsan.
sanitize: deps
	scripts/sanitize.sh

# Instructions per answer by stage (scripts/profile.sh): a release siftd under callgrind, 1,000 questions.
profile: kb-sources
	@scripts/install-deps.sh profile
	scripts/profile.sh

bench: kb-sources
	@scripts/install-deps.sh test
	$(SWIFT) build -c release --product siftd
	$(SWIFT) build -c release --product sift-bench
	$(SWIFT) build -c release --product sift-floor
	$(SWIFT) build -c release --product sift-replay
	scripts/bench.sh

# The quality benchmark: questions built from WordNet, errno headers, the Python docs and man
# pages (scripts/eval/build_set.py), asked of the release siftd (scripts/eval/eval.sh).
eval: kb-sources
	@scripts/install-deps.sh eval
	$(SWIFT) build -c release --product siftd
	scripts/eval/eval.sh

install: kb-sources build
	$(MAKE) install-files BIN=$(RELEASE_BIN)

install-files:
	BIN="$(BIN)" PREFIX="$(PREFIX)" SYSCONFDIR="$(SYSCONFDIR)" UNITDIR="$(UNITDIR)" DESTDIR="$(DESTDIR)" \
		DATA_DIR="$(DATA_DIR)" scripts/install.sh

clean:
	rm -rf .build .build-fuzz .build-asan .build-tsan
