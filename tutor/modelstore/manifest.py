"""The manifest of known speech models: where to get each one and how to recognise a good copy.

``manifest.toml`` is a list of ``[[model]]`` tables a person edits; it is read with the
shared TOML reader, so every mistake is one sentence naming the file and the line of
the key. A missing manifest is not an error: it knows no models, and archives can still
be installed by hand (``--from``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from tutor.errors import ConfigError
from tutor.tomlfile import key_line, read_toml

MANIFEST_NAME: Final = "manifest.toml"
# The source tree's models/ folder: stations run the tutor from a checkout (editable
# install), so this is where their models live unless configured otherwise.
SOURCE_MODELS_DIR: Final = Path(__file__).resolve().parents[2] / "models"

_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")  # always fullmatch: no trailing newline
_SHA256: Final = re.compile(r"^[0-9a-f]{64}$")
_MANIFEST_KEYS: Final = {"name", "language", "url", "size", "sha256", "description"}


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


def is_model_name(name: str) -> bool:
    """Whether ``name`` can name a model folder: letters, digits and . _ + -, not hidden."""
    return _NAME.fullmatch(name) is not None


def is_english(language: str) -> bool:
    return language.lower().replace("_", "-").split("-")[0] == "en"


def manifest_path(directory: Path) -> Path:
    """The models folder's own manifest, else the one in the tutor's source tree."""
    own = directory / MANIFEST_NAME
    source = SOURCE_MODELS_DIR / MANIFEST_NAME
    return source if not own.is_file() and source.is_file() else own


def read_manifest(path: Path) -> dict[str, ModelInfo]:
    """The manifest's models by name; a missing manifest knows none."""
    try:
        document = read_toml(path, what="model manifest", error=ConfigError)
    except FileNotFoundError:
        return {}
    text, data = document.text or "", document.data
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
    if not isinstance(name, str) or not is_model_name(name):
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
    """Line of ``key`` in the index-th [[model]] table (or of the table itself).

    Every table has the same keys, so the search is confined to the index-th table.
    """
    lines = text.splitlines()
    headers = [n for n, line in enumerate(lines) if re.match(r"^\s*\[\[\s*model\s*\]\]", line)]
    if index >= len(headers):
        return "?"
    end = headers[index + 1] if index + 1 < len(headers) else len(lines)
    found = key_line("\n".join(lines[headers[index]:end]), key) if key is not None else "?"
    return headers[index] + found if isinstance(found, int) else headers[index] + 1
