"""Text from files and the history, made safe to print on a trainer's terminal.

Scenario titles and lines, scenario file names and station names come from files
anyone with access to the station can edit, or from an older history. An escape
sequence in them would reach the terminal and could move the cursor, retitle the
window or hide text; bidirectional overrides can reorder what is shown. They are
printed as visible escapes (``\\x1b``) instead.
"""

from __future__ import annotations

import re
from typing import Final

_UNSAFE: Final = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, *, newlines: bool = False) -> str:
    """``text`` with control characters and direction overrides written as ``\\xNN``/``\\uNNNN``;
    with ``newlines``, line breaks are kept (for a block of lines such as a score card)."""
    def escape(match: re.Match[str]) -> str:
        char = match[0]
        if newlines and char == "\n":
            return char
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    return _UNSAFE.sub(escape, text)
