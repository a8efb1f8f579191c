"""Private service instances for the fault tests: each test starts its own Redis,
Elasticsearch node, PostgreSQL cluster or django-q2 cluster on free loopback ports in
temporary directories, stops and starts it as the fault requires, and removes it at
teardown. The shared services (deploy/services.sh) are never touched.

As root (CI), PostgreSQL and Elasticsearch run as their system users (`postgres`,
`elasticsearch`), which refuse root; as any other user they run as that user.
"""

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.chat.servers import ROOT, RedisServer, Server, free_port
from tests.conftest import require_service

__all__ = [
    "ROOT",
    "PrivateElasticsearch",
    "PrivatePostgres",
    "QCluster",
    "RedisServer",
    "Server",
    "current_database_url",
    "free_port",
    "http_get",
    "make_chat_room",
    "require_postgres_test_database",
    "require_redis_server",
    "wait_until",
]

# Where deploy/services.sh installs Elasticsearch (OPENLAB_SERVICES_HOME, as there).
ES_HOME_GLOB = f"{os.environ.get('OPENLAB_SERVICES_HOME', '/opt/openlab')}/elasticsearch-*"
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def _version_key(path):
    return [
        int(part) if part.isdigit() else part for part in Path(path).name.split("-")[-1].split(".")
    ]


def _tail(path, chars=3000):
    path = Path(path)
    return path.read_text(errors="replace")[-chars:] if path.exists() else f"(no {path})"


def _kill_group(proc, first=signal.SIGTERM, grace=20):
    """Signal the process group of `proc` (started with start_new_session) and reap it."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, first)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _group_alive(pgid):
    """True while any process of process group `pgid` still exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_group_gone(pgid, timeout=15):
    deadline = time.monotonic() + timeout
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _group_alive(pgid)


class _ServiceUser:
    """Run commands as `name` when we are root (the services refuse root), else as ourselves."""

    def __init__(self, name):
        self.as_root = os.geteuid() == 0
        self.name = name if self.as_root else pwd.getpwuid(os.geteuid()).pw_name
        if self.as_root:
            try:
                pwd.getpwnam(name)
            except KeyError:
                require_service(name, f"system user {name!r} does not exist")

    def command(self, argv):
        return ["runuser", "-u", self.name, "--", *argv] if self.as_root else list(argv)

    def own(self, path):
        if self.as_root:
            entry = pwd.getpwnam(self.name)
            for dirpath, _dirs, files in os.walk(path):
                os.chown(dirpath, entry.pw_uid, entry.pw_gid)
                for name in files:
                    os.chown(os.path.join(dirpath, name), entry.pw_uid, entry.pw_gid)


def require_redis_server():
    if not shutil.which("redis-server"):
        require_service("redis-server", "the redis-server binary is not on PATH")


def require_postgres_test_database():
    """The fault tests that share the test database with subprocesses (a worker, a site)
    need it on PostgreSQL: SQLite's test database lives in the test process's memory."""
    from django.db import connection

    if connection.vendor != "postgresql":
        require_service("PostgreSQL", "the test database is not PostgreSQL (DATABASE_URL)")


def current_database_url():
    """The URL of the (PostgreSQL) test database, for subprocesses and pg_dump."""
    from django.db import connection

    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def make_chat_room():
    """Two partners of a project (アリス of the lead, ボブ of a partner) and its chat room, with
    a logged-in session each: {"room", "alice", "bob", "sessions": {name: session key}}."""
    from openlab.accounts.models import Role
    from openlab.chat.services import room_for_project
    from tests.chat.conftest import make_user
    from tests.chat.wsutil import session_key_for
    from tests.factories import ProjectFactory, StakeholderFactory

    lead = StakeholderFactory(title="くめがわこども食堂")
    partner = StakeholderFactory(title="森田農園")
    alice = make_user(Role.PARTNER, lead, "alice", "アリス")
    bob = make_user(Role.PARTNER, partner, "bob", "ボブ")
    project = ProjectFactory(title="フードロス削減プロジェクト", lead=lead)
    project.partners.set([partner])
    project.save()
    room = room_for_project(project)
    sessions = {"alice": session_key_for(alice), "bob": session_key_for(bob)}
    return {"room": room, "alice": alice, "bob": bob, "sessions": sessions}


def wait_until(predicate, timeout, interval=0.3):
    """Poll `predicate` (synchronous code) until it is true or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def http_get(url, timeout=30):
    """(status, text) of a GET; HTTP errors are answers too. No proxy: loopback only."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


