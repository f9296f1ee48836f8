"""A real PostgreSQL (Debian's postgresql-15) for system tests and benchmarks.

    pg = PostgreSQL()                 # initdb in a fresh temporary directory, as an unprivileged user
    pg.start()                        # pg_ctl start on 127.0.0.1:<free port>, socket inside the directory
    url = pg.create_database("sift")  # a role and a database for siftd; returns its postgres:// URL
    pg.stop()                         # pg_ctl stop -m fast, bounded; -m immediate, then SIGKILL if it hangs
    pg.start()                        # the same cluster again, on the same port (an outage and recovery)
    pg.crash()                        # SIGKILL to the server and its backends; start() recovers
    pg.destroy()                      # stop and remove the directory

PostgreSQL refuses to run as root. When the tests run as root, initdb, pg_ctl and
psql run as an unprivileged system user (`sift-test`, created once with `useradd
--system`; `nobody` if that fails) that owns the temporary directory; otherwise
as the current user. The server listens on 127.0.0.1 only, with its Unix socket
in the temporary directory, so it never meets a system PostgreSQL on 5432.
Connections over TCP need a password (scram-sha-256), as siftd's will in
production; the superuser `postgres` reaches it over the socket without one.

Nothing here uses the pytest machinery: scripts/bench_store.py imports it too.
Only the standard library; every wait is bounded.
"""
import atexit
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

TEST_USER = "sift-test"


