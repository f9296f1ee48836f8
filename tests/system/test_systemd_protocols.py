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


def notify_socket(tmp_path):
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    return path, sock


def metric(port, name):
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return line
    return None


def test_sighup_reloads_the_config_file_and_keeps_open_streams(tmp_path, env):
    path, sock = notify_socket(tmp_path)
    config = tmp_path / "siftd.toml"
    config.write_text("max_sources = 10\n")
    port = free_port()
    log = open(tmp_path / "siftd.log", "wb")
    env.update({"NOTIFY_SOCKET": path, "SIFT_LISTEN": f"127.0.0.1:{port}", "SIFT_LOG": "text",
                "SIFT_CONFIG": str(config), "SIFT_DEBUG_DELTA_DELAY_MS": "40"})
    proc = subprocess.Popen([SIFTD], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        receive_all(sock, lambda m: any(b"READY=1" in x for x in m))
        before = SSEStream(port, stream_path("what is the capital of Australia"))
        first = [e for e in before.events() if e["event"] == "source"]
        assert len(first) > 3

        slow = SSEStream(port, stream_path("how do plants make food from light"))
        events = slow.events()
        while next(events)["event"] != "delta":
            pass

        config.write_text("max_sources = 3\nlog_level = \"debug\"\n")
        proc.send_signal(signal.SIGHUP)
        reload = receive_all(sock, lambda m: any(b"READY=1" in x for x in m))
        reloading = next(m for m in reload if b"RELOADING=1" in m).decode()
        assert "MONOTONIC_USEC=" in reloading
        usec = int(reloading.split("MONOTONIC_USEC=")[1].split("\n")[0])
        assert abs(usec - time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000) < 30_000_000
        assert reload.index(next(m for m in reload if b"RELOADING=1" in m)) < reload.index(
            next(m for m in reload if b"READY=1" in m))

        rest = list(events)
        assert rest[-1]["event"] == "done" and rest[-1]["data"]["outcome"] == "complete", rest[-3:]
        after = SSEStream(port, stream_path("what is the capital of Australia"))
        assert len([e for e in after.events() if e["event"] == "source"]) == 3
        text = (tmp_path / "siftd.log").read_text()
        assert "configuration reloaded" in text and "max_sources" in text
        assert " debug " in text  # the new log level applies to running loggers

        # A broken file is rejected; the running configuration keeps serving.
        config.write_text("max_sources = \"lots\"\n")
        proc.send_signal(signal.SIGHUP)
        receive_all(sock, lambda m: any(b"READY=1" in x for x in m))
        text = (tmp_path / "siftd.log").read_text()
        assert "reload rejected, keeping the running configuration: max_sources" in text
        again = SSEStream(port, stream_path("what is the capital of Australia"))
        assert len([e for e in again.events() if e["event"] == "source"]) == 3
        assert metric(port, "sift_config_last_reload_successful").endswith(" 0.0")
        assert metric(port, 'sift_config_reloads_total{outcome="rejected"}').endswith(" 1")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        sock.close()
        log.close()


@pytest.mark.skipif(shutil.which("systemd-socket-activate") is None, reason="systemd-socket-activate is required")
def test_serves_on_a_socket_passed_by_systemd(tmp_path, env):
    port = free_port()
    log = open(tmp_path / "siftd.log", "wb")
    # siftd's own `listen` names another port: it must serve on the passed socket and bind nothing.
    unused = free_port()
    passed = ["SIFT_STATE_DIR", "SIFT_CACHE_DIR", "HOME", "PATH"]
    env.update({"SIFT_LISTEN": f"127.0.0.1:{unused}", "SIFT_LOG": "text"})
    args = ["systemd-socket-activate", "-l", f"127.0.0.1:{port}", "--fdname=http"]
    for name in passed + ["SIFT_LISTEN", "SIFT_LOG"]:
        args += ["-E", f"{name}={env[name]}"]
    proc = subprocess.Popen(args + [SIFTD], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        # systemd-socket-activate listens first and starts siftd on the first connection, which
        # the kernel accepts before siftd runs and siftd answers once it is up.
        deadline = time.monotonic() + 10
        while True:
            try:
                s = SSEStream(port, stream_path("what is the capital of Australia"), timeout=240)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, "systemd-socket-activate never listened"
                time.sleep(0.05)
        events = list(s.events())
        assert events[-1]["event"] == "done" and events[-1]["data"]["outcome"] == "complete"
        text = (tmp_path / "siftd.log").read_text()
        assert "socket activated fd=3 names=http" in text
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", unused), timeout=1).close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()


def test_watchdog_pings_stop_when_an_event_loop_is_wedged(tmp_path, env):
    import urllib.request
    path, sock = notify_socket(tmp_path)
    port = free_port()
    log = open(tmp_path / "siftd.log", "wb")
    env.update({"NOTIFY_SOCKET": path, "SIFT_LISTEN": f"127.0.0.1:{port}", "SIFT_LOG": "text",
                "SIFT_DEBUG_WEDGE": "1", "WATCHDOG_USEC": "1000000"})
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([SIFTD], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        receive_all(sock, lambda m: sum(b"WATCHDOG=1" in x for x in m) >= 3)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/debug/wedge", method="POST")
        with urllib.request.urlopen(request, timeout=5) as r:
            assert r.status == 202
        # Give a ping already under way time to land, then expect silence over several intervals.
        time.sleep(1.5)
        sock.settimeout(0.1)
        while True:
            try:
                sock.recv(1 << 16)
            except socket.timeout:
                break
        late = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                late.append(sock.recv(1 << 16))
            except socket.timeout:
                pass
        assert not any(b"WATCHDOG=1" in m for m in late), late
        assert "health check: an event loop did not run a task" in (tmp_path / "siftd.log").read_text()
    finally:
        proc.kill()
        proc.wait()
        sock.close()
        log.close()
