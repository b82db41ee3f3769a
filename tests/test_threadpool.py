"""The engine's thread pool: a task runs at once, on a thread that is already there when one
is idle; a thread idle too long ends; a crashing task takes nothing else down."""

from __future__ import annotations

import threading

from app.engine.threadpool import IDLE_NAME, ThreadPool


def test_a_task_runs_on_the_thread_the_last_one_left_idle() -> None:
    pool = ThreadPool(idle_seconds=30.0)
    seen: list[tuple[int, str]] = []

    def note() -> None:
        me = threading.current_thread()
        seen.append((me.ident or 0, me.name))

    first = pool.submit(note, "tether-job-1")
    first.join(10.0)
    assert not first.is_alive()
    second = pool.submit(note, "tether-job-2-w0")
    second.join(10.0)
    assert [name for _, name in seen] == ["tether-job-1", "tether-job-2-w0"]  # named per task
    assert seen[0][0] == seen[1][0]  # the same thread: no new one started


def test_tasks_never_wait_for_each_other() -> None:
    # every task may block for a whole download: each gets a thread of its own at once
    pool = ThreadPool(idle_seconds=30.0)
    release = threading.Event()
    started = [threading.Event() for _ in range(5)]
    tasks = [
        pool.submit(lambda e=e: (e.set(), release.wait(30.0)), f"t{i}")  # type: ignore[misc]
        for i, e in enumerate(started)
    ]
    assert all(e.wait(10.0) for e in started)  # all five running together
    release.set()
    for t in tasks:
        t.join(10.0)
    assert not any(t.is_alive() for t in tasks)


def test_an_idle_thread_ends_after_its_idle_time_and_a_later_task_still_runs() -> None:
    pool = ThreadPool(idle_seconds=0.05)
    idents: list[int] = []
    pool.submit(lambda: idents.append(threading.get_ident()), "a").join(10.0)
    thread = next(t for t in threading.enumerate() if t.ident == idents[0])
    thread.join(10.0)  # it ends by itself once idle
    assert not thread.is_alive()
    done = threading.Event()
    pool.submit(done.set, "b")
    assert done.wait(10.0)


def test_a_crashing_task_is_logged_and_the_thread_serves_on() -> None:
    pool = ThreadPool(idle_seconds=30.0)

    def boom() -> None:
        raise RuntimeError("bug")

    crashed = pool.submit(boom, "boom")
    crashed.join(10.0)
    assert not crashed.is_alive()  # joined even though it raised
    ran = threading.Event()
    pool.submit(ran.set, "after").join(10.0)
    assert ran.is_set()
    assert any(t.name == IDLE_NAME for t in threading.enumerate())


def test_many_tasks_from_many_threads_all_run_once() -> None:
    # submit and an idle thread's timeout race; no task may be lost or run twice
    pool = ThreadPool(idle_seconds=0.001)
    count = 0
    lock = threading.Lock()

    def bump() -> None:
        nonlocal count
        with lock:
            count += 1

    tasks = []

    def submitter() -> None:
        for _ in range(200):
            tasks.append(pool.submit(bump, "bump"))

    subs = [threading.Thread(target=submitter) for _ in range(4)]
    for s in subs:
        s.start()
    for s in subs:
        s.join()
    for t in tasks:
        t.join(10.0)
    assert count == 800 and not any(t.is_alive() for t in tasks)


def test_a_thread_reuses_its_read_buffer_across_tasks_and_threads_never_share_one() -> None:
    from app.engine.threadpool import reused_buffer

    pool = ThreadPool(idle_seconds=30.0)
    ids: list[int] = []
    pool.submit(lambda: ids.append(id(reused_buffer(4096))), "a").join(10.0)
    pool.submit(lambda: ids.append(id(reused_buffer(4096))), "b").join(10.0)
    assert ids[0] == ids[1]  # the same thread, the same buffer: no 1 MiB zeroed per job
    here = reused_buffer(4096)
    assert id(here) != ids[0]  # another thread has its own
    assert len(reused_buffer(8192)) == 8192  # a new size gets a new buffer
