"""Speech models: the manifest of known models, and installing, checking and removing them.

An installed model is a folder named after it in the models folder. Installing
unpacks the archive into a hidden staging folder beside its final place, checks
the layout there and only then renames it into place, so a failed, interrupted
or power-cut install leaves the models that were there before as they were.
A small record (``.tutor-model.toml``) inside each installed model keeps where
it came from, the archive's sha256 and each file's sha256 for ``verify``.

Installs take a lock (``flock`` on ``.install.lock`` in the models folder), so two
at once queue instead of deleting each other's work. Every hidden folder an install
or remove leaves is named exactly (``.install-NAME-PID``, ``.old-NAME``,
``.remove-NAME-PID``): the next install or remove of any model clears the stale
ones, ``list`` reports them, and a model whose replacement was cut off between
the two renames is put back from ``.old-NAME``.

Archives are only trusted as far as they are counted: the sizes they declare
decide nothing on their own (a gzip's is modulo 4 GiB, a zip's is whatever its
maker wrote); every byte unpacked counts against a budget (``max_unpacked``, and
the free space), and members are streamed a megabyte at a time.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import gzip
import hashlib
import http.client
import json
import logging
import os
import re
import shutil
import tarfile
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, Final

from tutor.errors import ConfigError, ModelError, StorageError, TutorError

if TYPE_CHECKING:
    from tutor.settings import Settings

_LOGGER = logging.getLogger(__name__)

MANIFEST_NAME: Final = "manifest.toml"
RECORD_NAME: Final = ".tutor-model.toml"
# The source tree's models/ folder: stations run the tutor from a checkout (editable
# install), so this is where their models live unless configured otherwise.
SOURCE_MODELS_DIR: Final = Path(__file__).resolve().parents[2] / "models"

_CHUNK: Final = 1 << 20
_DOWNLOAD_TIMEOUT_S: Final = 30.0
_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")  # always fullmatch: no trailing newline
_SHA256: Final = re.compile(r"^[0-9a-f]{64}$")
_STAGING: Final = ".install-"
_OLD: Final = ".old-"
_REMOVING: Final = ".remove-"
LOCK_NAME: Final = ".install.lock"
_LEFTOVER: Final = re.compile(r"\.(?P<kind>install|remove)-(?P<name>.+)-(?P<pid>[0-9]+)|\.old-(?P<old>.+)")
LOCK_WAIT_S: Final = 120.0  # an install unpacks 250 MB in seconds here, in a minute or so on a Pi
MAX_UNPACKED: Final = 2_000_000_000  # the largest vosk models unpack to about 1.6 GB
ACCEPTED: Final = ".zip, .tar.gz or .tgz"
_MAX_TAR_HEADER: Final = 1 << 20  # long names and pax headers are read whole: keep them small
_DOWNLOADING: Final = ".download-"
_MANIFEST_KEYS: Final = {"name", "language", "url", "size", "sha256", "description"}
# Every vosk model has these; small models carry a lookahead graph (HCLr + Gr),
# big ones a full HCLG.
_REQUIRED: Final = ("am/final.mdl", "conf/model.conf")
_GRAPHS: Final = (("graph/HCLG.fst",), ("graph/HCLr.fst", "graph/Gr.fst"))
_FREE_MARGIN: Final = 16 << 20  # leave the system a little room; SD cards fill badly
_ARCHIVE_LITTER: Final = ("__MACOSX",)


@dataclass(frozen=True)
class ModelInfo:
    """A model the manifest knows: where to get it and how to recognise a good copy."""

    name: str
    language: str
    url: str
    size: int
    sha256: str
    description: str = ""

    @property
    def archive_name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1] or f"{self.name}.zip"


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


def is_english(language: str) -> bool:
    return language.lower().replace("_", "-").split("-")[0] == "en"


def models_dir(settings: Settings) -> Path:
    """The folder installed models live in."""
    if settings.recognition.models_dir:
        return Path(settings.recognition.models_dir).expanduser()
    if (SOURCE_MODELS_DIR / MANIFEST_NAME).is_file():
        return SOURCE_MODELS_DIR
    return settings.data_dir / "models"


def manifest_path(directory: Path) -> Path:
    """The models folder's own manifest, else the one in the tutor's source tree."""
    own = directory / MANIFEST_NAME
    source = SOURCE_MODELS_DIR / MANIFEST_NAME
    return source if not own.is_file() and source.is_file() else own


def read_manifest(path: Path) -> dict[str, ModelInfo]:
    """The manifest's models by name; a missing manifest knows none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read the model manifest {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    entries = data.get("model", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{path}:{_entry_line(text, 0, None)}: models must be [[model]] tables")
    unknown = sorted(set(data) - {"model"})
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key '{unknown[0]}'; each model is a [[model]] table")
    models: dict[str, ModelInfo] = {}
    for index, entry in enumerate(entries):
        info = _manifest_entry(entry, functools.partial(_where, path, text, index))
        if info.name in models:
            raise ConfigError(f"{path}:{_entry_line(text, index, 'name')}: model '{info.name}' "
                              "is listed twice")
        models[info.name] = info
    return models


