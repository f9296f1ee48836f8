"""/metrics as Prometheus scrapes it: valid exposition (promtool) and the promised families."""
import re
import shutil
import subprocess

import pytest

from sse import SSEStream, stream_path

FAMILIES = {
    "sift_time_to_first_event_seconds": "histogram",
    "sift_stage_duration_seconds": "histogram",
    "sift_query_duration_seconds": "histogram",
    "sift_streams_active": "gauge",
    "sift_stream_events_total": "counter",
    "sift_queries_total": "counter",
    "sift_build_info": "gauge",
    "sift_http_requests_total": "counter",
    "sift_provider_requests_total": "counter",
    "process_resident_memory_bytes": "gauge",
    "process_cpu_seconds_total": "counter",
    "process_open_fds": "gauge",
    "process_start_time_seconds": "gauge",
}


def scrape(daemon):
    status, headers, body = daemon.get("/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return body.decode()


def value(text, name, labels=""):
    pattern = re.escape(name) + (r"\{" + labels + r"\}" if labels else "") + r" ([0-9.e+-]+)$"
    m = re.search(pattern, text, re.M)
    assert m, f"{name}{{{labels}}} missing"
    return float(m.group(1))


def test_metrics_families_and_promtool(daemon):
    s = SSEStream(daemon.port, stream_path("what is photosynthesis"))
    events = list(s.events())
    s.close()
    assert events[-1]["event"] == "done"
    text = scrape(daemon)
    for family, kind in FAMILIES.items():
        assert f"# TYPE {family} {kind}" in text, family
    for event in ("status", "source", "delta"):
        assert value(text, "sift_time_to_first_event_seconds_count", f'event="{event}"') >= 1
    assert value(text, "sift_queries_total", 'outcome="complete"') >= 1
    assert value(text, "sift_stream_events_total", 'type="done"') >= 1
    assert value(text, "process_resident_memory_bytes") > 1e6
    assert value(text, "process_open_fds") > 2
    assert 'sift_provider_requests_total{provider="kb",status="ok"}' in text
    # No query text or URL ever becomes a label.
    assert "photosynthesis" not in text
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is missing: `scripts/install-deps.sh test` installs it")
    check = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()
    assert check.stdout.decode().strip() == "" and check.stderr.decode().strip() == ""
