"""Signals and worker processes: Ctrl+C and SIGTERM stop everything, nothing is left running.

- The main process turns SIGTERM into the same ``KeyboardInterrupt`` as Ctrl+C (exit 130).
- Worker processes never see Ctrl+C: it is blocked while they are spawned (the mask is inherited
  across exec), so a worker is never interrupted while it holds the pool's call-queue lock (which
  deadlocked the parent at exit). The parent stops them through the pool's stop event.
- Interrupted, the parent does not wait for the workers to finish their current job (up to a
  second, more on a busy machine): it cancels what is queued and terminates them at once
  (``stop_workers``), so Ctrl+C exits within the 1 s the issue asks.
- A worker ends by itself when its parent dies (SIGKILL included): a daemon thread waits on the
  parent's sentinel pipe, which closes when the parent goes. The multiprocessing resource tracker
  then sees its last writer go and ends too.

Signals are set with ``_signal``, the C module ``signal`` re-exports (``from _signal import *``):
the same functions and numbers, without ``signal.py``'s enum classes, whose creation cost ~0.5 ms
of every command (issue 11; every command calls ``sigterm_as_interrupt``). The only difference is
that handlers and masks come back as ints, not enum members, and ints are what is given back.
"""

from __future__ import annotations

import _signal as signal  # signal.py without its enum classes: see the docstring
import contextlib
import os
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

_STOP_SIGNALS = (signal.SIGINT,)


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def sigterm_as_interrupt() -> Any:
    """SIGTERM behaves like Ctrl+C in the main thread (the CLI then exits 130). Returns the
    handler it replaced (None when it could not install one)."""
    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(ValueError, OSError):
            return signal.signal(signal.SIGTERM, _raise_interrupt)
    return None


def restore_sigterm(previous: Any) -> None:
    if previous is not None and threading.current_thread() is threading.main_thread():
        with contextlib.suppress(ValueError, OSError, TypeError):
            signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Block Ctrl+C while worker processes are started (they inherit the block and so never get
    it); a Ctrl+C that arrives meanwhile is delivered, as KeyboardInterrupt, when this exits."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def guard_worker() -> None:
    """In a worker process: ignore Ctrl+C (the parent decides) and exit when the parent dies."""
    import multiprocessing  # here, not at the top: every command imports this module (~30 ms)
    import multiprocessing.connection

    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        with contextlib.suppress(OSError, ValueError):
            multiprocessing.connection.wait([parent.sentinel])
        os._exit(3)  # the parent is gone: nobody will read our result

    threading.Thread(target=watch, name="relaydoctor-parent-watch", daemon=True).start()


def stop_workers(pool: Any, timeout: float = 2.0) -> None:
    """End a ``ProcessPoolExecutor``'s workers now: cancel the queued jobs, terminate the processes
    (SIGTERM; they hold nothing worth saving) and reap them, so no worker outlives an interrupted
    run and interpreter exit has nothing to wait for.

    The pool's manager thread is waited for too: it closes the pool's wake-up pipe once it sees the
    workers gone, and CPython 3.11's exit hook (``concurrent.futures.process._python_exit``)
    writes to that pipe without the pool's lock. Had the thread closed it between the hook's check
    and its write, the interrupted run printed an "Exception ignored ... Bad file descriptor"
    traceback on its way to exit 130 (seen once in CI, tests/hostile/test_signals.py)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)  # shutdown() forgets it
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(timeout)
    if manager is not None:
        with contextlib.suppress(Exception):
            manager.join(timeout)