def _manifest_entry(entry: dict[str, Any], where: Callable[[str | None], str]) -> ModelInfo:
    for key in entry:
        if key not in _MANIFEST_KEYS:
            raise ConfigError(f"{where(key)}: unknown key '{key}'; "
                              f"known: {', '.join(sorted(_MANIFEST_KEYS))}")
    for key in ("name", "language", "url", "size", "sha256"):
        if key not in entry:
            raise ConfigError(f"{where(None)}: model is missing '{key}'")
    name, language, url = entry["name"], entry["language"], entry["url"]
    size, sha256, description = entry["size"], entry["sha256"], entry.get("description", "")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(f"{where('name')}: 'name' must be a folder name of letters, digits, "
                          f". _ + -, not {name!r}")
    if not isinstance(language, str) or not language:
        raise ConfigError(f"{where('language')}: 'language' must be a language tag such as 'en-us'")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ConfigError(f"{where('url')}: 'url' must be an http(s) address, not {url!r}")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ConfigError(f"{where('size')}: 'size' must be the archive's size in bytes, not {size!r}")
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        raise ConfigError(f"{where('sha256')}: 'sha256' must be 64 lower-case hex digits")
    if not isinstance(description, str):
        raise ConfigError(f"{where('description')}: 'description' must be a string")
    return ModelInfo(name, language, url, size, sha256, description)


def _where(path: Path, text: str, index: int, key: str | None) -> str:
    return f"{path}:{_entry_line(text, index, key)}"


def _entry_line(text: str, index: int, key: str | None) -> int | str:
    """Line of ``key`` in the index-th [[model]] table (or of the table itself)."""
    lines = text.splitlines()
    headers = [n for n, line in enumerate(lines) if re.match(r"^\s*\[\[\s*model\s*\]\]", line)]
    if index >= len(headers):
        return "?"
    end = headers[index + 1] if index + 1 < len(headers) else len(lines)
    if key is not None:
        pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
        for number in range(headers[index], end):
            if pattern.match(lines[number]):
                return number + 1
    return headers[index] + 1


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
        if not _NAME.fullmatch(name):
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
        with _install_lock(directory, wait_s=0.0):
            notes = _recover_locked(directory, clean=clean)
    except _Busy:
        notes = [f"{item.path.name}: in use by a running install" if item.running else
                 f"{item.path.name}: left by an interrupted {item.kind}" for item in found]
        for note in notes:
            _LOGGER.warning("%s", note)
    except OSError as exc:
        notes = [f"cannot check the leftovers in {directory}: {exc.strerror or exc}"]
        _LOGGER.warning("%s", notes[0])
    return notes


def _recover_locked(directory: Path, *, clean: bool) -> list[str]:
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
            _fsync_dir(directory)
            return f"{item.name}: put back the copy an interrupted install had moved aside"
        if clean:
            shutil.rmtree(item.path, ignore_errors=True)
            return f"{item.path.name}: removed the copy an interrupted install replaced"
        return (f"{item.path.name}: the copy an interrupted install replaced "
                f"({_mb(_tree_size(item.path))}); the next install or remove deletes it")
    if item.pid == os.getpid():
        shutil.rmtree(item.path, ignore_errors=True)  # this process's own, from an earlier call
        return f"{item.path.name}: removed, left by an earlier {item.kind} in this process"
    state = f"pid {item.pid} is {'running but not installing' if item.running else 'gone'}"
    if clean:
        shutil.rmtree(item.path, ignore_errors=True)
        return f"{item.path.name}: removed, left by an interrupted {item.kind} of {item.name} ({state})"
    return (f"{item.path.name}: left by an interrupted {item.kind} of {item.name} ({state}, "
            f"{_mb(_tree_size(item.path))}); the next `tutor models install` or `remove` deletes it")


def _tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


class _Busy(Exception):
    """Another process holds the install lock."""


@contextmanager
def _install_lock(directory: Path, wait_s: float | None) -> Iterator[None]:
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
                    raise _Busy(os.pread(fd, 32, 0).decode("ascii", "replace").strip()) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock; the kernel releases it too when killed