# --- Elasticsearch -------------------------------------------------------------------------


class PrivateElasticsearch:
    """A single-node Elasticsearch of the test: the shared install (/opt/openlab), its own
    config copy, data, logs and ports under a temporary directory; stop() kills it like a
    crash, start() again recovers the same data."""

    def __init__(self, heap="512m"):
        homes = sorted(glob.glob(ES_HOME_GLOB), key=_version_key)
        homes = [home for home in homes if os.access(f"{home}/bin/elasticsearch", os.X_OK)]
        if not homes:
            require_service("Elasticsearch", f"no install matches {ES_HOME_GLOB}")
        java = shutil.which("java")
        if not java:
            require_service("Elasticsearch", "java is not on PATH")
        self.home = Path(homes[-1])
        self.java_home = str(Path(os.path.realpath(java)).parent.parent)
        self.user = _ServiceUser("elasticsearch")
        self.heap = heap
        self.http_port = free_port()
        self.transport_port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="openlab-fault-es-"))
        for name in ("data", "logs", "tmp"):
            (self.base / name).mkdir()
        shutil.copytree(self.home / "config", self.base / "config")
        self.user.own(self.base)
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, timeout=150):
        argv = [
            "env",
            f"ES_JAVA_HOME={self.java_home}",
            f"ES_PATH_CONF={self.base / 'config'}",
            f"ES_TMPDIR={self.base / 'tmp'}",
            # C1 only: a short-lived test node starts much faster without the C2 compiler.
            f"ES_JAVA_OPTS=-Xms{self.heap} -Xmx{self.heap} -XX:TieredStopAtLevel=1",
            str(self.home / "bin" / "elasticsearch"),
            "-E", f"cluster.name=openlab-fault-{self.http_port}",
            "-E", "node.name=fault-1",
            "-E", "discovery.type=single-node",
            "-E", "network.host=127.0.0.1",
            "-E", f"http.port={self.http_port}",
            "-E", f"transport.port={self.transport_port}",
            "-E", f"path.data={self.base / 'data'}",
            "-E", f"path.logs={self.base / 'logs'}",
            "-E", "xpack.security.enabled=false",
            "-E", "cluster.routing.allocation.disk.threshold_enabled=false",
        ]  # fmt: skip
        log = open(self.base / "stdout.log", "ab")  # noqa: SIM115 - kept by the process
        self.proc = subprocess.Popen(
            self.user.command(argv), cwd=self.home, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"private Elasticsearch exited: {self.log_tail()}")
            if self.answers():
                return self
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"private Elasticsearch did not answer in {timeout}s: {self.log_tail()}")

    def answers(self):
        try:
            status, _body = http_get(
                f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s", timeout=5
            )
        except OSError:  # refused, reset, timed out (URLError is an OSError)
            return False
        return status == 200

    def stop(self):
        """Kill the node (the fault): SIGKILL to the whole process group."""
        if self.proc is not None:
            pgid = self.proc.pid
            _kill_group(self.proc, first=signal.SIGKILL)
            _wait_group_gone(pgid)
        self.proc = None

    def log_tail(self):
        logs = sorted((self.base / "logs").glob("*.log"))
        return _tail(self.base / "stdout.log") + "".join(_tail(path, 2000) for path in logs)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


