"""The working-store lock: one writer at a time, across processes.

`fcntl.flock` locks belong to an open file description, so the kernel releases them when
the holder exits, however it exits (even SIGKILL): a crash never leaves a stale lock. The
lock file itself is never deleted, since deleting it would let two processes lock two
different files of the same name.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from entrepot.store.errors import StoreBusy

# Depth of the locks this thread holds, by lock path: the lock is reentrant within a
# thread (ingest-then-publish under one lock) but excludes other threads, whose `flock`
# goes through another open file description and is refused like another process's.
_held = threading.local()


@contextmanager
def exclusive_lock(path: Path) -> Iterator[bool]:
    """Hold the exclusive lock on `path`; yield True on this thread's outermost entry.

    Raises `StoreBusy` at once, rather than waiting, when someone else holds it.
    """
    depths = _depths()
    key = str(path)
    if key in depths:
        depths[key] += 1
        try:
            yield False
        finally:
            depths[key] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreBusy(_busy_message(path, descriptor)) from None
        # The holder's pid, so that a refused operator knows whom to wait for.
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        depths[key] = 1
        try:
            yield True
        finally:
            del depths[key]
    finally:
        os.close(descriptor)


def holds_lock(path: Path) -> bool:
    """Whether the current thread holds the lock on `path`."""
    return str(path) in _depths()


def _depths() -> dict[str, int]:
    if not hasattr(_held, "depths"):
        _held.depths = {}
    return _held.depths


def _busy_message(path: Path, descriptor: int) -> str:
    holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip()
    by_whom = f"process {holder}" if holder.isdigit() else "another process"
    return (
        f"the working store {path.parent} is busy: {by_whom} holds its lock ({path}); "
        "try again when it has finished"
    )