@contextmanager
def _locked(directory: Path, wait_s: float | None, what: str) -> Iterator[None]:
    try:
        with _install_lock(directory, wait_s):
            yield
    except _Busy as busy:
        holder = f" (pid {busy.args[0]})" if busy.args and busy.args[0] else ""
        raise ModelError(f"another install is running in {directory}{holder}; try {what} again when it "
                         "has finished") from None


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
            elif _sha256_file(path) != digest:
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
    if not _NAME.fullmatch(name) or not directory.is_dir():
        raise ModelError(f"{name!r} is not installed in {directory}; `tutor models list` shows what is")
    try:
        with _locked(directory, lock_wait_s, "removing it"):
            _recover_locked(directory, clean=True)
            if not target.is_dir():
                raise ModelError(f"{name} is not installed in {directory}; `tutor models list` shows what is")
            trash = directory / f"{_REMOVING}{name}-{os.getpid()}"
            # renamed first, so an interrupted delete never leaves half a model under its name
            os.rename(target, trash)
            _fsync_dir(directory)
            shutil.rmtree(trash)
    except TutorError:
        raise
    except OSError as exc:
        raise _storage_error(exc, directory, f"removing {name}") from None
    return target


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
    if not _NAME.fullmatch(name):
        raise ModelError(f"{name!r} cannot be a model name: use letters, digits and . _ + -")
    info = manifest.get(name)
    if archive is None and info is None:
        raise ModelError(f"{name} is not in the model manifest ({manifest_path(directory)}); "
                         f"install it from an archive: tutor models install {name} --from ARCHIVE")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with _locked(directory, lock_wait_s, "installing it"):
            _recover_locked(directory, clean=True)
            return _install_locked(name, directory, info, archive, progress, max_unpacked)
    except TutorError:
        raise
    except OSError as exc:
        raise _storage_error(exc, directory, f"installing {name}") from None


def _install_locked(name: str, directory: Path, info: ModelInfo | None, archive: Path | None,
                    progress: bool | None, max_unpacked: int) -> InstallResult:
    with _workspace(directory, name) as work:
        if archive is None:
            assert info is not None
            archive, digest = _download(info, directory, work, progress)
        else:
            if not archive.is_file():
                raise ModelError(f"{archive} does not exist or is not a file")
            digest = _sha256_file(archive, progress=progress, label=f"checking {archive.name}")
        if info is not None and digest != info.sha256:
            raise ModelError(
                f"{archive} is not {name} as the manifest knows it (sha256 {digest[:12]}…, "
                f"expected {info.sha256[:12]}…, {archive.stat().st_size:,} bytes, expected "
                f"{info.size:,}): the copy is damaged or a different file; copy it again")
        root = _unpack(archive, work / "unpacked", directory, name, progress, max_unpacked)
        missing = layout_problems(root)
        if missing:
            raise ModelError(f"{archive} does not hold a vosk model: missing {', '.join(missing)}")
        files = {str(path.relative_to(root).as_posix()): _sha256_file(path)
                 for path in sorted(root.rglob("*")) if path.is_file()}
        model = InstalledModel(
            name=name, path=directory / name, language=info.language if info else "",
            source=info.url if info and archive.parent == work else str(archive.resolve()),
            archive_sha256=digest, from_manifest=info is not None,
            installed_at=datetime.now(UTC).isoformat(timespec="seconds"), files=files)
        try:
            _write_record(root / RECORD_NAME, model)
            replaced = _swap_into_place(root, directory, name)
        except OSError as exc:
            raise _storage_error(exc, directory, f"installing {name}") from None
    _LOGGER.info("installed %s in %s", name, model.path)
    return InstallResult(model, replaced, "manifest" if info is not None else "none")


