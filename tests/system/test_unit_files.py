"""Static checks of the systemd units (siftd.service and the replica template
siftd@.service) and the configuration samples in systemd/.

They need systemd-analyze (package systemd, 252 here) but no running systemd:
`security --offline=true` and `verify` only read unit files. Booting the unit
for real (systemd-nspawn) is a separate, slower test.
"""
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, SIFTD

SYSTEMD_DIR = os.path.join(ROOT, "systemd")
UNIT = os.path.join(SYSTEMD_DIR, "siftd.service")
TEMPLATE = os.path.join(SYSTEMD_DIR, "siftd@.service")
ENV_EXAMPLE = os.path.join(SYSTEMD_DIR, "siftd.env.example")
TOML_EXAMPLE = os.path.join(SYSTEMD_DIR, "siftd.toml.example")
INSTALLED_BINARY = "/usr/local/bin/siftd"
MAX_EXPOSURE = 1.5

ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed (package systemd)")


def analyze(*args):
    # A clean environment: no SYSTEMD_* overrides or locale surprises from the caller.
    env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "LANG": "C.UTF-8",
           "SYSTEMD_COLORS": "0", "SYSTEMD_PAGER": "", "SYSTEMD_LOG_COLOR": "0"}
    return subprocess.run([ANALYZE, *args], capture_output=True, env=env, timeout=60)


def unit_copy(tmp_path, exec_path, extra="", unit=UNIT, name=None):
    """The unit with ExecStart= pointing at a binary that exists on this machine.

    `verify` fails when the ExecStart binary is missing, and /usr/local/bin/siftd
    is not installed on a build or CI machine. The copy keeps the unit's name
    (verify derives the unit name from it; `name` gives an instance's, such as
    siftd@8081.service) and changes nothing else."""
    text = open(unit, encoding="utf-8").read()
    start = re.findall(r"^ExecStart=" + re.escape(INSTALLED_BINARY) + r"(?: .*)?$", text, re.M)
    assert len(start) == 1, f"{os.path.basename(unit)} should have exactly one ExecStart={INSTALLED_BINARY}…"
    path = tmp_path / (name or os.path.basename(unit))
    copied = text.replace(start[0], start[0].replace(INSTALLED_BINARY, str(exec_path), 1))
    path.write_text(copied.replace("[Service]\n", "[Service]\n" + extra, 1))
    return path


def existing_executable():
    if os.access(SIFTD, os.X_OK):
        return SIFTD
    return shutil.which("true") or "/bin/true"


def exposure(path):
    """systemd-analyze security's overall exposure of the unit file at path, and its ✗ lines."""
    result = analyze("security", "--offline=true", "--no-pager", str(path))
    out = result.stdout.decode("utf-8", "replace")
    err = result.stderr.decode("utf-8", "replace")
    match = re.search(r"Overall exposure level for \S+:\s*([0-9]+(?:\.[0-9]+)?)", out)
    assert match, f"no exposure line (exit {result.returncode}):\n{out}\n{err}"
    assert err == "", f"systemd-analyze security complained about {path}:\n{err}"
    return float(match.group(1)), "\n".join(line for line in out.splitlines() if line.startswith("✗"))


@needs_analyze
def test_security_exposure_is_low():
    level, exposed = exposure(UNIT)
    assert level <= MAX_EXPOSURE, f"exposure {level} > {MAX_EXPOSURE}:\n{exposed}"


@needs_analyze
def test_replica_template_is_as_hardened_as_the_service(tmp_path):
    # The template as a file, and as an instance (specifiers resolved for port 8081).
    service_level, _ = exposure(UNIT)
    for path in (TEMPLATE, unit_copy(tmp_path, existing_executable(), unit=TEMPLATE, name="siftd@8081.service")):
        level, exposed = exposure(path)
        assert level <= service_level, f"{path}: exposure {level} > siftd.service's {service_level}:\n{exposed}"


@needs_analyze
def test_verify_is_clean(tmp_path):
    result = analyze("verify", "--man=no", str(unit_copy(tmp_path, existing_executable())))
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0 and err == "", f"systemd-analyze verify (exit {result.returncode}):\n{err}"


@needs_analyze
def test_replica_template_verifies_as_template_and_as_instances(tmp_path):
    template = unit_copy(tmp_path, existing_executable(), unit=TEMPLATE)
    instances = [unit_copy(tmp_path, existing_executable(), unit=TEMPLATE, name=f"siftd@{port}.service")
                 for port in (8081, 8082)]
    for paths in ([template], instances):
        result = analyze("verify", "--man=no", *map(str, paths))
        err = result.stderr.decode("utf-8", "replace")
        assert result.returncode == 0 and err == "", f"systemd-analyze verify {paths} (exit {result.returncode}):\n{err}"
    # And verify reads the template: a mistake in it is reported.
    (tmp_path / "broken").mkdir()
    broken = unit_copy(tmp_path / "broken", existing_executable(), "NoSuchSetting=yes\n", unit=TEMPLATE)
    assert "NoSuchSetting" in analyze("verify", "--man=no", str(broken)).stderr.decode("utf-8", "replace")


SOCKET = os.path.join(os.path.dirname(UNIT), "siftd.socket")


@needs_analyze
def test_socket_unit_verifies_with_the_service(tmp_path):
    service = unit_copy(tmp_path, existing_executable())
    socket_copy = tmp_path / "siftd.socket"
    socket_copy.write_text(open(SOCKET, encoding="utf-8").read())
    result = analyze("verify", "--man=no", str(service), str(socket_copy))
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0 and err == "", f"systemd-analyze verify (exit {result.returncode}):\n{err}"