# --- PostgreSQL -------------------------------------------------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster of the test (initdb, pg_ctl) on a free port in a temporary
    directory, with trust authentication on loopback only."""

    def __init__(self):
        bindirs = sorted(glob.glob(PG_BIN_GLOB), key=lambda p: _version_key(Path(p).parent))
        bindirs = [d for d in bindirs if os.access(f"{d}/initdb", os.X_OK)]
        if bindirs:
            self.bin = Path(bindirs[-1])
        elif shutil.which("initdb") and shutil.which("pg_ctl"):
            self.bin = Path(os.path.realpath(shutil.which("initdb"))).parent
        else:
            require_service("PostgreSQL", f"no initdb/pg_ctl under {PG_BIN_GLOB} or on PATH")
        self.user = _ServiceUser("postgres")
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="openlab-fault-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.user.own(self.base)
        self.started = False

    def url(self, database="openlab"):
        return f"postgres://{self.user.name}@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv, timeout=120):
        result = subprocess.run(
            self.user.command([str(self.bin / argv[0]), *argv[1:]]),
            capture_output=True, text=True, timeout=timeout, cwd=self.base,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(
                f"{argv[0]} failed ({result.returncode}): {result.stdout}{result.stderr}"
                f"\n{_tail(self.log)}"
            )
        return result.stdout

    def init(self):
        self._run(
            "initdb", "-D", str(self.data), "-U", self.user.name, "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        return self

    def _options(self):
        # Loopback TCP only; the socket directory is ours. fsync off: throwaway data.
        return (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )

    def start(self):
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(), "-w",
            "-t", "60", "start",
        )  # fmt: skip
        self.started = True
        return self

    def restart(self):
        """`pg_ctl restart -m fast`: every open connection is terminated."""
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(), "-m",
            "fast", "-w", "-t", "60", "restart",
        )  # fmt: skip

    def createdb(self, name="openlab"):
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user.name, name)
        return self.url(name)

    def copy_database(self, source_url, name="openlab"):
        """A new database `name` holding what `source_url` holds (a migrated database: the
        test database), by pg_dump | psql: seconds, where `migrate` takes a minute."""
        target = self.createdb(name)
        dump = subprocess.run(
            [str(self.bin / "pg_dump"), "--no-owner", "--no-privileges", "-d", source_url],
            capture_output=True, timeout=300, check=True,
        )  # fmt: skip
        subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target],
            input=dump.stdout, capture_output=True, timeout=300, check=True,
        )  # fmt: skip
        return target

    def cleanup(self):
        if self.started:
            with contextlib.suppress(Exception):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.started = False
        shutil.rmtree(self.base, ignore_errors=True)


# --- django-q2 --------------------------------------------------------------------------------

WORKER_SETTINGS = """\
# Written by tests/reliability/services.py: the test settings, with tasks going through
# the ORM broker (not inline) and e-mails written to files the test can count.
from openlab.settings.test import *  # noqa: F403

Q_CLUSTER = {{
    **Q_CLUSTER,  # noqa: F405
    "sync": False,
    "scheduler": False,
    "workers": {workers},
    "timeout": {timeout},
    "retry": {retry},
    "poll": 0.2,
}}
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = {mail_dir!r}
"""


class QCluster:
    """`manage.py qcluster` as a subprocess on the given database, with short `timeout` and
    `retry` (the production values are minutes); the same ORM broker and task code."""

    def __init__(self, workdir, database_url, timeout, retry, workers=1, extra_env=None):
        assert retry > timeout, "retry must exceed timeout, as in openlab/settings/base.py"
        self.workdir = Path(workdir)
        self.mail_dir = self.workdir / "mail"
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        settings_dir = self.workdir / "settings"
        settings_dir.mkdir(exist_ok=True)
        (settings_dir / "fault_worker_settings.py").write_text(
            WORKER_SETTINGS.format(
                workers=workers, timeout=timeout, retry=retry, mail_dir=str(self.mail_dir)
            )
        )
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "fault_worker_settings",
            "PYTHONPATH": os.pathsep.join([str(settings_dir), str(ROOT)]),
            "DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
            # Only the services the test names: never the shared Elasticsearch or Redis.
            "ELASTICSEARCH_URL": "",
            **(extra_env or {}),
        }
        self.env.pop("REDIS_URL", None)
        self.proc = None
        self.runs = 0

    @property
    def log_path(self):
        return self.workdir / "qcluster.log"

    def start(self):
        self.runs += 1
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept by the process
        log.write(f"\n--- qcluster start {self.runs} ---\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=self.env, stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        log.close()
        return self

    def kill(self):
        """SIGKILL to every process of the cluster (sentinel, pusher, workers, monitor) at once,
        as when the machine or container dies: nothing gets to clean up."""
        pgid = self.proc.pid
        os.killpg(pgid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None
        return _wait_group_gone(pgid)

    def stop(self):
        """A graceful stop (SIGTERM to the cluster's main process), then nothing left over."""
        if self.proc is None:
            return
        pgid = self.proc.pid
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=30)
        _kill_group(self.proc, first=signal.SIGKILL)
        if _group_alive(pgid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        self.proc = None

    def run_in_site(self, code):
        """Runs `code` in a process of the site's own (`manage.py shell -c`) with the cluster's
        settings: what it does enqueues tasks through the ORM broker, as in production, where
        the test process runs them inline. Returns the last line the code printed."""
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.strip().splitlines()[-1]

    def mails_to(self, address):
        """How many e-mails to `address` were written (the file backend appends each message
        to a file per connection)."""
        return sum(
            path.read_text(errors="replace").count(f"\nTo: {address}\n")
            for path in self.mail_dir.glob("*.log")
        )

    def log_tail(self):
        return _tail(self.log_path)
