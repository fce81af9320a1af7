"""The models folder's install lock.

Installs take a lock (``flock`` on ``.install.lock`` in the models folder), so two
at once queue instead of deleting each other's work. Removing a model and clearing
leftovers take it too; while an install holds it, ``list`` only reports. The lock file
holds the holder's pid, for the message that says who is installing.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from tutor.errors import ModelError

LOCK_NAME: Final = ".install.lock"
LOCK_WAIT_S: Final = 120.0  # an install unpacks 250 MB in seconds here, in a minute or so on a Pi


class Busy(Exception):
    """Another process holds the install lock."""


@contextmanager
def install_lock(directory: Path, wait_s: float | None) -> Iterator[None]:
    """Hold the models folder's install lock; ``wait_s`` None waits ``LOCK_WAIT_S``."""
    deadline = time.monotonic() + (LOCK_WAIT_S if wait_s is None else wait_s)
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Busy(os.pread(fd, 32, 0).decode("ascii", "replace").strip()) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock; the kernel releases it too when killed


@contextmanager
def locked(directory: Path, wait_s: float | None, what: str) -> Iterator[None]:
    """The install lock, or a ModelError naming who holds it once ``wait_s`` has passed."""
    try:
        with install_lock(directory, wait_s):
            yield
    except Busy as busy:
        holder = f" (pid {busy.args[0]})" if busy.args and busy.args[0] else ""
        raise ModelError(f"another install is running in {directory}{holder}; try {what} again when it "
                         "has finished") from None