@contextmanager
def _workspace(directory: Path, name: str) -> Iterator[Path]:
    """``.install-NAME-PID`` beside the models, removed afterwards whatever happens.

    Only made under the install lock, so nobody else is using a folder of that name.
    """
    work = directory / f"{_STAGING}{name}-{os.getpid()}"
    try:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
    except OSError as exc:
        raise _storage_error(exc, directory, f"installing {name}") from None
    try:
        yield work
    except TutorError:
        raise
    except OSError as exc:
        raise _storage_error(exc, directory, f"installing {name}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _swap_into_place(root: Path, directory: Path, name: str) -> bool:
    """Old copy to ``.old-NAME``, new one into place, then the old one deleted.

    Killed between the renames, the next install, remove or list puts ``.old-NAME`` back.
    """
    target, old = directory / name, directory / f"{_OLD}{name}"
    if not target.exists():
        os.rename(root, target)
        _fsync_dir(directory)
        return False
    os.rename(target, old)
    _fsync_dir(directory)
    try:
        os.rename(root, target)
    except OSError:
        os.rename(old, target)
        raise
    _fsync_dir(directory)
    shutil.rmtree(old, ignore_errors=True)
    return True


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_record(path: Path, model: InstalledModel) -> None:
    def text(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string

    lines = ["# Written by `tutor models install`; `tutor models verify` checks the files against it.",
             f"name = {text(model.name)}", f"language = {text(model.language)}",
             f"source = {text(model.source)}", f"archive_sha256 = {text(model.archive_sha256)}",
             f"from_manifest = {'true' if model.from_manifest else 'false'}",
             f"installed_at = {text(model.installed_at)}", "", "[files]"]
    lines += [f"{text(relative)} = {text(digest)}" for relative, digest in model.files.items()]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _download(info: ModelInfo, directory: Path, work: Path, progress: bool | None) -> tuple[Path, str]:
    from tqdm import tqdm

    _require_space(directory, info.size, f"downloading {info.name}")
    target = work / info.archive_name
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(info.url, timeout=_DOWNLOAD_TIMEOUT_S) as response, \
                open(target, "wb") as out, \
                tqdm(total=int(response.headers.get("Content-Length") or info.size), unit="B",
                     unit_scale=True, desc=f"downloading {info.name}", disable=_hide(progress),
                     leave=False) as bar:
            while chunk := response.read(_CHUNK):
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


@dataclass(frozen=True)
class _Member:
    path: PurePosixPath
    is_dir: bool
    size: int
    open: Callable[[], IO[bytes] | None]


def _unpack(archive: Path, staging: Path, directory: Path, name: str, progress: bool | None,
            max_unpacked: int) -> Path:
    """Extract into ``staging`` and return the model folder inside it.

    Every byte written counts against ``max_unpacked`` and the free space; what the
    archive says about its own size only decides an early refusal.
    """
    from tqdm import tqdm

    with _open_archive(archive) as (members, declared):
        if declared > max_unpacked:
            raise _too_big(archive, f"says it unpacks to {_mb(declared)}", max_unpacked)
        _require_space(directory, declared, f"installing {name}")
        room = _free_bytes(directory) - _FREE_MARGIN
        staging.mkdir()
        written = 0
        with tqdm(total=declared, unit="B", unit_scale=True, desc=f"unpacking {archive.name}",
                  disable=_hide(progress), leave=False) as bar:
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
                    while chunk := _read_archive(archive, functools.partial(source.read, _CHUNK)):
                        written += len(chunk)
                        if written > max_unpacked:
                            raise _too_big(archive, f"unpacks to more than {_mb(max_unpacked)}",
                                           max_unpacked)
                        if written > room:
                            _require_space(directory, written + _CHUNK, f"installing {name}")
                        out.write(chunk)
                        bar.update(len(chunk))
    entries = [p for p in staging.iterdir() if p.name not in _ARCHIVE_LITTER]
    # archives from alphacephei hold one top-level folder named after the model
    if layout_problems(staging) and len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return staging


def _too_big(archive: Path, what: str, limit: int) -> ModelError:
    return ModelError(f"{archive} {what}, more than a model may take ({_mb(limit)}); refusing it")


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


def _free_bytes(directory: Path) -> int:
    return shutil.disk_usage(directory).free


def _require_space(directory: Path, needed: int, what: str) -> None:
    free = _free_bytes(directory)
    if needed + _FREE_MARGIN > free:
        raise StorageError(
            f"not enough space for {what} in {directory}: it needs {_mb(needed + _FREE_MARGIN)}, "
            f"{_mb(free)} is free; free some space or set recognition.models_dir to a bigger disk")


def _storage_error(exc: OSError, directory: Path, what: str) -> StorageError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError(f"disk full while {what} in {directory}: free some space or set "
                            "recognition.models_dir to a bigger disk; the installed models are unchanged")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(f"cannot write to {directory} while {what}: {exc.strerror}; run as a user "
                            "who can, or set recognition.models_dir")
    return StorageError(f"{what} failed in {directory}: {exc.strerror or exc}")


def _sha256_file(path: Path, *, progress: bool | None = False, label: str = "") -> str:
    from tqdm import tqdm

    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle, tqdm(total=path.stat().st_size, unit="B", unit_scale=True,
                                              desc=label, disable=_hide(progress), leave=False) as bar:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                bar.update(len(chunk))
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror or exc}") from None
    return digest.hexdigest()


def _hide(progress: bool | None) -> bool | None:
    # tqdm's own rule for None: shown on a terminal, hidden in logs and pipes
    return None if progress is None else not progress


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def describe_size(size: int) -> str:
    return _mb(size)
