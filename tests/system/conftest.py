"""Fixtures that start the real siftd binary on loopback for system tests."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SIFTD = os.path.abspath(os.environ.get("SIFTD", os.path.join(ROOT, ".build", "debug", "siftd")))
# The index is reused across runs (siftd re-indexes only when a source changes).
STATE_DIR = os.environ.get("SIFT_TEST_STATE_DIR", os.path.join(ROOT, ".build", "system-test-state"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def terminate(proc, timeout=10):
    """SIGTERM, then SIGKILL if `proc` has not exited after `timeout` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Daemon:
    def __init__(self, tmp_path, extra_env=None, port=None):
        # `port`: listen on that one (a replica restarted where nginx expects it).
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / "siftd.log"
        env = dict(os.environ)
        env.update({
            "SIFT_LISTEN": f"127.0.0.1:{self.port}",
            "SIFT_STATE_DIR": STATE_DIR,
            "SIFT_CACHE_DIR": str(tmp_path / "cache"),
            "SIFT_LOG": "text",
            "HOME": os.environ.get("HOME", "/root"),
        })
        env.pop("NOTIFY_SOCKET", None)
        env.pop("JOURNAL_STREAM", None)
        # The memory backend unless a test asks for PostgreSQL (test_replicas.py), whatever the caller's environment.
        for name in ("SIFT_DATABASE_URL", "SIFT_REPLICA_ID", "SIFT_QUERY_LEASE_SECONDS", "CREDENTIALS_DIRECTORY"):
            env.pop(name, None)
        env.update(extra_env or {})
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([SIFTD], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self, timeout=240):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"siftd exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        raise AssertionError("siftd did not become ready:\n" + self.log_text())

    def log_text(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def get(self, path, headers=None):
        req = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def post_json(self, path, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), json.loads(e.read())

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("siftd did not exit after SIGTERM:\n" + self.log_text())
        self.log.close()
        return self.proc.returncode


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    d = Daemon(tmp_path_factory.mktemp("siftd"))
    yield d
    d.stop()
