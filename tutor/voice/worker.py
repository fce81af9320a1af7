"""The voice's child process: the only place espeak-ng runs while the station renders lines.

Run as a script (``python path/to/worker.py``, so the station's package and its
imports are not loaded here). It speaks a small protocol on stdin and stdout:
every message is a 4-byte big-endian length and that many bytes. The child
first sends a JSON header ``{"sample_rate": n}`` (or ``{"error": "..."}``
and exits); then, for every request ``{"text", "voice", "rate"}`` it sends a
JSON header (``{"warning": ...}`` or ``{"error": ...}``) and the PCM (int16
little-endian, mono) as a second message. End of input ends the child. The
station kills a child that takes too long and starts another, so espeak-ng
never runs twice in one process.
"""

from __future__ import annotations

import ctypes
import json
import signal
import struct
import sys
from typing import IO, Any

_LENGTH = struct.Struct(">I")


def send(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_LENGTH.pack(len(payload)) + payload)
    stream.flush()


def receive(stream: IO[bytes]) -> bytes | None:
    """One message, or None at the end of input."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(head)
    payload = stream.read(length)
    return payload if len(payload) == length else None


class Espeak:
    """espeak-ng in synchronous mode, through the binding pyttsx3 ships."""

    def __init__(self) -> None:
        from pyttsx3.drivers import _espeak  # loads libespeak-ng.so.1

        self._lib: Any = _espeak
        self.sample_rate = int(_espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 500))
        if self.sample_rate <= 0:
            raise RuntimeError("espeak-ng could not start")
        self._chunks: list[bytes] = []
        _espeak.SetSynthCallback(self._collect)
        self._voice: str | None = None

    def _collect(self, wav: Any, count: int, events: Any) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    def synthesize(self, text: str, voice: str, rate: int) -> tuple[bytes, str | None]:
        """The line's PCM, and a warning when the voice could not be set."""
        lib = self._lib
        warning = None
        if voice != self._voice:
            if lib.SetVoiceByName(voice.encode()) != lib.EE_OK:
                warning = f"voice {voice!r} not available; using the default voice"
            self._voice = voice
        lib.SetParameter(lib.RATE, rate, 0)  # after the voice: a voice change resets the rate
        self._chunks = []
        lib.Synth(text, flags=lib.CHARS_UTF8)
        lib.Synchronize()
        return b"".join(self._chunks), warning


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the station's to handle
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    try:
        espeak = Espeak()
    except BaseException as exc:  # a missing libespeak-ng raises OSError, others RuntimeError
        send(replies, json.dumps({"error": str(exc) or type(exc).__name__}).encode())
        return 1
    send(replies, json.dumps({"sample_rate": espeak.sample_rate}).encode())
    while (message := receive(requests)) is not None:
        pcm = b""
        try:
            request = json.loads(message)
            pcm, warning = espeak.synthesize(request["text"], request["voice"], int(request["rate"]))
            header: dict[str, Any] = {"warning": warning}
        except Exception as exc:
            header = {"error": f"{type(exc).__name__}: {exc}"}
        send(replies, json.dumps(header).encode())
        send(replies, pcm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
