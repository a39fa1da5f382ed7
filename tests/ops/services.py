"""Real servers for the operations tests: a spare Redis that a test may kill, and a way to
point this process's cache and Celery app at it."""

import contextlib
import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES


def _free_port() -> int:
    """A port nothing is bound to now, below the kernel's ephemeral range (32768-60999), so
    no client connection takes it while a test has its Redis down. A fixed port failed CI
    once with "port taken" between two tests of one file; a port of the test's own cannot be
    held by an earlier test or an earlier run."""
    for port in random.sample(range(20000, 30000), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port for a spare Redis in 20000-29999")


def _port_answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class SpareRedis:
    """A redis-server of the test's own (no persistence): ``kill()`` is SIGKILL, like an
    out-of-memory kill; ``start()`` brings it back on the same port, empty."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory, self.port = directory, port or _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            if REQUIRE_SERVICES:
                pytest.fail("REQUIRE_SERVICES=1 but redis-server is not installed")
            pytest.skip("redis-server is not installed")
        if _port_answers(self.port):
            pytest.fail(f"port {self.port} is taken: a spare Redis of an earlier test is still alive")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _port_answers(self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError("the spare redis-server did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def spare_redis(directory: Path):
    server = SpareRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@contextlib.contextmanager
def celery_broker(url: str):
    """This process's Celery app publishes to ``url``. The write and read URLs are set too
    (another test may have pinned them); the pools are dropped, not closed: kombu keeps one
    pool per URL for the whole process, and a closed one would fail the next user of it."""
    from config.celery import app

    keys = ("broker_url", "broker_write_url", "broker_read_url")
    previous = {key: app.conf.get(key) for key in keys}
    pools = app._pool, app.amqp._producer_pool
    app._pool, app.amqp._producer_pool = None, None
    app.conf.update(dict.fromkeys(keys, url))
    try:
        yield app
    finally:
        app.conf.update(previous)
        app._pool, app.amqp._producer_pool = pools