def directives(path):
    """The unit's `Key=value` lines (comments and sections dropped), in order."""
    lines = []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            lines.append((key, value))
    return lines


def test_service_has_the_promised_supervision_and_sandbox():
    found = directives(UNIT)
    keys = {key for key, _ in found}
    for key, value in [("Type", "notify"), ("Restart", "on-failure"), ("DynamicUser", "yes"),
                       ("ProtectSystem", "strict"), ("PrivateTmp", "yes"), ("NoNewPrivileges", "yes"),
                       ("CapabilityBoundingSet", ""), ("MemoryDenyWriteExecute", "yes"),
                       ("StateDirectory", "siftd"), ("CacheDirectory", "siftd"),
                       ("LoadCredential", "brave-api-key"), ("LoadCredential", "llm-api-key"),
                       ("SystemCallFilter", "@system-service"), ("ExecReload", "/bin/kill -HUP $MAINPID")]:
        assert (key, value) in found, f"siftd.service lacks {key}={value}"
    assert {"WatchdogSec", "RestrictAddressFamilies"} <= keys


# What the template may set differently from siftd.service; every other line is the same, in the same order.
TEMPLATE_OWN = {"Description", "Documentation", "Wants", "After", "ExecStart", "Environment", "EnvironmentFile",
                "User", "StateDirectory", "CacheDirectory", "LoadCredential"}


def test_replica_template_keeps_the_service_settings_and_adds_its_own():
    service, template = directives(UNIT), directives(TEMPLATE)
    assert [d for d in template if d[0] not in TEMPLATE_OWN] == [d for d in service if d[0] not in TEMPLATE_OWN]
    # One port per instance, given as a flag (siftd.env cannot move it); the replica's identity.
    assert ("ExecStart", INSTALLED_BINARY + " --listen 127.0.0.1:%i") in template
    assert ("Environment", "SIFT_REPLICA_ID=%H:%i") in template
    # The shared environment file (SIFT_DATABASE_URL), then the replica's own, both optional.
    files = [value for key, value in template if key == "EnvironmentFile"]
    assert files == ["-/etc/siftd/siftd.env", "-/etc/siftd/siftd@%i.env"]
    # Its own dynamic user and directories: no two replicas build or lock one index.
    for key, value in [("DynamicUser", "yes"), ("User", "siftd-%i"), ("StateDirectory", "siftd-%i"),
                       ("CacheDirectory", "siftd-%i"), ("LoadCredential", "database-password")]:
        assert (key, value) in template, f"siftd@.service lacks {key}={value}"
    # Everything siftd.service passes, the template passes too.
    for key in ("Environment", "LoadCredential"):
        assert {v for k, v in service if k == key} <= {v for k, v in template if k == key}, key
    # Started after the network and a local PostgreSQL; no socket unit.
    assert ("After", "network-online.target postgresql.service") in template
    assert not any("siftd.socket" in value for _, value in template)


def test_socket_passes_a_named_stream_socket():
    found = dict(directives(SOCKET))
    assert found.get("FileDescriptorName") == "http"  # what siftd looks for in LISTEN_FDNAMES
    assert found.get("ListenStream") == "127.0.0.1:8080"  # the same default as `listen`
    assert found.get("Accept", "no") == "no"


@needs_analyze
def test_verify_would_catch_a_mistake(tmp_path):
    # Guards the test above against passing vacuously (say, verify not reading the copy).
    result = analyze("verify", "--man=no", str(unit_copy(tmp_path, existing_executable(), "NoSuchSetting=yes\n")))
    assert "NoSuchSetting" in result.stderr.decode("utf-8", "replace")


def help_text():
    if not os.access(SIFTD, os.X_OK):
        pytest.skip(f"siftd binary not built at {SIFTD} (set SIFTD)")
    result = subprocess.run([SIFTD, "--help"], capture_output=True, timeout=30, env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    return result.stdout.decode()


def test_env_example_names_every_variable_and_only_known_ones():
    help_out = help_text()
    known = set(re.findall(r"env:\s+(SIFT_[A-Z0-9_]+)", help_out))
    assert "SIFT_LISTEN" in known, help_out
    named = set(re.findall(r"\bSIFT_[A-Z0-9_]+", open(ENV_EXAMPLE, encoding="utf-8").read()))
    assert named <= known, f"unknown to siftd: {sorted(named - known)}"
    assigned = set(re.findall(r"^#?(SIFT_[A-Z0-9_]+)=", open(ENV_EXAMPLE, encoding="utf-8").read(), re.M))
    assert assigned == known, f"missing from siftd.env.example: {sorted(known - assigned)}"


def test_toml_example_keys_are_known_and_accepted(tmp_path):
    help_out = help_text()
    known = set(re.findall(r"file:\s+([a-z_]+)", help_out))
    assert "listen" in known, help_out
    # Uncomment the first sample value of every key and let siftd check the file.
    chosen = {}
    for line in open(TOML_EXAMPLE, encoding="utf-8"):
        m = re.match(r"#([a-z_]+) = (.+)$", line.rstrip("\n"))
        if m:
            chosen.setdefault(m.group(1), m.group(2))
    assert set(chosen) == known, f"unknown: {sorted(set(chosen) - known)}, missing: {sorted(known - set(chosen))}"
    config = tmp_path / "siftd.toml"
    config.write_text("".join(f"{k} = {v}\n" for k, v in chosen.items()))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SIFT_CONFIG": str(config)}
    result = subprocess.run([SIFTD, "--check-config"], capture_output=True, timeout=30, env=env)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    # The sample as shipped (everything commented out) is valid too.
    env["SIFT_CONFIG"] = TOML_EXAMPLE
    result = subprocess.run([SIFTD, "--check-config"], capture_output=True, timeout=30, env=env)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
