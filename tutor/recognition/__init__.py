"""Speech recognition: text and word times for the trainee's speech.

Engines are small adapters behind :class:`Recognizer`; the heavy library is
imported only inside the adapter, so everything else imports anywhere.

Every engine listens live: its one job is :meth:`Recognizer.stream`, audio fed as it is
captured. Recognising a whole utterance after the round is a stream fed all of it at once
(:meth:`Recognizer.transcribe`, written here once for every engine, so no engine has a
second path to keep in step). Audio is fed in blocks as a live stream would be: vosk
returns a segment at each pause it detects in them, and its final result only what those
segments have not returned. Such a stream is opened with ``live=False``, so an engine
that decodes better with the whole utterance at hand (pocketsphinx) may wait for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

import numpy as np

from tutor.errors import ModelError, RecognitionError
from tutor.settings import Engine, Settings

_LOGGER = logging.getLogger(__name__)


_BLOCK_S: Final = 0.2  # what transcribe feeds a stream at a time, as audio capture would


@dataclass(frozen=True)
class Word:
    """One recognised word and when it was said, in seconds from the start of the audio."""

    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Transcript:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    def shifted(self, offset_s: float) -> Transcript:
        return Transcript(tuple(Word(w.text, w.start_s + offset_s, w.end_s + offset_s)
                                for w in self.words))


class RecognitionStream(Protocol):
    """Audio fed as it is captured; the words come back at the end, timed from the first sample."""

    def accept(self, samples: np.ndarray) -> None: ...

    def finish(self) -> Transcript: ...


class Recognizer(Protocol):
    """Loaded once; listens to every utterance of every round, live or afterwards.

    An engine provides ``name``, ``sample_rate``, :meth:`stream` and :meth:`close`, and
    inherits :meth:`transcribe` by subclassing this protocol.
    """

    name: str
    sample_rate: int

    def stream(self, *, live: bool = True) -> RecognitionStream:
        """A fresh stream, ready for the first samples of an utterance.

        ``live=False``: the whole utterance is already at hand (recognition after the
        round), so the engine may wait for ``finish()`` and decode it in one pass.
        """
        ...

    def close(self) -> None: ...

    def transcribe(self, samples: np.ndarray) -> Transcript:
        """The words of a whole utterance: one stream, fed it all, block by block."""
        if len(samples) == 0:
            return Transcript(())
        stream = self.stream(live=False)
        block = max(1, int(self.sample_rate * _BLOCK_S))
        for offset in range(0, len(samples), block):
            stream.accept(samples[offset:offset + block])
        return stream.finish()


@contextmanager
def engine_errors(engine: str, doing: str, errors: tuple[type[Exception], ...]) -> Iterator[None]:
    """The engine library's own failures (``errors``) as RecognitionError, one sentence naming
    the engine and what it was ``doing`` ("failed on the audio", "could not start listening")."""
    try:
        yield
    except RecognitionError:
        raise
    except errors as exc:
        raise RecognitionError(f"{engine} {doing}: {exc}") from None


@dataclass(frozen=True)
class EngineChoice:
    """The engine the settings lead to, its model (vosk only) and why, in words."""

    name: Engine  # never AUTO: what it resolved to
    model_path: Path | None
    reason: str


def choose_engine(settings: Settings) -> EngineChoice:
    """vosk when asked for, or under 'auto' when an English vosk model is installed; else pocketsphinx."""
    from tutor import modelstore

    recognition = settings.recognition  # its engine was checked when the settings were made
    if recognition.engine is Engine.POCKETSPHINX:
        return EngineChoice(Engine.POCKETSPHINX, None, "recognition.engine is 'pocketsphinx'")
    directory = modelstore.models_dir(settings)
    path = modelstore.resolve_model(recognition.model, directory)
    missing = modelstore.layout_problems(path)
    install = f"`tutor models install {recognition.model}`"
    if recognition.engine is Engine.VOSK:
        if missing:
            raise ModelError(
                f"recognition.engine is 'vosk' but {path} is not an installed vosk model "
                f"(missing {', '.join(missing)}); run {install} or set recognition.engine = \"auto\"")
        return EngineChoice(Engine.VOSK, path, f"recognition.engine is 'vosk', model {recognition.model}")
    if not path.exists():
        return EngineChoice(Engine.POCKETSPHINX, None,
                            f"vosk model {recognition.model} is not installed in {directory}; "
                            f"{install} adds it")
    if missing:
        return EngineChoice(Engine.POCKETSPHINX, None,
                            f"vosk model {path} is incomplete (missing {', '.join(missing)}); "
                            f"reinstall it with {install}")
    manifest = modelstore.read_manifest(modelstore.manifest_path(directory))
    language = modelstore.read_installed(path, manifest).language
    if not language:
        return EngineChoice(Engine.POCKETSPHINX, None,
                            f"the language of vosk model {recognition.model} is unknown: it is not in "
                            "the manifest; set recognition.engine = \"vosk\" to use it anyway")
    if not modelstore.is_english(language):
        return EngineChoice(Engine.POCKETSPHINX, None,
                            f"vosk model {recognition.model} is for '{language}', not English; "
                            "set recognition.engine = \"vosk\" to use it anyway")
    return EngineChoice(Engine.VOSK, path, f"English vosk model {recognition.model} is installed")


def make_recognizer(settings: Settings, sample_rate: int) -> Recognizer:
    """The engine the settings choose, loaded and ready."""
    choice = choose_engine(settings)
    _LOGGER.info("recognition: %s (%s)", choice.name, choice.reason)
    if choice.name is Engine.VOSK:
        from tutor.recognition.vosk_engine import VoskRecognizer

        assert choice.model_path is not None
        return VoskRecognizer(choice.model_path, sample_rate)
    from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer

    return PocketsphinxRecognizer(sample_rate)
