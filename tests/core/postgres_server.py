"""A throwaway PostgreSQL + PostGIS server for the publish tests (``postgis_server`` fixture).

``initdb`` in a temporary folder, started on a free local port with its unix socket in that folder,
stopped and removed at the end of the session. PostgreSQL refuses to run as root, so under root
(CI containers) the server runs as the ``postgres`` user that the Debian packages create, through
``runuser``. Local (socket) connections are trusted; TCP connections need a password (scram), so
the tests can check that a wrong password is reported without being shown.

Databases: ``gis`` (PostGIS enabled; the role ``inspecteur`` may create schemas in it) and ``plain``
(without PostGIS). ``.ci/run`` installs the packages (``postgresql-15-postgis-3``) when missing; the
tests are skipped, saying why, only when they are not installed or the server does not start.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "Pw-inspecteur-7Q"
"""The ``inspecteur`` role's password (TCP connections)."""


@dataclass(frozen=True)
class Server:
    socket_dir: str
    port: int

    def dsn(self, dbname: str = "gis", tcp: bool = False, user: str = "", password: str | None = None) -> str:
        host = "127.0.0.1" if tcp else self.socket_dir
        user = user or ("inspecteur" if tcp else "postgres")
        text = f"host={host} port={self.port} dbname={dbname} user={user}"
        return text + (f" password={password}" if password is not None else "")


def _binaries() -> Path | None:
    """The bin folder of the newest PostgreSQL that has PostGIS installed."""
    for initdb in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]),
                         reverse=True):
        version = initdb.split("/")[4]
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").is_file():
            return Path(initdb).parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start() -> tuple[Server | None, str, callable]:
    """Start a server: (server, reason when None, stop function)."""
    bin_dir = _binaries()
    if bin_dir is None:
        return None, ("PostgreSQL with PostGIS is not installed (apt-get install postgresql-15-postgis-3; "
                      ".ci/run installs it)"), lambda: None
    try:
        import psycopg
    except ImportError:
        return None, 'psycopg is not installed (pip install -e ".[postgis]")', lambda: None
    prefix: list[str] = []
    # under root the server runs as 'postgres', which must reach the folder: /tmp, not a private TMPDIR
    root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="roadinspect-pg-", dir="/tmp" if root and os.path.isdir("/tmp") else None))
    if root:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            return None, "running as root and there is no 'postgres' user to run PostgreSQL as", lambda: None
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log = folder / "data", folder / "server.log"
    port = _free_port()

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=timeout, cwd=folder)

    def stop() -> None:
        with_data = data.is_dir()
        if with_data:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(folder, ignore_errors=True)

    try:
        done = run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8", "--locale=C",
                   "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
        if done.returncode != 0:
            stop()
            return None, f"initdb failed: {done.stderr.strip()[-300:]}", lambda: None
        options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c shared_buffers=32MB -c max_connections=20")
        done = run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60", "start")
        if done.returncode != 0:
            reason = log.read_text(errors="replace")[-300:] if log.exists() else done.stderr[-300:]
            stop()
            return None, f"the PostgreSQL server did not start: {reason.strip()}", lambda: None
    except (OSError, subprocess.TimeoutExpired) as exc:
        stop()
        return None, f"the PostgreSQL server could not be started: {exc}", lambda: None
    server = Server(str(folder), port)
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg.connect(server.dsn("postgres"), autocommit=True)
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                stop()
                return None, "the PostgreSQL server does not accept connections", lambda: None
            time.sleep(0.2)
    with conn:
        conn.execute("CREATE DATABASE gis")
        conn.execute("CREATE DATABASE plain")
        conn.execute(f"CREATE ROLE inspecteur LOGIN PASSWORD '{PASSWORD}'")
        conn.execute("GRANT CREATE, CONNECT ON DATABASE gis TO inspecteur")
        conn.execute("GRANT CREATE, CONNECT ON DATABASE plain TO inspecteur")
    with psycopg.connect(server.dsn("gis"), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    return server, "", stop
