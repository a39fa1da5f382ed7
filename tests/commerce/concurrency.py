"""Run callables in real threads that start together, each with its own connection."""

import threading

from django.db import connections


def run_together(count: int, work) -> list:
    """Call ``work(i)`` for i in 0..count-1 in ``count`` threads released at once by a
    barrier; returns each call's result, or the exception it raised."""
    barrier = threading.Barrier(count, timeout=60)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results
