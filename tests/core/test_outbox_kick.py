"""The outbox's kicks: many commits, few broker publishes, and no message left for beat.

Each process's kicker thread publishes one drain for every commit since its last publish,
at most once per ``OUTBOX_KICK_SECONDS``. The publish itself is replaced here by a recorder
(the broker's side is in ``tests/ops/test_outbox_kicks.py``, with a real worker)."""

import itertools
import os
import threading
import time

import pytest

from core import outbox


@pytest.fixture
def publishes(monkeypatch, settings):
    """A fresh kicker whose publishes are recorded with the time each began."""
    settings.OUTBOX_KICK_SECONDS = 0.2
    started: list[float] = []

    def publish() -> bool:
        started.append(time.monotonic())
        return True

    monkeypatch.setattr(outbox, "_publish_drain", publish)
    monkeypatch.setattr(outbox, "_KICKER", outbox._Kicker())
    return started


def _wait_for(predicate, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_lone_commit_is_kicked_at_once(publishes, settings):
    settings.OUTBOX_KICK_SECONDS = 2.0
    asked = time.monotonic()
    outbox._KICKER.request()
    _wait_for(lambda: publishes)
    assert publishes[0] - asked < 0.5  # not held for the window


def test_a_burst_of_commits_is_a_few_publishes_and_the_last_commit_is_kicked(publishes):
    # when 8 threads commit 25 times each within about a window
    asked: list[float] = []
    lock = threading.Lock()

    def commits() -> None:
        for _ in range(25):
            with lock:
                asked.append(time.monotonic())
            outbox._KICKER.request()
            time.sleep(0.004)

    threads = [threading.Thread(target=commits) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    burst = max(asked) - min(asked)
    time.sleep(0.5)  # two windows: every publish the burst asked for has begun

    # then 200 commits cost one publish per window at most, plus the first one
    assert len(publishes) <= 2 + burst / 0.2
    assert len(publishes) < 10
    # and a publish began after the last commit, so the drain it starts reads that commit
    assert max(publishes) >= max(asked)
    # and consecutive publishes are a window apart
    assert all(b - a >= 0.19 for a, b in itertools.pairwise(publishes))


def test_commits_after_a_quiet_spell_are_kicked_again(publishes):
    outbox._KICKER.request()
    _wait_for(lambda: len(publishes) == 1)
    time.sleep(0.3)  # past the window: the thread waits for the next commit
    assert len(publishes) == 1  # nothing asked, nothing published
    outbox._KICKER.request()
    _wait_for(lambda: len(publishes) == 2)


def test_a_forked_child_gets_a_kicker_of_its_own(monkeypatch, settings):
    # The module's own kicker, as gunicorn's and Celery's forked children inherit it.
    settings.OUTBOX_KICK_SECONDS = 0.01
    publishes: list[int] = []
    monkeypatch.setattr(outbox, "_publish_drain", lambda: publishes.append(os.getpid()) or True)
    outbox._KICKER.request()
    _wait_for(lambda: publishes)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's thread is not here, a request starts one
        try:
            fresh = outbox._KICKER._thread is None
            outbox._KICKER.request()
            deadline = time.monotonic() + 5
            while os.getpid() not in publishes and time.monotonic() < deadline:
                time.sleep(0.005)
            os.write(write, f"{fresh} {os.getpid() in publishes}".encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as answer:
        assert answer.read() == "True True"
    assert set(publishes) == {os.getpid()}  # the child's publish was its own


def test_a_publish_that_fails_is_logged_and_the_kicker_goes_on(monkeypatch, settings, caplog):
    settings.OUTBOX_KICK_SECONDS = 0.01
    calls: list[int] = []

    class Down:
        def apply_async(self, **options):
            calls.append(1)
            raise ConnectionError("broker down")

    import core.tasks

    monkeypatch.setattr(core.tasks, "outbox_drain", Down())
    monkeypatch.setattr(outbox, "_KICKER", outbox._Kicker())
    with caplog.at_level("WARNING", logger="core.outbox"):
        outbox._KICKER.request()
        _wait_for(lambda: calls)
        time.sleep(0.05)
        outbox._KICKER.request()
        _wait_for(lambda: len(calls) == 2)
    assert "outbox kick not handed to the broker (broker down)" in caplog.text
