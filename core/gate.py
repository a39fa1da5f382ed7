"""An admission gate for CPU-bound sections of a threaded process.

A process's threads share one interpreter lock. When many of them run a section that
opens a transaction, every statement's answer waits for the lock behind the other threads,
and the transaction stays open (its row locks held) meanwhile: more threads in the section
make each one slower, and the slowest much slower. The gate lets at most ``slots`` threads
of this process in at a time; the others sleep until a slot is free, and take it by
priority (lower first), then in the order they came. The checkout's priority is when it
began: a checkout that has been charged is settled before a new one is opened, work that
started finishes first, and the tail shrinks (README, issue 9: checkouts at 32 connections).

Only for sections that hold no lock when they start and never wait on another thread of
the process: a thread already inside enters again freely, and a thread that has waited
``timeout`` seconds goes in over capacity (logged) rather than wait for ever.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)


class PriorityGate:
    def __init__(self, slots: int, *, timeout: float = 10.0, name: str = "gate") -> None:
        self.slots = slots
        self.timeout = timeout
        self.name = name
        self._free = slots
        self._lock = threading.Lock()
        # Entries: [priority, arrival, event, cancelled]; a slot is handed to the first
        # entry not cancelled by setting its event.
        self._waiting: list[list] = []
        self._arrival = itertools.count()
        self._inside = threading.local()

    @property
    def waiting(self) -> int:
        with self._lock:
            return sum(1 for entry in self._waiting if not entry[3])

    @contextmanager
    def held(self, priority: float = 0) -> Iterator[None]:
        if self.slots <= 0 or getattr(self._inside, "depth", 0):
            yield
            return
        took_slot = self._acquire(priority)
        self._inside.depth = 1
        try:
            yield
        finally:
            self._inside.depth = 0
            if took_slot:
                self._release()

    def _acquire(self, priority: float) -> bool:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            entry = [priority, next(self._arrival), threading.Event(), False]
            heapq.heappush(self._waiting, entry)
        began = time.monotonic()
        try:
            if entry[2].wait(self.timeout):
                return True
        except BaseException:
            # Interrupted while waiting: leave the queue, and pass on a slot handed over
            # meanwhile, or it would be lost to the process for good.
            with self._lock:
                entry[3] = True
                handed = entry[2].is_set()
            if handed:
                self._release()
            raise
        with self._lock:
            if entry[2].is_set():  # handed a slot just as the wait ended
                return True
            entry[3] = True
        logger.warning(
            "%s: waited %.1f s for one of %s slots; going in over capacity",
            self.name,
            time.monotonic() - began,
            self.slots,
        )
        return False

    def _release(self) -> None:
        with self._lock:
            while self._waiting:
                entry = heapq.heappop(self._waiting)
                if not entry[3]:
                    entry[2].set()  # the slot passes straight to it
                    return
            self._free += 1
