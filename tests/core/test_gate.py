"""core.gate.PriorityGate: slots, priority, re-entry and the timeout, with real threads."""

import logging
import threading
import time

from core.gate import PriorityGate


def _wait_until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.002)


def test_no_more_threads_than_slots_are_inside_at_once():
    # given a gate of 3 slots and 12 threads that each stay inside a moment
    gate = PriorityGate(3)
    inside, most = 0, 0
    count_lock = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        with gate.held():
            with count_lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.01)
            with count_lock:
                inside -= 1

    # when they all run
    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    # then the slots were all used, never exceeded, and are all free again
    assert most == 3
    assert gate._free == 3 and gate.waiting == 0


def test_a_free_slot_goes_to_the_lowest_priority_number_then_to_the_first_come():
    # given a gate of 1 slot held by this thread, and three threads waiting: two new
    # ones (priority 1) and, last, one finishing (priority 0)
    gate = PriorityGate(1)
    order: list[str] = []
    holder = gate.held()
    holder.__enter__()

    def work(name: str, priority: int) -> threading.Thread:
        def run() -> None:
            with gate.held(priority):
                order.append(name)

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    threads = []
    for name, priority in (("new-1", 1), ("new-2", 1), ("finishing", 0)):
        threads.append(work(name, priority))
        queued = len(threads)
        _wait_until(lambda: gate.waiting == queued)  # noqa: B023 (called at once)
    # when the slot is freed
    holder.__exit__(None, None, None)
    for thread in threads:
        thread.join(5)
    # then the finishing one goes first, then the new ones in the order they came
    assert order == ["finishing", "new-1", "new-2"]


def test_a_thread_inside_enters_again_without_a_second_slot():
    gate = PriorityGate(1)
    with gate.held(), gate.held(0):  # would wait for ever if it needed a slot of its own
        assert gate._free == 0
    assert gate._free == 1


def test_a_thread_that_waited_too_long_goes_in_over_capacity_and_frees_no_slot(caplog):
    # given a gate of 1 slot held by another thread, and a short timeout
    gate = PriorityGate(1, timeout=0.05, name="test gate")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with gate.held():
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(5)
    # when this thread asks for it
    with caplog.at_level(logging.WARNING, logger="core.gate"), gate.held():
        went_in = True
    # then it went in anyway, said so, and left the held slot taken
    assert went_in
    assert "test gate: waited" in caplog.text
    assert gate._free == 0 and gate.waiting == 0
    release.set()
    holder.join(5)
    assert gate._free == 1


def test_no_slots_means_no_limit():
    # given a gate of 0 slots and four threads that can only pass together
    gate = PriorityGate(0)
    together = threading.Barrier(4, timeout=5)
    passed: list[int] = []

    def work(index: int) -> None:
        with gate.held():
            together.wait()  # breaks (no append) unless all four are inside at once
            passed.append(index)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(passed) == [0, 1, 2, 3]


def test_a_waiter_interrupted_while_waiting_leaves_the_queue_and_loses_no_slot(monkeypatch):
    # given a gate of 1 slot held by another thread (waiting on a lock, not an event: the
    # events' wait is what gets interrupted below), and a waiter whose wait is interrupted
    gate = PriorityGate(1)
    held, release = threading.Event(), threading.Lock()
    release.acquire()

    def hold() -> None:
        with gate.held():
            held.set()
            release.acquire(timeout=5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(5)

    def interrupted(self, timeout=None):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(threading.Event, "wait", interrupted)
        try:
            with gate.held():
                raise AssertionError("went in without a slot")
        except KeyboardInterrupt:
            pass
    # when the holder leaves
    release.release()
    holder.join(5)
    # then the slot is free again, not handed to the waiter that is gone
    assert gate._free == 1 and gate.waiting == 0
    with gate.held():
        assert gate._free == 0
