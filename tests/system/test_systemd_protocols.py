"""The real binary speaking systemd's protocols to sockets the test owns:
sd_notify (NOTIFY_SOCKET) and the native journal protocol (sd_journal_sendv,
redirected into a private mount namespace). A later suite repeats this under
real systemd in systemd-nspawn."""
import os
import shutil
import signal
import socket
import struct
import subprocess
import time

import pytest

from conftest import SIFTD, STATE_DIR, free_port
from sse import SSEStream, stream_path


def receive_all(sock, until, timeout=60):
    """Collects datagrams until `until(messages)` is true."""
    messages = []
    deadline = time.monotonic() + timeout
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            messages.append(sock.recv(1 << 20))
        except socket.timeout:
            pass
        if until(messages):
            return messages
    raise AssertionError(f"timed out; got {messages!r}")


def parse_journal(datagram):
    """Parses one native-protocol datagram into a dict (both KEY=value and binary-safe forms)."""
    fields = {}
    data = datagram
    while data:
        newline = data.find(b"\n")
        equals = data.find(b"=", 0, newline if newline >= 0 else len(data))
        if equals >= 0:
            key, value = data[:equals], data[equals + 1:newline]
            data = data[newline + 1:]
        else:
            key = data[:newline]
            (length,) = struct.unpack("<Q", data[newline + 1:newline + 9])
            value = data[newline + 9:newline + 9 + length]
            data = data[newline + 10 + length:]
        fields[key.decode()] = value.decode(errors="replace")
    return fields


@pytest.fixture
def env(tmp_path):
    e = dict(os.environ)
    e.update({"SIFT_STATE_DIR": STATE_DIR, "SIFT_CACHE_DIR": str(tmp_path / "cache")})
    e.pop("JOURNAL_STREAM", None)
    return e


def test_notify_ready_status_and_stopping(tmp_path, env):
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    port = free_port()
    env.update({"NOTIFY_SOCKET": path, "SIFT_LISTEN": f"127.0.0.1:{port}", "SIFT_LOG": "text"})
    proc = subprocess.Popen([SIFTD], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        messages = receive_all(sock, lambda m: any(b"READY=1" in x for x in m))
        ready = next(m for m in messages if b"READY=1" in m).decode()
        assert "STATUS=serving on 127.0.0.1:" in ready
        # READY=1 only once the listener is bound: a connection succeeds right away.
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        assert any(b"STATUS=indexing" in m for m in messages[:-1]), "status during index open"
        proc.send_signal(signal.SIGTERM)
        messages = receive_all(sock, lambda m: any(b"STOPPING=1" in x for x in m))
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        sock.close()


@pytest.mark.skipif(shutil.which("unshare") is None, reason="unshare (util-linux) is required")
def test_journal_fields_carry_the_query_id(tmp_path, env):
    journal_dir = tmp_path / "journal"
    journal_dir.mkdir()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(journal_dir / "socket"))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    port = free_port()
    env.update({"SIFT_LISTEN": f"127.0.0.1:{port}", "SIFT_LOG": "journal"})
    env.pop("NOTIFY_SOCKET", None)
    # A private mount namespace where /run/systemd/journal is our directory.
    script = (
        "mount -t tmpfs tmpfs /run/systemd && mkdir -p /run/systemd/journal && "
        f"mount --bind '{journal_dir}' /run/systemd/journal && exec '{SIFTD}'"
    )
    proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        receive_all(sock, lambda m: any(b"MESSAGE=serving" in x for x in m))
        s = SSEStream(port, stream_path("what is the capital of Australia"))
        events = list(s.events())
        s.close()
        query_id = s.headers["x-request-id"]
        assert events[-1]["event"] == "done"
        messages = receive_all(
            sock, lambda m: any(b"MESSAGE=query finished" in x and query_id.encode() in x for x in m), timeout=10)
        entries = [parse_journal(m) for m in messages]
        finished = next(e for e in entries if e.get("MESSAGE") == "query finished" and e.get("SIFT_QUERY_ID") == query_id)
        assert finished["SYSLOG_IDENTIFIER"] == "siftd"
        assert finished["PRIORITY"] == "6"
        assert finished["SIFT_OUTCOME"] == "complete"
        assert float(finished["SIFT_DURATION_MS"]) > 0
        assert finished["CODE_FILE"] and finished["CODE_LINE"].isdigit() and finished["CODE_FUNC"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0, proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
        sock.close()
