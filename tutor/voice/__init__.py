"""The customer's voice: scenario lines rendered to audio the station plays itself.

Lines are rendered by espeak-ng (through pyttsx3's binding) and played
through the station's own output stream, never through the text-to-speech
library's player, so the station knows to the sample when each line starts
and ends.

espeak-ng takes a voice name as a path into its voice folder and reads whatever
file it finds there (``../../../../etc/passwd`` is printed, then the process
crashes), so a voice is accepted only when espeak-ng itself lists it:
:func:`voice_problem` asks it once, in a child process, and keeps the answer.
A whole customer track is at most :data:`MAX_CUSTOMER_S` long.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import json
import logging
import os
import re
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np

from tutor.audio.wavfile import read_mono, resample
from tutor.errors import ConfigError, ScenarioError, VoiceError
from tutor.scenarios import MAX_LINE_AUDIO_S, Scenario
from tutor.settings import VoiceSettings

_LOGGER = logging.getLogger(__name__)

MAX_CUSTOMER_S: Final = 300.0
"""Longest customer track (every line and pause of a scenario), in seconds."""
_LIST_TIMEOUT_S: Final = 10.0
# run in a child process: espeak-ng is initialised there, never twice in the station's process
_LIST_VOICES: Final = """
import json
from pyttsx3.drivers import _espeak
if _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 500) <= 0:
    raise SystemExit("espeak-ng could not start")
def listed(spec=None):
    return [[v.name.decode(errors="replace"), v.identifier.decode(errors="replace"),
             (v.languages or b"")[1:].decode(errors="replace")]  # after the priority byte
            for v in _espeak.ListVoices(spec)]
print(json.dumps({"voices": listed(), "variants": listed(_espeak.VOICE(languages=b"variant"))}))
"""


@dataclass(frozen=True)
class EspeakVoices:
    """What espeak-ng accepts as a voice: ``name`` or ``name+variant``."""

    names: dict[str, str]
    """Every accepted voice name, lower case (espeak-ng ignores case), to its identifier."""
    variants: frozenset[str]
    """Variant names (``f3``, ``Alex``), as espeak-ng's file names spell them."""
    languages: dict[str, str] = field(default_factory=dict)
    """Each voice's identifier to the language espeak-ng says it speaks (``en-us``, ``piqd``)."""
    titles: dict[str, str] = field(default_factory=dict)
    """Each voice's identifier to its name as espeak-ng shows it (``Klingon``)."""


@functools.cache
def espeak_voices() -> EspeakVoices | None:
    """The voices espeak-ng lists, asked once per process; None when it cannot be asked."""
    try:
        done = subprocess.run([sys.executable, "-c", _LIST_VOICES], capture_output=True, text=True,
                              timeout=_LIST_TIMEOUT_S, check=True)
        listing = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        _LOGGER.warning("could not ask espeak-ng for its voices (%s); voice names are only "
                        "checked for paths", exc)
        return None
    names: dict[str, str] = {}
    languages: dict[str, str] = {}
    titles: dict[str, str] = {}
    for name, identifier, language in listing["voices"]:
        languages[identifier] = language
        titles[identifier] = name
        # espeak-ng's SetVoiceByName matches a voice's name, its file, or the file's last part
        for key in (name, identifier, identifier.rsplit("/", 1)[-1]):
            names.setdefault(key.lower(), identifier)
    variants = frozenset(identifier.rsplit("/", 1)[-1] for _, identifier, _ in listing["variants"])
    return EspeakVoices(names, variants, languages, titles)


