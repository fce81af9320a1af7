"""Unpacking model archives: zip and gzipped tar, within counted limits, and nothing else.

Archives are only trusted as far as they are counted: the sizes they declare
decide nothing on their own (a gzip's is modulo 4 GiB, a zip's is whatever its
maker wrote); every byte unpacked counts against a budget (``max_unpacked``, and
the free space), and members are streamed a megabyte at a time. Other formats
(bzip2, xz, 7-Zip, RAR, zstandard, plain tar) are refused by their first bytes, and
zip members must be stored or deflated, which Python inflates a bounded chunk at a
time. Paths that would land outside the staging folder are refused.
"""

from __future__ import annotations

import errno
import functools
import gzip
import logging
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, Final

from tutor.errors import ModelError
from tutor.modelstore import disk
from tutor.modelstore.store import layout_problems

_LOGGER = logging.getLogger(__name__)

MAX_UNPACKED: Final = 2_000_000_000  # the largest vosk models unpack to about 1.6 GB
ACCEPTED: Final = ".zip, .tar.gz or .tgz"
_MAX_TAR_HEADER: Final = 1 << 20  # long names and pax headers are read whole: keep them small
_ARCHIVE_LITTER: Final = ("__MACOSX",)


@dataclass(frozen=True)
class _Member:
    path: PurePosixPath
    is_dir: bool
    size: int
    open: Callable[[], IO[bytes] | None]


def unpack(archive: Path, staging: Path, directory: Path, name: str, progress: bool | None,
           max_unpacked: int) -> Path:
    """Extract into ``staging`` and return the model folder inside it.

    Every byte written counts against ``max_unpacked`` and the free space; what the
    archive says about its own size only decides an early refusal.
    """
    from tqdm import tqdm

    with _open_archive(archive) as (members, declared):
        if declared > max_unpacked:
            raise _too_big(archive, f"says it unpacks to {disk.describe_size(declared)}", max_unpacked)
        disk.require_space(directory, declared, f"installing {name}")
        room = disk.free_bytes(directory) - disk.FREE_MARGIN
        staging.mkdir()
        written = 0
        with tqdm(total=declared, unit="B", unit_scale=True, desc=f"unpacking {archive.name}",
                  disable=disk.hide(progress), leave=False) as bar:
            for member in members:
                target = staging.joinpath(*member.path.parts)
                if member.is_dir:
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                source = _read_archive(archive, member.open)
                if source is None:
                    continue
                with source, open(target, "wb") as out:
                    while chunk := _read_archive(archive, functools.partial(source.read, disk.CHUNK)):
                        written += len(chunk)
                        if written > max_unpacked:
                            raise _too_big(archive, "unpacks to more than "
                                           f"{disk.describe_size(max_unpacked)}", max_unpacked)
                        if written > room:
                            disk.require_space(directory, written + disk.CHUNK, f"installing {name}")
                        out.write(chunk)
                        bar.update(len(chunk))
    entries = [p for p in staging.iterdir() if p.name not in _ARCHIVE_LITTER]
    # archives from alphacephei hold one top-level folder named after the model
    if layout_problems(staging) and len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return staging


def _too_big(archive: Path, what: str, limit: int) -> ModelError:
    return ModelError(f"{archive} {what}, more than a model may take ({disk.describe_size(limit)}); "
                      "refusing it")


# What the first bytes of archives the tutor does not accept look like.
_REFUSED_MAGIC: Final = ((b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
                         (b"Rar!", "RAR"), (b"\x28\xb5\x2f\xfd", "zstandard"))
# zip members must be stored or deflated: Python inflates those a bounded chunk at a time
_ZIP_METHODS: Final = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}


