"""The installed models: what is in the models folder, checking it, removing from it,
and putting right what an interrupted install or remove left.

An installed model is a folder named after it in the models folder. A small record
(``.tutor-model.toml``) inside each installed model keeps where it came from, the
archive's sha256 and each file's sha256 for ``verify``; a model copied in by hand has
none, and only its layout can be checked.

Every hidden folder an install or remove leaves is named exactly (``.install-NAME-PID``,
``.old-NAME``, ``.remove-NAME-PID``): the next install or remove of any model clears the
stale ones, ``list`` reports them, and a model whose replacement was cut off between
the two renames is put back from ``.old-NAME``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from tutor.errors import ModelError, TutorError
from tutor.modelstore import disk
from tutor.modelstore.lock import Busy, install_lock, locked
from tutor.modelstore.manifest import MANIFEST_NAME, SOURCE_MODELS_DIR, ModelInfo, is_model_name

if TYPE_CHECKING:
    from tutor.settings import Settings

_LOGGER = logging.getLogger(__name__)

RECORD_NAME: Final = ".tutor-model.toml"
STAGING_PREFIX: Final = ".install-"
OLD_PREFIX: Final = ".old-"
_REMOVING: Final = ".remove-"
_LEFTOVER: Final = re.compile(r"\.(?P<kind>install|remove)-(?P<name>.+)-(?P<pid>[0-9]+)|\.old-(?P<old>.+)")
# Every vosk model has these; small models carry a lookahead graph (HCLr + Gr),
# big ones a full HCLG.
_REQUIRED: Final = ("am/final.mdl", "conf/model.conf")
_GRAPHS: Final = (("graph/HCLG.fst",), ("graph/HCLr.fst", "graph/Gr.fst"))


@dataclass(frozen=True)
class InstalledModel:
    """A folder in the models folder, with what its install record says about it."""

    name: str
    path: Path
    language: str = ""
    source: str = ""
    archive_sha256: str = ""
    from_manifest: bool = False
    installed_at: str = ""
    files: dict[str, str] = field(default_factory=dict)

    @property
    def recorded(self) -> bool:
        return bool(self.files)


@dataclass(frozen=True)
class Check:
    """What ``verify`` found for one installed model; no problems means it is usable."""

    model: InstalledModel
    problems: tuple[str, ...]
    notes: tuple[str, ...] = ()


def models_dir(settings: Settings) -> Path:
    """The folder installed models live in."""
    if settings.recognition.models_dir:
        return Path(settings.recognition.models_dir).expanduser()
    if (SOURCE_MODELS_DIR / MANIFEST_NAME).is_file():
        return SOURCE_MODELS_DIR
    return settings.data_dir / "models"


def layout_problems(path: Path) -> list[str]:
    """What a vosk model folder lacks; empty when it has what vosk loads."""
    if not path.is_dir():
        return [f"{path} is not a folder"]
    missing = [part for part in _REQUIRED if not (path / part).is_file()]
    if not any(all((path / part).is_file() for part in graph) for graph in _GRAPHS):
        missing.append("graph/HCLG.fst (or graph/HCLr.fst with graph/Gr.fst)")
    return missing


def resolve_model(model: str, directory: Path) -> Path:
    """A configured model: a name in the models folder, or a path to a model folder."""
    if model.startswith(("/", ".", "~")) or "/" in model:
        return Path(model).expanduser()
    return directory / model


def read_installed(path: Path, manifest: dict[str, ModelInfo] | None = None) -> InstalledModel:
    """A model folder and its install record, if it has one."""
    record: dict[str, Any] = {}
    try:
        record = tomllib.loads((path / RECORD_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        _LOGGER.warning("ignoring the unreadable install record in %s: %s", path, exc)
    known = (manifest or {}).get(path.name)
    files = record.get("files", {})
    return InstalledModel(
        name=path.name, path=path,
        language=str(record.get("language") or (known.language if known else "")),
        source=str(record.get("source", "")), archive_sha256=str(record.get("archive_sha256", "")),
        from_manifest=bool(record.get("from_manifest", False)),
        installed_at=str(record.get("installed_at", "")),
        files={str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {})


def installed_models(directory: Path, manifest: dict[str, ModelInfo] | None = None) -> list[InstalledModel]:
    """Every model folder in the models folder (hidden staging folders are not models).

    Puts back a model whose replacement was cut off, and warns about other leftovers.
    """
    if not directory.is_dir():
        return []
    recover(directory, clean=False)
    return [read_installed(path, manifest) for path in sorted(directory.iterdir())
            if path.is_dir() and not path.name.startswith((".", "_"))]


@dataclass(frozen=True)
class Leftover:
    """A hidden folder an install or remove left behind."""

    path: Path
    kind: str  # "install", "remove" or "old"
    name: str
    pid: int | None

    @property
    def running(self) -> bool:
        return self.pid is not None and _alive(self.pid)


def leftovers(directory: Path) -> list[Leftover]:
    """Hidden folders named exactly as installs and removes name theirs."""
    found = []
    try:
        paths = sorted(directory.iterdir())
    except OSError:
        return []
    for path in paths:
        match = _LEFTOVER.fullmatch(path.name)
        if match is None or not path.is_dir():
            continue
        name = match["name"] or match["old"]
        if not is_model_name(name):
            continue
        pid = int(match["pid"]) if match["pid"] else None
        found.append(Leftover(path, match["kind"] or "old", name, pid))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(directory: Path, *, clean: bool = False) -> list[str]:
    """Put back models cut off mid-replace; with ``clean``, delete stale leftovers, else report them.

    Changes need the install lock; while an install holds it, this only reports.
    Returns (and logs as warnings) one line per leftover.
    """
    found = leftovers(directory)
    if not found:
        return []
    notes: list[str] = []
    try:
        with install_lock(directory, wait_s=0.0):
            notes = recover_locked(directory, clean=clean)
    except Busy:
        notes = [f"{item.path.name}: in use by a running install" if item.running else
                 f"{item.path.name}: left by an interrupted {item.kind}" for item in found]
        for note in notes:
            _LOGGER.warning("%s", note)
    except OSError as exc:
        notes = [f"cannot check the leftovers in {directory}: {exc.strerror or exc}"]
        _LOGGER.warning("%s", notes[0])
    return notes


def recover_locked(directory: Path, *, clean: bool) -> list[str]:
    """:func:`recover`, for a caller that holds the install lock."""
    notes = [_recover_one(directory, item, clean=clean) for item in leftovers(directory)]
    for note in notes:
        _LOGGER.warning("%s", note)
    return notes


def _recover_one(directory: Path, item: Leftover, *, clean: bool) -> str:
    target = directory / item.name
    if item.kind == "old":
        if not target.exists():
            # killed between moving the old copy aside and the new one in
            os.rename(item.path, target)
            disk.fsync_dir(directory)
            return f"{item.name}: put back the copy an interrupted install had moved aside"
        if clean:
            shutil.rmtree(item.path, ignore_errors=True)
            return f"{item.path.name}: removed the copy an interrupted install replaced"
        return (f"{item.path.name}: the copy an interrupted install replaced "
                f"({disk.describe_size(disk.tree_size(item.path))}); the next install or remove deletes it")
    if item.pid == os.getpid():
        shutil.rmtree(item.path, ignore_errors=True)  # this process's own, from an earlier call
        return f"{item.path.name}: removed, left by an earlier {item.kind} in this process"
    state = f"pid {item.pid} is {'running but not installing' if item.running else 'gone'}"
    if clean:
        shutil.rmtree(item.path, ignore_errors=True)
        return f"{item.path.name}: removed, left by an interrupted {item.kind} of {item.name} ({state})"
    return (f"{item.path.name}: left by an interrupted {item.kind} of {item.name} ({state}, "
            f"{disk.describe_size(disk.tree_size(item.path))}); the next `tutor models install` or "
            "`remove` deletes it")


def verify(directory: Path, manifest: dict[str, ModelInfo]) -> list[Check]:
    """Re-check every installed model: layout, and each file against its install record."""
    checks = []
    for model in installed_models(directory, manifest):
        problems = [f"missing {part}" for part in layout_problems(model.path)]
        notes = []
        for relative, digest in model.files.items():
            path = model.path / relative
            if not path.is_file():
                if f"missing {relative}" not in problems:
                    problems.append(f"missing {relative}")
            elif disk.sha256_file(path) != digest:
                problems.append(f"{relative} has changed since it was installed")
        known = manifest.get(model.name)
        if not model.recorded:
            notes.append("no install record (copied in by hand): only its layout was checked")
        elif model.from_manifest and known is not None and known.sha256 != model.archive_sha256:
            notes.append("installed from an older archive than the manifest lists; "
                         f"`tutor models install {model.name}` updates it")
        elif not model.from_manifest:
            notes.append("not from the manifest: installed without a known checksum")
        checks.append(Check(model, tuple(problems), tuple(notes)))
    return checks


def remove(name: str, directory: Path, *, lock_wait_s: float | None = None) -> Path:
    """Delete an installed model; it stops being a model the moment the call starts."""
    target = directory / name
    if not is_model_name(name) or not directory.is_dir():
        raise ModelError(f"{name!r} is not installed in {directory}; `tutor models list` shows what is")
    try:
        with locked(directory, lock_wait_s, "removing it"):
            recover_locked(directory, clean=True)
            if not target.is_dir():
                raise ModelError(f"{name} is not installed in {directory}; `tutor models list` shows what is")
            trash = directory / f"{_REMOVING}{name}-{os.getpid()}"
            # renamed first, so an interrupted delete never leaves half a model under its name
            os.rename(target, trash)
            disk.fsync_dir(directory)
            shutil.rmtree(trash)
    except TutorError:
        raise
    except OSError as exc:
        raise disk.storage_error(exc, directory, f"removing {name}") from None
    return target