def voice_problem(voice: str) -> str | None:
    """Why ``voice`` must not be handed to espeak-ng, as the end of a sentence that starts
    with the setting's name; None when espeak-ng lists it."""
    voices = espeak_voices()
    base, plus, variant = voice.partition("+")
    if voices is None:  # espeak-ng could not be asked: refuse at least what reads a file elsewhere
        if "\0" in voice or voice.startswith("/") or ".." in voice or len(voice) > 40:
            return f"must be an espeak-ng voice name, not {_shown(voice)}"
        return None
    problem = None
    if base.lower() not in voices.names:
        close = difflib.get_close_matches(base.lower(), list(voices.names), n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(dict.fromkeys(voices.names[c] for c in close))}?" if close else (
            "`espeak-ng --voices` lists them")
        problem = f"must be a voice espeak-ng lists, not {_shown(base)}; {hint}"
    elif not _speaks_english(voices.languages.get(voices.names[base.lower()], "en")):
        # espeak-ng lists "klingon"; the customer's lines are English and so is the recognizer
        identifier = voices.names[base.lower()]
        english = sorted((i for i, language in voices.languages.items() if _speaks_english(language)),
                         key=lambda i: (len(i), i))
        problem = (f"must be a voice that speaks English, not {_shown(base)} (espeak-ng's "
                   f"{voices.titles.get(identifier, identifier)} voice, {identifier}); English voices: "
                   f"{', '.join(english[:4])} (`espeak-ng --voices=en` lists them)")
    elif plus and _variant_file(variant) not in voices.variants:
        close = difflib.get_close_matches(variant, sorted(voices.variants), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "`espeak-ng --voices=variant` lists them"
        problem = f"has a variant espeak-ng does not list: {_shown(variant)}; {hint}"
    return problem


def _speaks_english(language: str) -> bool:
    return language.lower().replace("_", "-").split("-")[0] == "en"


def _shown(name: str) -> str:
    return repr(name if len(name) <= 40 else name[:40] + "...")


def _variant_file(variant: str) -> str:
    """The file espeak-ng reads for ``+variant``: a number 1-9 is m1-m9, 11-19 is f1-f9."""
    if re.fullmatch("[0-9]{1,2}", variant):
        number = int(variant)
        return f"m{number}" if number < 10 else f"f{number - 10}"
    return variant


class Synthesizer(Protocol):
    """Turns text into int16 mono samples at the given rate."""

    def render(self, text: str, sample_rate: int, *, rate_wpm: int | None = None,
               voice: str | None = None) -> np.ndarray: ...


class EspeakSynthesizer:
    """espeak-ng through pyttsx3's binding to it, synchronous, in a child process, time-boxed.

    pyttsx3's engine loop on Linux applies property changes one line late and
    drops the last buffer of audio when saving to a file, so the station uses
    the espeak-ng binding that pyttsx3 ships, in espeak's synchronous mode:
    every sample of a line is back when ``Synth`` returns. espeak-ng runs in a
    child process (:mod:`tutor.voice.worker`), never in the station's own: a
    line that takes longer than ``timeout_s`` raises :class:`VoiceError` and
    the child is killed, so the next line starts a fresh one and two espeak-ng
    engines never share a process. The child starts with the synthesizer and
    is ended by :meth:`close`.
    """

    def __init__(self, settings: VoiceSettings | None = None) -> None:
        self.settings = settings or VoiceSettings()
        self._lock = threading.Lock()
        self._child: _Child | None = None
        self._closed = False
        try:  # started now, so it is ready by the first line; waited for only then
            self._child = _Child()
        except OSError as exc:
            _LOGGER.warning("text-to-speech engine did not start (%s); trying again at the first line", exc)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._child is not None:
                self._child.end()
                self._child = None

    def __del__(self) -> None:
        child = getattr(self, "_child", None)
        if child is not None:
            child.end(wait_s=0.0)

    def __enter__(self) -> EspeakSynthesizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def render(self, text: str, sample_rate: int, *, rate_wpm: int | None = None,
               voice: str | None = None) -> np.ndarray:
        rate = rate_wpm or self.settings.rate
        voice_id = voice or self.settings.voice
        if problem := voice_problem(voice_id):  # before espeak-ng reads a path it was given
            if voice:
                raise ScenarioError(f"'voice' {problem}")
            raise ConfigError(f"voice.voice in the settings {problem}")
        with self._lock:
            pcm, native_rate = self._synthesize(text, voice_id, rate)
        samples = np.frombuffer(pcm, dtype="<i2")
        if len(samples) == 0:
            raise VoiceError(f"text-to-speech produced no audio for {text[:40]!r}")
        return trim_silence(resample(samples, native_rate, sample_rate), sample_rate)

    def _synthesize(self, text: str, voice: str, rate: int) -> tuple[bytes, int]:
        if self._closed:
            raise VoiceError("text-to-speech is closed")
        child = self._child
        if child is None:
            try:
                child = self._child = _Child()
            except OSError as exc:
                raise VoiceError(f"text-to-speech engine failed to start ({exc}); "
                                 "is espeak-ng installed?") from None
        try:
            native_rate = child.ready(max(self.settings.timeout_s, _START_TIMEOUT_S))
        except _ChildFailed as exc:
            self._retire(child)
            raise VoiceError(f"text-to-speech engine failed to start ({exc}); "
                             "is espeak-ng installed?") from None
        try:
            header, pcm = child.ask({"text": text, "voice": voice, "rate": rate}, self.settings.timeout_s)
        except _ChildFailed as exc:
            self._retire(child)  # killed: the next line starts a fresh engine
            raise VoiceError(f"text-to-speech {exc}") from None
        if header.get("warning"):
            _LOGGER.warning("%s", header["warning"])
        if header.get("error"):
            raise VoiceError(f"text-to-speech failed: {header['error']}")
        return pcm, native_rate

    def _retire(self, child: _Child) -> None:
        child.end(wait_s=0.0)
        if self._child is child:
            self._child = None


_START_TIMEOUT_S: Final = 10.0
"""Longest a fresh engine (a Python process loading espeak-ng) may take to start."""
_WORKER: Final = str(Path(__file__).with_name("worker.py"))
_LENGTH: Final = struct.Struct(">I")


class _ChildFailed(Exception):
    """The child did not answer in time or died; the message ends a sentence."""


class _Child:
    """One espeak-ng child process (:mod:`tutor.voice.worker`) and its pipes."""

    def __init__(self) -> None:
        self._process = subprocess.Popen([sys.executable, _WORKER], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, bufsize=0)
        self._sample_rate: int | None = None

    def ready(self, timeout_s: float) -> int:
        """espeak-ng's sample rate, once the child has started it."""
        if self._sample_rate is None:
            header = json.loads(self._read(time.monotonic() + timeout_s, "did not start in time"))
            if "error" in header:
                raise _ChildFailed(str(header["error"]))
            self._sample_rate = int(header["sample_rate"])
        return self._sample_rate

    def ask(self, request: dict[str, Any], timeout_s: float) -> tuple[dict[str, Any], bytes]:
        deadline = time.monotonic() + timeout_s
        message = json.dumps(request).encode()
        stdin = self._process.stdin
        assert stdin is not None
        try:
            data = memoryview(_LENGTH.pack(len(message)) + message)
            while data:  # the child reads a whole request before it synthesizes
                data = data[stdin.write(data) or 0:]
        except OSError:
            raise _ChildFailed("engine stopped unexpectedly") from None
        late = f"did not answer within {timeout_s:g} s"
        header = json.loads(self._read(deadline, late))
        return header, self._read(deadline, late)

    def _read(self, deadline: float, late: str) -> bytes:
        head = self._read_exactly(_LENGTH.size, deadline, late)
        return self._read_exactly(_LENGTH.unpack(head)[0], deadline, late)

    def _read_exactly(self, count: int, deadline: float, late: str) -> bytes:
        stdout = self._process.stdout
        assert stdout is not None
        chunks: list[bytes] = []
        while count > 0:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([stdout], [], [], left)[0]:
                raise _ChildFailed(late)
            chunk = os.read(stdout.fileno(), min(count, 1 << 20))
            if not chunk:
                raise _ChildFailed(f"engine stopped unexpectedly (exit status {self._process.poll()})")
            chunks.append(chunk)
            count -= len(chunk)
        return b"".join(chunks)

    def end(self, wait_s: float = 1.0) -> None:
        """End the child, politely when it is idle (end of input), by SIGKILL otherwise; idempotent."""
        process = self._process
        if process.returncode is None and wait_s > 0 and self._sample_rate is not None:
            with contextlib.suppress(OSError):
                assert process.stdin is not None
                process.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(wait_s)
        if process.poll() is None:
            process.kill()
            process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def trim_silence(samples: np.ndarray, sample_rate: int, threshold_dbfs: float = -45.0,
                 margin_s: float = 0.01) -> np.ndarray:
    """Cut leading and trailing silence, so a line's span is its speech."""
    if len(samples) == 0:
        return samples
    threshold = 32768.0 * 10 ** (threshold_dbfs / 20)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    if len(loud) == 0:
        return samples[:0]
    margin = int(margin_s * sample_rate)
    return samples[max(0, loud[0] - margin): loud[-1] + margin + 1]


@dataclass(frozen=True)
class LineSpan:
    """Where one customer line sits in the customer track, in samples."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class CustomerTrack:
    """The whole complaint as one track; it ends exactly where the last line ends."""

    samples: np.ndarray
    sample_rate: int
    lines: tuple[LineSpan, ...]

    @property
    def end(self) -> int:
        return len(self.samples)

    def after_silence(self, seconds: float) -> CustomerTrack:
        """The same track starting ``seconds`` later: the station listens to the room first."""
        lead = round(max(0.0, seconds) * self.sample_rate)
        if lead == 0:
            return self
        lines = tuple(LineSpan(line.text, line.start + lead, line.end + lead) for line in self.lines)
        return CustomerTrack(np.concatenate([np.zeros(lead, dtype=self.samples.dtype), self.samples]),
                             self.sample_rate, lines)


def render_customer(scenario: Scenario, synthesizer: Synthesizer, sample_rate: int,
                    settings: VoiceSettings | None = None) -> CustomerTrack:
    """Render every line and lay them out with the silences between them."""
    settings = settings or VoiceSettings()
    if scenario.voice is not None and (problem := voice_problem(scenario.voice)):
        raise ScenarioError(f"{scenario.where('voice')}: 'voice' {problem}")
    pieces: list[np.ndarray] = []
    spans: list[LineSpan] = []
    cursor = 0
    for index, line in enumerate(scenario.lines):
        if line.audio is not None:
            audio = trim_silence(read_mono(line.audio, sample_rate, max_s=MAX_LINE_AUDIO_S,
                                           kind="a recorded line"), sample_rate)
        else:
            audio = synthesizer.render(line.text, sample_rate, rate_wpm=scenario.rate,
                                       voice=scenario.voice)
        if len(audio) == 0:
            raise VoiceError(f"line {index + 1} of '{scenario.id}' rendered as silence")
        audio = np.clip(audio.astype(np.float32) * settings.volume, -32768, 32767).astype(np.int16)
        pieces.append(audio)
        spans.append(LineSpan(line.text, cursor, cursor + len(audio)))
        cursor += len(audio)
        if index < len(scenario.lines) - 1:
            pause = line.pause_after_s
            if pause is None:
                pause = scenario.pause_after_s
            if pause is None:
                pause = settings.pause_after_s
            gap = np.zeros(round(pause * sample_rate), dtype=np.int16)
            pieces.append(gap)
            cursor += len(gap)
        if cursor > MAX_CUSTOMER_S * sample_rate:  # stop early: nothing past the limit is rendered
            raise ScenarioError(f"{scenario.where('lines')}: 'lines' last over {MAX_CUSTOMER_S:g} s by "
                                f"item {index + 1}; a customer may speak for at most {MAX_CUSTOMER_S:g} s")
    return CustomerTrack(np.concatenate(pieces), sample_rate, tuple(spans))
