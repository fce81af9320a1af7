"""Writing the files a person names (reports, saved rounds): whole or not at all, never
over something that is not a file.

A named target is one of:

- absent, or a regular file: written to a temporary file beside it and renamed over it,
  so a reader sees the old file or the new one, never half of one; the new file gets
  ``0666`` less the process umask, as any program's would (the service's ``UMask=0027``
  makes reports ``0640``);
- ``/dev/null`` or a terminal (``/dev/stdout``, ``/dev/tty`` on a terminal), directly or
  through a link: written through the device node, which stays as it is;
- anything else (a named pipe, a socket, a folder, another device, a symbolic link to a
  file or to nothing): refused with :class:`~tutor.errors.StorageError`. A pipe would
  block until someone reads it; replacing a device node as root destroys it; and
  following a link planted in a shared folder (``/tmp/report.csv`` pointing at a system
  file) would let anyone choose what root overwrites, so the file a link points to must
  be named itself.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final

from tutor.errors import DiskFullError, StorageError

Piece = bytes | memoryview  # a part of a file written in pieces (a memoryview of an array: no copy)

_KINDS: Final = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                 (stat.S_ISDIR, "a folder"), (stat.S_ISBLK, "a block device"),
                 (stat.S_ISCHR, "a character device"))
_WHERE: Final = "give a file name, /dev/null or a terminal"


def describe_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def check_target(path: Path) -> None:
    """Refuse ``path`` now, before any work, if :func:`write_atomically` would refuse it."""
    _plan(Path(path))


def write_atomically(path: Path, data: bytes | Iterable[Piece], *, make_folder: bool = False,
                     fsync: bool = True,
                     explain: Callable[[Path, OSError], StorageError] | None = None) -> Path:
    """Write ``data`` to ``path`` whole or not at all (see the module's rules); returns ``path``.

    ``data`` may come in pieces (bytes, or memoryviews of arrays), so
    a large file is never first assembled in memory. Every failure is a StorageError naming
    the path; ``explain`` words those that come from the system (disk full, no permission)
    for the caller's readers.
    """
    pieces: Iterable[Piece] = (data,) if isinstance(data, bytes) else data
    path = Path(path)
    explain = explain or storage_error
    target = _plan(path)
    if target is None:
        _write_through(path, pieces, explain)
        return path
    folder = target.parent
    if make_folder:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise explain(path, exc) from None
    elif not folder.is_dir():
        raise StorageError(f"cannot write {path}: the folder {folder} does not exist")
    temporary = _create_temporary(path, target, explain)
    try:
        descriptor = os.open(temporary, os.O_WRONLY)
        with os.fdopen(descriptor, "wb") as handle:
            for piece in pieces:
                handle.write(piece)
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise explain(path, exc) from None
    return path


def _plan(path: Path) -> Path | None:
    """The regular file to replace (``path`` or where its link points), or None to write
    through a device node; raises StorageError for anything else."""
    try:
        link = stat.S_ISLNK(os.lstat(path).st_mode)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise storage_error(path, exc) from None
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise StorageError(f"cannot write {path}: it is a symbolic link to nothing; {_WHERE}") from None
    except OSError as exc:
        raise storage_error(path, exc) from None
    if stat.S_ISREG(mode) and not link:
        return path
    if stat.S_ISREG(mode):
        raise StorageError(f"cannot write {path}: it is a symbolic link to {os.path.realpath(path)}; "
                           "name that file itself")
    if stat.S_ISCHR(mode):
        return None  # checked again on the open node by _write_through
    raise StorageError(f"cannot write {path}: it is {describe_kind(mode)}; {_WHERE}")


def _write_through(path: Path, pieces: Iterable[Piece],
                   explain: Callable[[Path, OSError], StorageError]) -> None:
    try:
        # no O_CREAT: only ever an existing node; O_NONBLOCK: a pipe swapped in meanwhile cannot hang us
        descriptor = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as exc:
        raise explain(path, exc) from None
    try:
        info = os.fstat(descriptor)
        if not (stat.S_ISCHR(info.st_mode) and (_is_null(info) or os.isatty(descriptor))):
            kind = ("a device other than /dev/null or a terminal" if stat.S_ISCHR(info.st_mode)
                    else describe_kind(info.st_mode))
            raise StorageError(f"cannot write {path}: it is {kind}; {_WHERE}")
        os.set_blocking(descriptor, True)
        for piece in pieces:
            view = memoryview(piece).cast("B")
            while view:
                view = view[os.write(descriptor, view):]
    except StorageError:
        raise
    except OSError as exc:
        raise explain(path, exc) from None
    finally:
        os.close(descriptor)


def _is_null(info: os.stat_result) -> bool:
    try:
        return os.stat(os.devnull).st_rdev == info.st_rdev
    except OSError:
        return False


def _create_temporary(path: Path, target: Path,
                      explain: Callable[[Path, OSError], StorageError]) -> Path:
    """A new empty file beside ``target``, created with mode 0666 so the umask decides."""
    for _ in range(100):
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666))
        except FileExistsError:
            continue
        except OSError as exc:
            raise explain(path, exc) from None
        return temporary
    raise StorageError(f"cannot write {path}: no free temporary name in {target.parent}")


def storage_error(path: Path, exc: OSError) -> StorageError:
    """The usual one line for a file that could not be written."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(f"disk full: could not write {path}; free some space")
    return StorageError(f"cannot write {path}: {exc.strerror or exc}")
