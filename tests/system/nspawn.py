"""Boots this machine's own OS as a throwaway systemd container for system tests.

    systemd-nspawn --register=no --keep-unit --volatile=yes -D / --boot --private-network ...

`--volatile=yes` gives the container a tmpfs root with the host's /usr mounted
read-only, so nothing the tests write survives, and the host is never touched;
`--private-network` gives it its own loopback, so a service inside can bind
127.0.0.1:8080 whatever runs on the host. Booting takes about a second.

Reaching the inside:
- `run(*cmd)`: a command in all of the container's namespaces (`nsenter -a`),
  e.g. `systemctl`, `journalctl`.
- `root / "etc/…"`: the container's file system, through /proc/<leader>/root.
- `in_netns(fn, ...)`: calls fn on a worker thread that joined the container's
  network namespace (setns(CLONE_NEWNET) applies to one thread), so every socket
  fn creates lives there; the socket then works from any thread. `connect()`,
  `http()` and `stream()` are built on it; a subprocess started from fn also
  starts in that namespace.
- `netns_prefix()`: `nsenter -t <leader> -n`, to start a host program (one that
  sees the host's files) inside the container's network.
"""
import concurrent.futures
import ctypes
import http.client
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time

from sse import SSEStream

CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def missing_prerequisite():
    """Why this machine cannot run a container at all, or None."""
    if os.geteuid() != 0:
        return "systemd-nspawn needs root"
    for tool, package in (("systemd-nspawn", "systemd-container"), ("nsenter", "util-linux")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (package {package}; `scripts/install-deps.sh test` installs it)"
    return None


def wait_for(condition, timeout, what, interval=0.1):
    """Polls condition() until it returns something truthy, and returns that.

    `what` names the condition in the error; a callable is asked at that moment."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what() if callable(what) else what}")
        time.sleep(interval)


def _join_netns(path):
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"setns({path}): {os.strerror(errno)}")
    finally:
        os.close(fd)


def _terminate_with_parent():
    # In the child before exec: if the test process dies without shutting the
    # container down (killed by a CI timeout), nspawn gets SIGTERM and powers it off.
    if _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        os._exit(127)


class Container:
    """One booted container; `boot()` then `shutdown()` (always, also on failure)."""

    def __init__(self, workdir, bind_ro=(), name=None):
        self.workdir = pathlib.Path(workdir)
        self.bind_ro = list(bind_ro)  # (host path, container path)
        # A unique machine name: nspawn keeps per-name state under /run/systemd/nspawn.
        self.name = name or f"sift-test-{os.getpid()}"
        self.log_path = self.workdir / "nspawn.log"
        self.proc = None
        self.leader = None
        self._netns = None

    # -- life cycle -------------------------------------------------------

    def boot(self, timeout=60):
        args = ["systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--volatile=yes", "-D", "/",
                "--boot", "--private-network", "--console=passive", f"--machine={self.name}"]
        args += [f"--bind-ro={src}:{dst}" for src, dst in self.bind_ro]
        # The host's enabled services boot too. In a private network there is no link for
        # systemd-networkd-wait-online to wait for: it would hold network-online.target, and
        # with it the boot (nginx.service wants it) and siftd@.service, for its 2-minute timeout.
        # nginx (installed for test_replicas.py, which runs its own) is not wanted here either.
        args += ["--", "systemd.firstboot=no", "systemd.mask=systemd-networkd-wait-online.service",
                 "systemd.mask=nginx.service"]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                     preexec_fn=_terminate_with_parent)
        try:
            self.leader = wait_for(self._find_leader, timeout, "the container's init to start")
            # Units are there once systemd has finished booting; a degraded system is
            # fine (some of the host's units, e.g. hardware daemons, fail in a container).
            wait_for(self._booted, timeout, "the container to finish booting", interval=0.2)
        except AssertionError as error:
            self.shutdown()
            raise AssertionError(f"the container did not boot: {error}\nsystemd-nspawn said:\n{self.log_text()}") from None
        except BaseException:
            self.shutdown()
            raise
        self._netns = concurrent.futures.ThreadPoolExecutor(
            max_workers=4, thread_name_prefix=f"netns-{self.name}",
            initializer=_join_netns, initargs=(f"/proc/{self.leader}/ns/net",))
        return self

    def _find_leader(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"systemd-nspawn exited with {self.proc.returncode}")
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                # The container's PID 1 is nspawn's child once it has exec'd systemd.
                comm, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
            except (OSError, ValueError):
                continue
            if int(rest[1]) == self.proc.pid and comm == "systemd":
                return int(entry)
        return None

    def _booted(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"systemd-nspawn exited with {self.proc.returncode}")
        # --wait returns once the boot is done; before D-Bus is up it fails, so poll.
        result = self.run("systemctl", "is-system-running", "--wait", check=False, timeout=60)
        return result.stdout.strip() in ("running", "degraded")

    def shutdown(self, timeout=30):
        """Powers the container off and waits for it; kills it if it does not stop."""
        if self._netns is not None:
            self._netns.shutdown(wait=True)
            self._netns = None
        if self.proc is not None and self.proc.poll() is None:
            # With --boot, nspawn turns SIGTERM into an orderly poweroff (SIGRTMIN+3 to init).
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self._log.close()

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # -- inside the container ---------------------------------------------

    @property
    def root(self):
        """The container's / as seen from the host (write test files here)."""
        return pathlib.Path(f"/proc/{self.leader}/root")

    def run(self, *cmd, check=True, timeout=60, input=None):
        """Runs cmd in every namespace of the container; returns the CompletedProcess (text)."""
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "SYSTEMD_PAGER": "",
               "SYSTEMD_COLORS": "0", "SYSTEMD_LOG_COLOR": "0"}
        result = subprocess.run(["nsenter", "-t", str(self.leader), "-a", *cmd], capture_output=True, text=True,
                                env=env, timeout=timeout, input=input)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited with {result.returncode}:\n{result.stdout}{result.stderr}")
        return result

    def systemctl(self, *args, check=True, timeout=60):
        return self.run("systemctl", "--no-pager", "--no-ask-password", *args, check=check, timeout=timeout)

    def show(self, unit, *properties):
        """`systemctl show -p …` as a dict."""
        out = self.systemctl("show", unit, *(f"--property={p}" for p in properties)).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def journal(self, *args):
        """`journalctl -o json …` as a list of dicts."""
        out = self.run("journalctl", "--no-pager", "-o", "json", *args).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def journal_cursor(self):
        """A cursor just after the newest entry: pass `--after-cursor=` to read only what follows."""
        out = self.run("journalctl", "--no-pager", "-n", "1", "-o", "json").stdout.strip()
        return json.loads(out.splitlines()[-1])["__CURSOR"] if out else None

    # -- the container's network ------------------------------------------

    def netns_prefix(self):
        """Prefix a host command with this to run it in the container's network namespace."""
        return ["nsenter", "-t", str(self.leader), "-n"]

    def in_netns(self, fn, *args, **kwargs):
        """Calls fn on a thread inside the container's network namespace and returns its result."""
        return self._netns.submit(fn, *args, **kwargs).result()

    def connect(self, port, host="127.0.0.1", timeout=30):
        return self.in_netns(socket.create_connection, (host, port), timeout)

    def http(self, method, port, path, body=None, headers=None, timeout=30):
        """One HTTP request inside the container: (status, lower-cased headers, body bytes)."""
        def request():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            try:
                conn.request(method, path, body=body, headers=headers or {})
                response = conn.getresponse()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            finally:
                conn.close()
        return self.in_netns(request)

    def stream(self, port, path, headers=None, timeout=30):
        """An SSEStream connected inside the container (read it from any thread)."""
        return self.in_netns(SSEStream, port, path, headers, timeout)
