"""What the model store asks of the disk: room, checksums, durable renames, and errors in words.

Models are big (the largest unpack to about 1.6 GB) and stations run on SD cards, which
fill badly: a margin is always left free, and running out of room or permission is one
sentence that says how to get more (free some space, or set recognition.models_dir).
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path
from typing import Final

from tutor.errors import ModelError, StorageError

CHUNK: Final = 1 << 20
FREE_MARGIN: Final = 16 << 20  # leave the system a little room; SD cards fill badly


def fsync_dir(directory: Path) -> None:
    """Make renames and deletions in ``directory`` survive a power cut."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def free_bytes(directory: Path) -> int:
    return shutil.disk_usage(directory).free


def require_space(directory: Path, needed: int, what: str) -> None:
    free = free_bytes(directory)
    if needed + FREE_MARGIN > free:
        raise StorageError(
            f"not enough space for {what} in {directory}: it needs {describe_size(needed + FREE_MARGIN)}, "
            f"{describe_size(free)} is free; free some space or set recognition.models_dir to a bigger disk")


def storage_error(exc: OSError, directory: Path, what: str) -> StorageError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError(f"disk full while {what} in {directory}: free some space or set "
                            "recognition.models_dir to a bigger disk; the installed models are unchanged")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(f"cannot write to {directory} while {what}: {exc.strerror}; run as a user "
                            "who can, or set recognition.models_dir")
    return StorageError(f"{what} failed in {directory}: {exc.strerror or exc}")


def sha256_file(path: Path, *, progress: bool | None = False, label: str = "") -> str:
    from tqdm import tqdm

    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle, tqdm(total=path.stat().st_size, unit="B", unit_scale=True,
                                              desc=label, disable=hide(progress), leave=False) as bar:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                bar.update(len(chunk))
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror or exc}") from None
    return digest.hexdigest()


def tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def hide(progress: bool | None) -> bool | None:
    """tqdm's ``disable`` for a ``progress`` flag."""
    # tqdm's own rule for None: shown on a terminal, hidden in logs and pipes
    return None if progress is None else not progress


def describe_size(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"