def pg_bin_dir():
    """Where initdb, pg_ctl, postgres and psql live: $PG_BIN, else the newest /usr/lib/postgresql/N/bin."""
    if os.environ.get("PG_BIN"):
        return os.environ["PG_BIN"]
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: no /usr/lib/postgresql/*/bin/pg_ctl "
                           "(package postgresql-15; `scripts/install-deps.sh test` installs it)")
    return os.path.dirname(found[-1])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unprivileged_user():
    """(uid, gid, name) to run servers as: the current user, or, as root, `sift-test` (created if missing)."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return entry.pw_uid, entry.pw_gid, entry.pw_name
    try:
        entry = pwd.getpwnam(TEST_USER)
    except KeyError:
        created = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
             "--user-group", "--comment", "Sift system tests (PostgreSQL, nginx)", TEST_USER],
            capture_output=True, timeout=30)
        try:
            entry = pwd.getpwnam(TEST_USER)
        except KeyError:
            entry = pwd.getpwnam("nobody")
            if created.returncode != 0:
                print(f"pg.py: useradd {TEST_USER} failed ({created.stderr.decode().strip()}); using nobody")
    return entry.pw_uid, entry.pw_gid, entry.pw_name


def owned_tempdir(prefix, uid, gid):
    """A new directory under the system temp dir (world-traversable /tmp), owned by uid:gid, mode 0700."""
    path = tempfile.mkdtemp(prefix=prefix)
    os.chown(path, uid, gid)
    return path


def run_as(uid, gid, cmd, timeout, env=None, check=True, **kwargs):
    """Runs cmd as uid:gid (dropping root's supplementary groups), bounded by `timeout` seconds."""
    if os.geteuid() == 0:
        kwargs.update(user=uid, group=gid, extra_groups=[])
    result = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, **kwargs)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {result.returncode}:\n"
                           f"{result.stdout.decode(errors='replace')}{result.stderr.decode(errors='replace')}")
    return result


class PostgreSQL:
    """One throwaway cluster. `durable=False` (tests) turns fsync off; benchmarks keep the defaults."""

    def __init__(self, durable=False, port=None):
        self.bin = pg_bin_dir()
        self.uid, self.gid, self.user = unprivileged_user()
        self.dir = owned_tempdir("sift-pg-", self.uid, self.gid)
        self.data = os.path.join(self.dir, "data")
        self.socket_dir = os.path.join(self.dir, "sock")
        self.log_path = os.path.join(self.dir, "postgres.log")
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.durable = durable
        self.env = {"PATH": f"{self.bin}:/usr/bin:/bin", "HOME": self.dir, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                    "PGHOST": self.socket_dir, "PGPORT": str(self.port), "PGUSER": "postgres"}
        self._postmaster = None
        self._run(["mkdir", "-m", "0700", self.socket_dir], timeout=10)
        self._run([os.path.join(self.bin, "initdb"), "-D", self.data, "-U", "postgres", "-E", "UTF8",
                   "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"], timeout=120)
        atexit.register(self._kill_quietly)

    def _run(self, cmd, timeout, check=True, stdin=None):
        return run_as(self.uid, self.gid, cmd, timeout, env=self.env, check=check, cwd=self.dir, input=stdin)

    def _options(self):
        options = [f"-c listen_addresses={self.host}", f"-c port={self.port}",
                   f"-c unix_socket_directories={self.socket_dir}", "-c max_connections=200",
                   "-c log_min_messages=warning", "-c log_connections=off"]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        return " ".join(options)

    # MARK: lifecycle

    def start(self, timeout=30):
        """pg_ctl start, waiting (bounded) until it accepts connections."""
        self._run([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l", self.log_path, "-o", self._options(),
                   "-w", "-t", str(timeout), "start"], timeout=timeout + 10)
        self._postmaster = self.postmaster_pid()
        return self

    def stop(self, mode="fast", timeout=10):
        """pg_ctl stop -m mode; if that does not finish in `timeout` s, -m immediate, then SIGKILL.

        `fast` disconnects every client (an outage as siftd sees it); `immediate` is a crash."""
        if not self.running():
            return
        result = self._run([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", mode, "-w", "-t", str(timeout),
                            "stop"], timeout=timeout + 10, check=False)
        if result.returncode != 0 and self.running():
            self._run([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "-t", "5", "stop"],
                      timeout=15, check=False)
        if self.running():
            self._kill_quietly()
        deadline = time.monotonic() + 10
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.running():
            raise RuntimeError(f"PostgreSQL (pid {self._postmaster}) did not stop")
        self._postmaster = None

    def crash(self):
        """SIGKILL to the server and its backends, as a crash; start() recovers the cluster."""
        self._kill_quietly()

    def restart(self, timeout=30):
        self.stop()
        return self.start(timeout)

    def destroy(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def postmaster_pid(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def _ours(self, pid):
        """Whether pid is this cluster's postmaster (alive, not a zombie, serving our data directory):
        a pid alone could by now belong to another process."""
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(") ", 1)[1][0] == "Z":
                    return False  # exited; pg_ctl's child was reparented and waits to be reaped
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return self.data.encode() in f.read().split(b"\0")
        except (OSError, IndexError):
            return False

    def running(self):
        pid = self._postmaster or self.postmaster_pid()
        return pid is not None and self._ours(pid)

    def _children(self, pid):
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        if int(f.read().split(") ", 1)[1].split()[1]) == pid:
                            found.append(int(entry))
                except (OSError, IndexError, ValueError):
                    pass
        return found

    def _kill_quietly(self):
        """SIGKILL to the postmaster and its backends (a crash), waiting (bounded) until they are gone."""
        pid = self._postmaster or self.postmaster_pid()
        if not pid or not self._ours(pid):
            return
        victims = [pid] + self._children(pid)
        for victim in victims:
            try:
                os.kill(victim, signal.SIGKILL)
            except OSError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(self._alive(v) for v in victims):
            time.sleep(0.05)
        # The killed postmaster leaves its lock file. Where no init reaps orphans (some
        # sandboxes), its pid stays taken by a zombie and a new postmaster would refuse to
        # start: the process is gone, so the lock goes too.
        if not any(self._alive(v) for v in victims):
            for lock in (os.path.join(self.data, "postmaster.pid"),
                         os.path.join(self.socket_dir, f".s.PGSQL.{self.port}.lock")):
                try:
                    os.unlink(lock)
                except FileNotFoundError:
                    pass
        self._postmaster = None

    @staticmethod
    def _alive(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().split(") ", 1)[1][0] != "Z"
        except (OSError, IndexError):
            return False

    # MARK: SQL

    def psql(self, sql, database="postgres", timeout=30):
        """Runs sql as the superuser over the Unix socket; returns the rows as text (tab-separated, unaligned)."""
        result = self._run([os.path.join(self.bin, "psql"), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            "-d", database, "-f", "-"], timeout=timeout, stdin=sql.encode())
        return result.stdout.decode().strip()

    def create_database(self, name="sift", role=None, password=None):
        """A login role (default: the database's name) with a password, owning a new database. Returns the URL."""
        role = role or name
        password = password or secrets.token_hex(12)
        exists = self.psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'")
        verb = "ALTER" if exists else "CREATE"
        self.psql(f"{verb} ROLE \"{role}\" LOGIN PASSWORD '{password}'")
        self.psql(f"CREATE DATABASE \"{name}\" OWNER \"{role}\"")
        self.passwords = getattr(self, "passwords", {})
        self.passwords[role] = password
        return self.url(name, role, password)

    def url(self, database, role, password=None):
        """postgres://role[:password]@127.0.0.1:port/database (no password: it comes from elsewhere)."""
        secret = f":{password}" if password else ""
        return f"postgres://{role}{secret}@{self.host}:{self.port}/{database}"

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""
