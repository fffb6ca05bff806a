"""Which work a quick answer waits for, and a thread pool that serves it first.

When hundreds of runners write at once, their storage calls share one queue (one thread on
SQLite). A ``/today`` makes three quick calls, one after another, and each used to wait behind
every call queued since its last, mostly for plans and questions that then spend seconds
drawing or drafting anyway (issue 15: ``/today`` p95 3.2 s under 300 runners at once). The
coach marks the handling of a quick command as urgent (``urgent_work``); ``PriorityPool`` runs
urgent calls ahead of the rest, each kind in the order it was submitted.

The mark is a context variable, so it follows the message through its own task and into no
other runner's.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_URGENT: ContextVar[bool] = ContextVar("urgent", default=False)
_FIRST, _LATER, _STOP = 0, 1, 2


@contextmanager
def urgent_work(urgent: bool = True) -> Iterator[None]:
    """Work done inside the block (and in coroutines it awaits) is urgent, or not."""
    token = _URGENT.set(urgent)
    try:
        yield
    finally:
        _URGENT.reset(token)


def is_urgent() -> bool:
    return _URGENT.get()


class PriorityPool:
    """``threads`` threads taking urgent calls first; ``shutdown`` lets queued calls finish."""

    def __init__(self, threads: int, *, name: str) -> None:
        self._queue: queue.PriorityQueue[tuple[int, int, Callable[[], Any] | None, Any]] = (
            queue.PriorityQueue()
        )
        self._order = itertools.count()  # equal urgency: first come, first served
        self._closed = False
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}_{n}", daemon=True)
            for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, call: Callable[[], T], *, urgent: bool) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is shut down")
            self._queue.put((_FIRST if urgent else _LATER, next(self._order), call, future))
        return future

    def shutdown(self) -> None:
        """Runs what is queued, then stops the threads; idempotent."""
        with self._lock:
            if not self._closed:
                self._closed = True
                for _ in self._threads:
                    self._queue.put((_STOP, next(self._order), None, None))
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join()

    def _work(self) -> None:
        while True:
            _, _, call, future = self._queue.get()
            if call is None:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call())
            except BaseException as err:
                future.set_exception(err)
