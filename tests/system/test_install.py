"""`make install-files` (what `make install` runs after building) honours DESTDIR and PREFIX."""
import os
import stat
import subprocess

from conftest import ROOT, SIFTD


def test_install_places_binary_unit_and_samples(tmp_path):
    dest = tmp_path / "root"
    data = tmp_path / "data"
    (data / "wiki").mkdir(parents=True)
    (data / "wiki" / "summaries_en-us.json").write_text('{"Example": "An example summary."}')
    env = dict(os.environ, MAKEFLAGS="")
    subprocess.run(
        ["make", "-s", "install-files", f"BIN={SIFTD}", f"DESTDIR={dest}", "PREFIX=/opt/sift",
         "SYSCONFDIR=/etc", f"DATA_DIR={data}"],
        cwd=ROOT, env=env, check=True, capture_output=True)

    binary = dest / "opt/sift/bin/siftd"
    assert binary.stat().st_mode & stat.S_IXUSR
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    assert version

    unit = (dest / "etc/systemd/system/siftd.service").read_text()
    assert "ExecStart=/opt/sift/bin/siftd" in unit
    assert "SIFT_DATA_DIR=/opt/sift/share/siftd" in unit
    assert "/usr/local" not in unit
    socket_unit = (dest / "etc/systemd/system/siftd.socket").read_text()
    assert "ListenStream=127.0.0.1:8080" in socket_unit and "/usr/local" not in socket_unit

    socket_unit = (dest / "etc/systemd/system/siftd.socket").read_text()
    assert "FileDescriptorName=http" in socket_unit and "/usr/local" not in socket_unit
    # The replica template (docs/scaling.md), rewritten the same way.
    template = (dest / "etc/systemd/system/siftd@.service").read_text()
    assert "ExecStart=/opt/sift/bin/siftd --listen 127.0.0.1:%i\n" in template
    assert "SIFT_DATA_DIR=/opt/sift/share/siftd" in template and "/usr/local" not in template
    assert "EnvironmentFile=-/etc/siftd/siftd.env" in template
    assert (dest / "opt/sift/share/doc/siftd/examples/nginx-sift.conf").read_text().startswith("# Sift behind nginx")

    config = dest / "etc/siftd/siftd.toml"
    envfile = dest / "etc/siftd/siftd.env"
    assert config.exists() and stat.S_IMODE(envfile.stat().st_mode) == 0o600
    assert (dest / "opt/sift/share/doc/siftd/README.md").exists()
    assert (dest / "opt/sift/share/doc/siftd/api.md").exists()
    assert (dest / "opt/sift/share/siftd/wiki/summaries_en-us.json").read_text().startswith("{")
    dashboards = dest / "opt/sift/share/siftd/dashboards"
    for name in ("README.md", "siftd.json", "siftd.rules.yml", "runbook.md", "tests/traffic.test.yml"):
        assert (dashboards / name).exists(), name
    # The installed rule tests run against the installed rules.
    tests = sorted(str(p) for p in (dashboards / "tests").glob("*.yml"))
    done = subprocess.run(["promtool", "test", "rules", *tests], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.count("SUCCESS") == len(tests), done.stdout + done.stderr
    # The installed lint finds the installed dashboard and runbook.
    lint = dest / "opt/sift/share/siftd/scripts/dashboard_lint.py"
    assert lint.stat().st_mode & stat.S_IXUSR
    paths = subprocess.run(
        ["python3", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import dashboard_lint as d; print(d.DASHBOARD); print(d.RUNBOOK)",
         str(lint.parent)], capture_output=True, text=True, check=True).stdout.split()
    assert paths == [str(dashboards / "siftd.json"), str(dashboards / "runbook.md")]

    # A second install keeps the operator's configuration.
    config.write_text('listen = "127.0.0.1:9999"\n')
    subprocess.run(
        ["make", "-s", "install-files", f"BIN={SIFTD}", f"DESTDIR={dest}", "PREFIX=/opt/sift", f"DATA_DIR={data}"],
        cwd=ROOT, env=env, check=True, capture_output=True)
    assert config.read_text() == 'listen = "127.0.0.1:9999"\n'
