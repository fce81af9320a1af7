"""Reading the TOML files a person writes (settings, scenarios, the model manifest) with
errors that name the file and the line.

Every such file is read the same way: it must be a regular file (a named pipe would block
the station for ever), UTF-8, and valid TOML; each failure is one sentence naming the
file, raised as the caller's own error class so it gets that class's exit code. The text
is kept beside the data so later checks can point at the line of a key.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor.errors import TutorError


@dataclass(frozen=True)
class TomlFile:
    """A parsed TOML file: its data, its text and where it came from."""

    path: Path | str  # a path, or a name for text that came from elsewhere
    text: str | None
    data: dict[str, Any]

    def line(self, key: str) -> int | str:
        """The line of the first ``key =`` or ``[key]``, or "?"."""
        return key_line(self.text, key)

    def where(self, key: str) -> str:
        """``path:line`` of ``key``, for the start of an error message."""
        return f"{self.path}:{self.line(key)}"


def read_toml(path: Path, *, what: str, error: type[TutorError]) -> TomlFile:
    """Read and parse ``path``; ``what`` names it in errors ("config file", "scenario file").

    A missing file raises FileNotFoundError untouched, because what that means differs:
    an error for a named scenario, nothing for an optional manifest.
    """
    from tutor.files import describe_kind  # only for the rare refusal; keeps `tutor --help` quick

    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"{path} is {describe_kind(mode)}, not a {what}")
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except UnicodeDecodeError:
        raise error(f"{path}: not a text file ({what}s are UTF-8 TOML)") from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    return parse_toml(text, path=path, error=error)


def parse_toml(text: str, *, path: Path | str, error: type[TutorError]) -> TomlFile:
    """Parse TOML text that came from ``path``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    return TomlFile(path, text, data)


def key_line(text: str | None, key: str) -> int | str:
    """Line number of the first ``key =`` or ``[key]`` in TOML text, for error messages."""
    if not text:
        return "?"
    pattern = re.compile(rf"^\s*(\[\s*{re.escape(key)}\s*\]|\"?{re.escape(key)}\"?\s*=)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return "?"