@contextmanager
def _open_archive(archive: Path) -> Iterator[tuple[Iterable[_Member], int]]:
    try:
        with open(archive, "rb") as handle:
            magic = handle.read(8)
    except OSError as exc:
        raise ModelError(f"cannot read {archive}: {exc.strerror}") from None
    if magic[:2] == b"PK":
        try:
            with zipfile.ZipFile(archive) as zipped:
                members = []
                for item in zipped.infolist():
                    if item.compress_type not in _ZIP_METHODS:
                        raise ModelError(f"{archive} compresses {item.filename} with method "
                                         f"{item.compress_type}; accepted: zip archives that are "
                                         "stored or deflated (what `zip` makes)")
                    members.append(_Member(_safe_path(archive, item.filename), item.is_dir(),
                                           item.file_size, functools.partial(zipped.open, item)))
                yield members, sum(m.size for m in members)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
            raise ModelError(f"{archive} is a damaged zip archive ({exc}); copy it again") from None
    elif magic[:2] == b"\x1f\x8b":
        try:
            # streamed: a .tar.gz read out of order would be decompressed again for every file;
            # "r|gz", not "r|*": only gzip is accepted
            with tarfile.open(archive, "r|gz", tarinfo=_BoundedTarInfo) as tarred:
                yield _LazyTar(archive, tarred), _gzip_declared_size(archive)
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise ModelError(f"{archive} is a damaged tar archive ({exc}); copy it again") from None
    else:
        kind = next((k for m, k in _REFUSED_MAGIC if magic.startswith(m)),
                    "plain tar" if _is_plain_tar(archive) else None)
        if kind is not None:
            raise ModelError(f"{archive} is a {kind} archive, which the tutor does not unpack: "
                             f"expected a {ACCEPTED} file")
        raise ModelError(f"{archive} is not a model archive: expected a {ACCEPTED} file")


class _BoundedTarInfo(tarfile.TarInfo):
    """Refuses long-name and pax headers big enough to matter: tarfile reads them whole."""

    def _proc_member(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in _TAR_EXTENDED and self.size > _MAX_TAR_HEADER:
            raise tarfile.HeaderError(f"a {self.size:,}-byte extended header")
        member: tarfile.TarInfo = super()._proc_member(tarfile_)  # type: ignore[misc]
        return member


_TAR_EXTENDED: Final = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE,
                        tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE)


class _LazyTar:
    """Members of a streamed tar: each file must be read before the next header is."""

    def __init__(self, archive: Path, tarred: tarfile.TarFile) -> None:
        self._archive = archive
        self._tarred = tarred

    def __iter__(self) -> Iterator[_Member]:
        while True:
            item = _read_archive(self._archive, self._tarred.next)
            if item is None:
                return
            path = _safe_path(self._archive, item.name)
            if item.isdir():
                yield _Member(path, True, 0, _nothing)
            elif item.isfile():
                yield _Member(path, False, item.size, functools.partial(self._tarred.extractfile, item))
            else:
                _LOGGER.info("skipping %s in %s: only files and folders are unpacked",
                             item.name, self._archive)


def _nothing() -> None:
    return None


def _gzip_declared_size(archive: Path) -> int:
    """What a gzip archive can be said to unpack to before unpacking it: at least its own size.

    gzip keeps the unpacked length modulo 4 GiB in its last four bytes, and a
    truncated or damaged file has anything there, so it decides nothing: a
    .tar.gz is refused by the running count of what it really unpacks to.
    """
    return archive.stat().st_size


def _is_plain_tar(archive: Path) -> bool:
    try:
        return tarfile.is_tarfile(archive)
    except OSError:
        return False


def _safe_path(archive: Path, name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise ModelError(f"{archive} holds an unsafe path '{name}'; refusing to unpack it")
    return path


def _read_archive(archive: Path, read: Callable[[], Any]) -> Any:
    """One read from the archive; damage found while reading is the archive's fault, not the disk's."""
    try:
        return read()
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ModelError(f"{archive} is damaged ({exc}); copy it again") from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise ModelError(f"cannot read {archive}: {exc.strerror or exc}") from None
