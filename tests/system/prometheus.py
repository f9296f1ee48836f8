"""A real Prometheus (Debian's `prometheus` package) for system tests, and the
dashboard lint (scripts/dashboard_lint.py) to run against it.

    prom = start_prometheus(["127.0.0.1:8080"], tmp_path)
    prom.wait_targets_up()
    ... traffic ...
    prom.settle(since=time.time())
    assert lint(prom.url, "http://127.0.0.1:8080/metrics") == []
    prom.stop()

With `netns_cmd_prefix=["nsenter", "-t", PID, "-n"]` Prometheus runs in that
network namespace (its 127.0.0.1 is the namespace's), and so does every HTTP
GET made through `prom.get` or `prom.fetch`; pass `fetch=prom.fetch` to `lint`
to lint from outside the namespace.
"""
import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RULES = os.path.join(ROOT, "dashboards", "siftd.rules.yml")
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from dashboard_lint import lint  # noqa: E402  (re-exported for the tests)
from conftest import terminate  # noqa: E402

__all__ = ["Prometheus", "start_prometheus", "lint", "RULES"]

_GET = (
    "import sys, urllib.request, urllib.error\n"
    "try:\n"
    "    r = urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2])); sys.stdout.buffer.write(r.read())\n"
    "except urllib.error.HTTPError as e:\n"
    "    sys.stdout.buffer.write(e.read()); sys.exit(3)\n"
)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seconds(duration):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for unit in ("ms", "s", "m", "h"):
        if duration.endswith(unit):
            return float(duration[: -len(unit)]) * units[unit]
    raise ValueError(duration)


def _unix(rfc3339):
    """Seconds since the epoch of a Prometheus RFC 3339 time (nanoseconds, Z or an offset)."""
    text = rfc3339.replace("Z", "+00:00")
    head, _, rest = text.partition(".")
    if rest:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = head + "." + rest[:min(digits, 6)] + rest[digits:]
    return datetime.datetime.fromisoformat(text).timestamp()


class Prometheus:
    def __init__(self, proc, url, workdir, prefix, scrape_interval, log_path):
        self.proc, self.url, self.workdir = proc, url, workdir
        self.prefix, self.interval, self.log_path = list(prefix), _seconds(scrape_interval), log_path

    def fetch(self, url, timeout=10):
        """GET `url` from Prometheus's network namespace; the body, or HTTPError's body for 4xx/5xx."""
        if not self.prefix:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as r:
                    return r.read()
            except urllib.error.HTTPError as e:
                return e.read()
        done = subprocess.run([*self.prefix, sys.executable, "-c", _GET, url, str(timeout)],
                              capture_output=True, timeout=timeout + 10)
        if done.returncode not in (0, 3):
            raise OSError(f"GET {url} in {self.prefix}: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout

    def get(self, path, **params):
        """The `data` of a Prometheus API answer; AssertionError on an error answer."""
        answer = json.loads(self.fetch(self.url + path + ("?" + urllib.parse.urlencode(params) if params else "")))
        assert answer.get("status") == "success", answer
        return answer["data"]

    def query(self, expr):
        return self.get("/api/v1/query", query=expr)["result"]

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _state(self):
        try:
            targets = [(t["scrapeUrl"], t["health"], t["lastScrape"], t["lastError"]) for t in self.targets()]
            groups = [(g["name"], g["lastEvaluation"]) for g in self.get("/api/v1/rules")["groups"]]
            return f"targets {targets}, rule groups {groups}, now {time.time():.3f}"
        except (OSError, ValueError, AssertionError) as error:
            return f"state unknown: {error}"

    def _poll(self, what, condition, timeout):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"prometheus exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                if condition():
                    return
            except (OSError, ValueError, AssertionError) as error:
                last = error
            time.sleep(min(0.2, self.interval / 4))
        raise AssertionError(
            f"prometheus: {what} within {timeout} s (last error: {last}); {self._state()}:\n{self.log_text()[-4000:]}")

    def wait_ready(self, timeout=60):
        self._poll("not ready", lambda: self.fetch(self.url + "/-/ready", timeout=2).startswith(b"Prometheus"), timeout)

    def targets(self):
        return self.get("/api/v1/targets", state="active")["activeTargets"]

    def wait_targets_up(self, timeout=60):
        """Polls /api/v1/targets until every target has been scraped and is up (the first scrape can take a while)."""
        self._poll("targets not up", lambda: (t := self.targets()) and all(x["health"] == "up" for x in t), timeout)

    def settle(self, since, scrapes=2, timeout=60):
        """Waits until every target was scraped `scrapes` times after the Unix time `since` (so a counter series
        that existed at `since` has two samples to rate), then until every rule group was evaluated a scrape
        interval after that scrape started (the scrape has finished by then: its timeout is the interval)."""
        scraped = []

        def done():
            if not scraped:
                targets = self.targets()
                times = [_unix(t["lastScrape"]) for t in targets]
                if not times or min(times) < since + (scrapes - 1) * self.interval or any(
                        t["health"] != "up" for t in targets):
                    return False
                scraped.append(max(times))
            groups = self.get("/api/v1/rules")["groups"]
            return all(_unix(g["lastEvaluation"]) >= scraped[0] + self.interval for g in groups)
        self._poll(f"{scrapes} scrapes and a rule evaluation after {since}", done, timeout)

    def stop(self):
        terminate(self.proc)


def start_prometheus(targets, workdir, netns_cmd_prefix=(), rules=(RULES,), job="siftd", scrape_interval="1s",
                     port=None, binary=None, bearer_token=None):
    """Starts Prometheus on 127.0.0.1 (in the network namespace `netns_cmd_prefix` enters, if any) with its own
    storage under `workdir`, scraping `targets` ("host:port") as job `job` every `scrape_interval` and
    evaluating `rules` as often; with `bearer_token` (a siftd key with the `metrics` scope, when siftd requires
    keys) the scrape sends it as docs/operations.md shows. Returns a ready `Prometheus`; its targets may not be
    scraped yet (`wait_targets_up`)."""
    binary = binary or shutil.which("prometheus") or "/usr/bin/prometheus"
    if not os.path.exists(binary):
        raise AssertionError("prometheus is missing: `scripts/install-deps.sh test` installs it")
    workdir = os.fspath(workdir)
    os.makedirs(workdir, exist_ok=True)
    port = port or _free_port()
    config = {
        "global": {"scrape_interval": scrape_interval, "scrape_timeout": scrape_interval,
                   "evaluation_interval": scrape_interval},
        "rule_files": [os.path.abspath(r) for r in rules],
        "scrape_configs": [{"job_name": job, "static_configs": [{"targets": list(targets)}]}],
    }
    if bearer_token:
        config["scrape_configs"][0]["authorization"] = {"type": "Bearer", "credentials": bearer_token}
    config_path = os.path.join(workdir, "prometheus.yml")
    with open(config_path, "w") as f:
        json.dump(config, f, indent=2)  # JSON is YAML
    log_path = Path(workdir) / "prometheus.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [*netns_cmd_prefix, binary, f"--config.file={config_path}",
         f"--storage.tsdb.path={os.path.join(workdir, 'data')}", f"--web.listen-address=127.0.0.1:{port}",
         "--storage.tsdb.retention.time=1h", "--log.level=info"],
        stdout=log, stderr=subprocess.STDOUT)
    log.close()
    prom = Prometheus(proc, f"http://127.0.0.1:{port}", workdir, netns_cmd_prefix, scrape_interval, log_path)
    try:
        prom.wait_ready()
    except BaseException:
        prom.stop()
        raise
    return prom
