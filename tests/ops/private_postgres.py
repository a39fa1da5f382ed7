"""A PostgreSQL cluster of the test's own, which a test may stop and restart (the shared
server on 5432 is never touched). ``initdb`` runs as the ``postgres`` OS user into a fresh
directory; the server listens on 127.0.0.1:8597 only, with fsync off (a test cluster), and
``restart(mode)`` is ``pg_ctl restart -m fast`` or ``-m immediate`` (a crash: recovery
replays the WAL on start)."""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES

PRIVATE_POSTGRES_PORT = 8597
BIN_DIRS = [Path("/usr/lib/postgresql/15/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"))]


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def _binary(name: str) -> str:
    for directory in BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    if found is None:
        _missing(f"{name} is not installed: no private PostgreSQL cluster")
    return found


class PrivatePostgres:
    def __init__(self, port: int = PRIVATE_POSTGRES_PORT) -> None:
        self.port = port
        self.initdb, self.pg_ctl = _binary("initdb"), _binary("pg_ctl")
        self.psql, self.pg_dump = _binary("psql"), _binary("pg_dump")
        try:
            self.owner = pwd.getpwnam("postgres")
        except KeyError:
            _missing("there is no 'postgres' OS user to own a private cluster")
        # Not under pytest's tmp_path: its parents are private to root, the server must
        # be able to reach its directory.
        self.directory = Path(tempfile.mkdtemp(prefix="zq-private-pg-"))
        os.chmod(self.directory, 0o755)
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        os.chown(self.directory, self.owner.pw_uid, self.owner.pw_gid)

    def _as_owner(self, *command: str, timeout: float = 120) -> subprocess.CompletedProcess:
        prefix = [] if os.geteuid() == self.owner.pw_uid else ["runuser", "-u", "postgres", "--"]
        result = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=timeout, cwd=self.directory
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}\n{log}")
        return result

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._as_owner(
            self.initdb,
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self._pg_ctl("start")

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        self._as_owner(
            self.pg_ctl,
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            action,
            *extra,
        )

    def restart(self, mode: str) -> None:
        self._pg_ctl("restart", "-m", mode)

    def copy_database(self, *, source_url: str, name: str) -> None:
        """The schema and rows of ``source_url`` (the test database on the shared server,
        read with pg_dump) become database ``name`` here."""
        self._as_owner(
            self.psql,
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            f'CREATE DATABASE "{name}" TEMPLATE template0',
        )
        dump = subprocess.run(
            [
                self.pg_dump,
                "--no-owner",
                "--no-privileges",
                source_url.replace("postgres://", "postgresql://"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        restore = subprocess.run(
            [
                self.psql,
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                self.url(name).replace("postgres://", "postgresql://"),
            ],
            input=dump.stdout,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if restore.returncode != 0:
            raise AssertionError(f"restoring the copy failed:\n{restore.stderr[-3000:]}")

    def stop(self) -> None:
        if self.data.exists():
            with contextlib.suppress(AssertionError):  # not running
                self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.directory, ignore_errors=True)
