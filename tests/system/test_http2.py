"""TLS and HTTP/2 on the way out: siftd asks Brave (sift-replay) through a local nginx that
speaks h2 over TLS with a certificate from a CA made for the test, trusted through
SIFT_CA_FILE. Several questions at once ride one multiplexed connection."""
import os
import subprocess
import threading
import time

import pytest

from conftest import Daemon
from nginx import Nginx
from test_web import Replay, ask, by_type, metric

SITE = """log_format h2 '$connection $connection_requests $server_protocol $ssl_protocol "$request" $status $msec $request_time';
server {{
    listen 127.0.0.1:{port} ssl http2;
    ssl_certificate {prefix}/server.crt;
    ssl_certificate_key {prefix}/server.key;
    access_log {prefix}/access.log h2;
    location / {{
        proxy_pass http://127.0.0.1:{upstream};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }}
}}
"""


def make_certificates(directory):
    """A CA, and a server certificate for 127.0.0.1 signed by it; returns (ca.pem, server.crt, server.key) bytes."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True, timeout=60)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Sift test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(directory, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "server.ext")
    read = lambda name: open(os.path.join(directory, name), "rb").read()
    return read("ca.pem"), read("server.crt"), read("server.key")


@pytest.fixture
def tls_brave(tmp_path):
    """sift-replay (Brave answering after 400 ms, so that questions asked together overlap) behind nginx h2 + TLS."""
    replay = Replay(tmp_path, "--latency-ms", "400", "--brave-per-second", "1000")
    ca, crt, key = make_certificates(tmp_path)
    (tmp_path / "ca.pem").write_bytes(ca)
    site = lambda prefix, port: SITE.format(prefix=prefix, port=port, upstream=replay.port)
    lb = Nginx([], site=site, files={"server.crt": crt, "server.key": key})
    try:
        yield replay, lb, str(tmp_path / "ca.pem")
    finally:
        lb.destroy()
        replay.stop()


def access_log(lb):
    """(connection, requests on it, protocol, TLS version, request line, status, start, end) per logged request."""
    entries = []
    with open(os.path.join(lb.prefix, "access.log")) as f:
        for line in f:
            head, request, tail = line.split('"')
            connection, count, protocol, tls = head.split()
            status, msec, took = tail.split()
            entries.append((int(connection), int(count), protocol, tls, request, int(status),
                            float(msec) - float(took), float(msec)))
    return entries


def logged(lb, count, timeout=10):
    """The access log once it has `count` lines (nginx logs a request when it ends)."""
    deadline = time.monotonic() + timeout
    while len(access_log(lb)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return access_log(lb)


QUESTIONS = ["capital of australia", "swift concurrency", "tcp congestion control", "photosynthesis in leaves",
             "rust ownership", "how do vaccines work"]


def test_questions_asked_together_share_one_http2_connection_to_a_tls_upstream(tmp_path, tls_brave):
    replay, lb, ca_file = tls_brave
    daemon = Daemon(tmp_path, {
        "SIFT_BRAVE_API_KEY": "replay-key", "SIFT_BRAVE_URL": f"https://127.0.0.1:{lb.port}",
        "SIFT_CA_FILE": ca_file, "SIFT_MAX_PAGES": "0", "SIFT_CACHE": "off"})
    try:
        # One question first: the connection is made, its ALPN says h2.
        first = ask(daemon, "what is the speed of light")
        assert "brave" in {p for s in by_type(first, "source") for p in s["providers"]}, by_type(first, "warning")
        results = {}

        def run(question):
            results[question] = ask(daemon, question)

        threads = [threading.Thread(target=run, args=(q,)) for q in QUESTIONS]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(results) == len(QUESTIONS)
        for question, events in results.items():
            assert [e["event"] for e in events].count("done") == 1
            assert by_type(events, "done")[0]["outcome"] == "complete"
            assert not [w for w in by_type(events, "warning") if w.get("provider") == "brave"], (question, by_type(events, "warning"))
            assert "brave" in {p for s in by_type(events, "source") for p in s["providers"]}, question

        entries = logged(lb, len(QUESTIONS) + 1)
        searches = [e for e in entries if "/res/v1/web/search" in e[4]]
        assert len(searches) == len(QUESTIONS) + 1, entries
        assert all(e[2] == "HTTP/2.0" and e[5] == 200 for e in searches), entries
        assert all(e[3].startswith("TLSv1.") for e in searches), entries
        # Every search rode the same connection (nginx's $connection), which carried them all.
        assert len({e[0] for e in searches}) == 1, entries
        assert max(e[1] for e in searches) == len(searches), entries
        # And they were multiplexed on it: the questions asked together were in flight at the same time.
        together = sorted(searches[1:], key=lambda e: e[6])
        overlapping = sum(1 for a, b in zip(together, together[1:]) if b[6] < a[7])
        assert overlapping >= 1, together
        assert metric(daemon, "sift_provider_requests_total", provider="brave", status="ok") == len(QUESTIONS) + 1
        assert metric(daemon, "sift_http_queue_timeouts_total", pool="brave") == 0
    finally:
        daemon.stop()


def test_an_upstream_whose_certificate_is_not_trusted_is_a_tls_warning(tmp_path, tls_brave):
    _, lb, _ = tls_brave
    daemon = Daemon(tmp_path, {
        "SIFT_BRAVE_API_KEY": "replay-key", "SIFT_BRAVE_URL": f"https://127.0.0.1:{lb.port}",
        "SIFT_MAX_PAGES": "0", "SIFT_CACHE": "off"})
    try:
        events = ask(daemon, "capital of australia")
        assert by_type(events, "done")[0]["outcome"] == "complete"
        warnings = [w for w in by_type(events, "warning") if w.get("provider") == "brave"]
        assert warnings and "TLS" in warnings[0]["message"], by_type(events, "warning")
        assert "brave" not in {p for s in by_type(events, "source") for p in s["providers"]}
        assert not [e for e in access_log(lb) if "/res/v1/web/search" in e[4]], "no request went out unverified"
    finally:
        daemon.stop()
