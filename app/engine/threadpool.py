"""Threads for jobs and their connections, kept a moment for reuse.

Every job runs on a thread of its own and each of its connections on another. Starting a thread
makes the starter wait until the new one has run (Thread.start), and with other threads busy that
wait is a GIL hand-over or more: a batch of small files spent an eighth of its time there. A
thread that ends its task waits IDLE_SECONDS for the next one instead, so a queue of many files
starts each job and connection on a thread that is already there. Threads are daemons, as before:
a process exiting never waits for them.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger("tether.engine")

IDLE_SECONDS = 5.0  # an idle thread ends after this long without a task
IDLE_NAME = "tether-idle"


class Task:
    """A submitted function: is_alive() until it has returned (or raised), join() waits."""

    __slots__ = ("_done", "fn", "name")

    def __init__(self, fn: Callable[[], None], name: str) -> None:
        self.fn = fn
        self.name = name
        self._done = threading.Event()

    def is_alive(self) -> bool:
        return not self._done.is_set()

    def join(self, timeout: float | None = None) -> None:
        self._done.wait(timeout)


class ThreadPool:
    """Runs each task at once on an idle thread, or a new one: never queues a task behind
    another (every task may block for the whole of a download)."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self._idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._idle = 0  # threads waiting on _tasks; each put below is taken by one of them
        self._tasks: queue.SimpleQueue[Task] = queue.SimpleQueue()

    def submit(self, fn: Callable[[], None], name: str) -> Task:
        task = Task(fn, name)
        with self._lock:
            if self._idle:
                self._idle -= 1
                self._tasks.put(task)
                return task
        threading.Thread(target=self._serve, args=(task,), name=name, daemon=True).start()
        return task

    def _serve(self, task: Task) -> None:
        me = threading.current_thread()
        while True:
            me.name = task.name
            try:
                task.fn()
            except BaseException:  # the tasks handle their own errors: this is a bug
                log.exception("thread %s: task crashed", task.name)
            finally:
                task._done.set()
            me.name = IDLE_NAME
            next_task = self._next()
            if next_task is None:
                return
            task = next_task

    def _next(self) -> Task | None:
        with self._lock:
            self._idle += 1
        try:
            return self._tasks.get(timeout=self._idle_seconds)
        except queue.Empty:
            pass
        with self._lock:
            # A submit may have counted on us between the timeout and this lock: its task is
            # in the queue now. Otherwise nobody can, once we are no longer counted as idle.
            try:
                return self._tasks.get_nowait()
            except queue.Empty:
                self._idle -= 1
                return None


POOL = ThreadPool()

_local = threading.local()


def reused_buffer(size: int) -> bytearray:
    """A read buffer of `size` bytes for the calling thread, the same one for every task the
    thread runs: zeroing a fresh 1 MiB per connection of each job of a batch of small files
    cost more than their bodies. Only ever used by one task at a time (its thread's)."""
    buf: bytearray | None = getattr(_local, "buffer", None)
    if buf is None or len(buf) != size:
        buf = _local.buffer = bytearray(size)
    return buf
