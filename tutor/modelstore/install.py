"""Installing a model: download or take the archive, check it, unpack it aside, swap it in.

Installing unpacks the archive into a hidden staging folder beside its final place
(``.install-NAME-PID``), checks the layout there and only then renames it into place,
so a failed, interrupted or power-cut install leaves the models that were there before
as they were. Replacing a model moves the old copy to ``.old-NAME`` first; killed
between the two renames, the next install, remove or list puts it back (see store).
The install record (``.tutor-model.toml``) is written into the staging folder before
the swap, so an installed model always has the record of the files it was installed with.

The whole install holds the install lock (see lock), and starts by clearing what
earlier, interrupted installs and removes left.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from tutor.errors import ModelError, TutorError
from tutor.files import write_atomically
from tutor.modelstore import disk
from tutor.modelstore.archive import MAX_UNPACKED, unpack
from tutor.modelstore.lock import locked
from tutor.modelstore.manifest import ModelInfo, is_model_name, manifest_path
from tutor.modelstore.store import (
    OLD_PREFIX,
    RECORD_NAME,
    STAGING_PREFIX,
    InstalledModel,
    layout_problems,
    recover_locked,
)

_LOGGER = logging.getLogger(__name__)

_DOWNLOAD_TIMEOUT_S: Final = 30.0


@dataclass(frozen=True)
class InstallResult:
    model: InstalledModel
    replaced: bool
    checksum: str  # "manifest" when checked against the manifest, else "none"


def install(name: str, directory: Path, manifest: dict[str, ModelInfo], archive: Path | None = None,
            *, progress: bool | None = None, max_unpacked: int = MAX_UNPACKED,
            lock_wait_s: float | None = None) -> InstallResult:
    """Install ``name`` from ``archive``, or download it from the manifest's address.

    ``progress``: True shows bars, False hides them, None shows them on a terminal.
    ``max_unpacked``: the most bytes the archive may unpack to.
    ``lock_wait_s``: how long to wait for another install to finish (None: ``LOCK_WAIT_S``).
    """
    if not is_model_name(name):
        raise ModelError(f"{name!r} cannot be a model name: use letters, digits and . _ + -")
    info = manifest.get(name)
    if archive is None and info is None:
        raise ModelError(f"{name} is not in the model manifest ({manifest_path(directory)}); "
                         f"install it from an archive: tutor models install {name} --from ARCHIVE")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with locked(directory, lock_wait_s, "installing it"):
            recover_locked(directory, clean=True)
            return _install_locked(name, directory, info, archive, progress, max_unpacked)
    except TutorError:
        raise
    except OSError as exc:
        raise disk.storage_error(exc, directory, f"installing {name}") from None


def _install_locked(name: str, directory: Path, info: ModelInfo | None, archive: Path | None,
                    progress: bool | None, max_unpacked: int) -> InstallResult:
    with workspace(directory, name) as work:
        if archive is None:
            assert info is not None
            archive, digest = download(info, directory, work, progress)
        else:
            if not archive.is_file():
                raise ModelError(f"{archive} does not exist or is not a file")
            digest = disk.sha256_file(archive, progress=progress, label=f"checking {archive.name}")
        if info is not None and digest != info.sha256:
            raise ModelError(
                f"{archive} is not {name} as the manifest knows it (sha256 {digest[:12]}…, "
                f"expected {info.sha256[:12]}…, {archive.stat().st_size:,} bytes, expected "
                f"{info.size:,}): the copy is damaged or a different file; copy it again")
        root = unpack(archive, work / "unpacked", directory, name, progress, max_unpacked)
        missing = layout_problems(root)
        if missing:
            raise ModelError(f"{archive} does not hold a vosk model: missing {', '.join(missing)}")
        files = {str(path.relative_to(root).as_posix()): disk.sha256_file(path)
                 for path in sorted(root.rglob("*")) if path.is_file()}
        model = InstalledModel(
            name=name, path=directory / name, language=info.language if info else "",
            source=info.url if info and archive.parent == work else str(archive.resolve()),
            archive_sha256=digest, from_manifest=info is not None,
            installed_at=datetime.now(UTC).isoformat(timespec="seconds"), files=files)
        try:
            write_atomically(root / RECORD_NAME, _record(model),
                             explain=lambda _, exc: disk.storage_error(exc, directory, f"installing {name}"))
            replaced = swap_into_place(root, directory, name)
        except OSError as exc:
            raise disk.storage_error(exc, directory, f"installing {name}") from None
    _LOGGER.info("installed %s in %s", name, model.path)
    return InstallResult(model, replaced, "manifest" if info is not None else "none")


@contextmanager
def workspace(directory: Path, name: str) -> Iterator[Path]:
    """``.install-NAME-PID`` beside the models, removed afterwards whatever happens.

    Only made under the install lock, so nobody else is using a folder of that name.
    """
    work = directory / f"{STAGING_PREFIX}{name}-{os.getpid()}"
    try:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
    except OSError as exc:
        raise disk.storage_error(exc, directory, f"installing {name}") from None
    try:
        yield work
    except TutorError:
        raise
    except OSError as exc:
        raise disk.storage_error(exc, directory, f"installing {name}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def swap_into_place(root: Path, directory: Path, name: str) -> bool:
    """Old copy to ``.old-NAME``, new one into place, then the old one deleted.

    Killed between the renames, the next install, remove or list puts ``.old-NAME`` back.
    """
    target, old = directory / name, directory / f"{OLD_PREFIX}{name}"
    if not target.exists():
        os.rename(root, target)
        disk.fsync_dir(directory)
        return False
    os.rename(target, old)
    disk.fsync_dir(directory)
    try:
        os.rename(root, target)
    except OSError:
        os.rename(old, target)
        raise
    disk.fsync_dir(directory)
    shutil.rmtree(old, ignore_errors=True)
    return True


def _record(model: InstalledModel) -> bytes:
    """The install record's text: TOML written by hand, so no TOML writer is needed."""
    def text(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string

    lines = ["# Written by `tutor models install`; `tutor models verify` checks the files against it.",
             f"name = {text(model.name)}", f"language = {text(model.language)}",
             f"source = {text(model.source)}", f"archive_sha256 = {text(model.archive_sha256)}",
             f"from_manifest = {'true' if model.from_manifest else 'false'}",
             f"installed_at = {text(model.installed_at)}", "", "[files]"]
    lines += [f"{text(relative)} = {text(digest)}" for relative, digest in model.files.items()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def download(info: ModelInfo, directory: Path, work: Path, progress: bool | None) -> tuple[Path, str]:
    """Fetch the manifest's archive into ``work``; returns it and its sha256, counted as it came."""
    # only `tutor models install` ever downloads: the station and its rounds never import these
    import http.client
    import urllib.error
    import urllib.request

    from tqdm import tqdm

    disk.require_space(directory, info.size, f"downloading {info.name}")
    target = work / info.archive_name
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(info.url, timeout=_DOWNLOAD_TIMEOUT_S) as response, \
                open(target, "wb") as out, \
                tqdm(total=int(response.headers.get("Content-Length") or info.size), unit="B",
                     unit_scale=True, desc=f"downloading {info.name}", disable=disk.hide(progress),
                     leave=False) as bar:
            while chunk := response.read(disk.CHUNK):
                out.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ModelError(
            f"cannot download {info.name} from {info.url} ({reason}); if the station is offline, "
            f"copy {info.archive_name} onto a USB stick and run "
            f"`tutor models install {info.name} --from /media/.../{info.archive_name}`") from None
    return target, digest.hexdigest()
