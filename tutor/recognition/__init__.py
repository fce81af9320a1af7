"""Speech recognition: text and word times for the trainee's speech.

Engines are small adapters behind :class:`Recognizer`; the heavy library is
imported only inside the adapter, so everything else imports anywhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from tutor.errors import ConfigError, ModelError
from tutor.settings import Settings

_LOGGER = logging.getLogger(__name__)

ENGINES = ("auto", "vosk", "pocketsphinx")


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


class Recognizer(Protocol):
    """Loaded once; ``transcribe`` may be called for every utterance of every round."""

    name: str
    sample_rate: int

    def transcribe(self, samples: np.ndarray) -> Transcript: ...

    def close(self) -> None: ...


class RecognitionStream(Protocol):
    """Audio fed as it is captured; the words come back at the end, timed from the first sample."""

    def accept(self, samples: np.ndarray) -> None: ...

    def finish(self) -> Transcript: ...


class StreamingRecognizer(Recognizer, Protocol):
    """A recognizer that can also listen while the trainee is still speaking."""

    def stream(self) -> RecognitionStream: ...


def can_stream(recognizer: Recognizer) -> bool:
    return callable(getattr(recognizer, "stream", None))


@dataclass(frozen=True)
class EngineChoice:
    """The engine the settings lead to, its model (vosk only) and why, in words."""

    name: str
    model_path: Path | None
    reason: str


def choose_engine(settings: Settings) -> EngineChoice:
    """vosk when asked for, or under 'auto' when an English vosk model is installed; else pocketsphinx."""
    from tutor.recognition import models

    recognition = settings.recognition
    if recognition.engine not in ENGINES:
        raise ConfigError(f"unknown recognition engine '{recognition.engine}'; "
                          f"choose one of: {', '.join(ENGINES)}")
    if recognition.engine == "pocketsphinx":
        return EngineChoice("pocketsphinx", None, "recognition.engine is 'pocketsphinx'")
    directory = models.models_dir(settings)
    path = models.resolve_model(recognition.model, directory)
    missing = models.layout_problems(path)
    install = f"`tutor models install {recognition.model}`"
    if recognition.engine == "vosk":
        if missing:
            raise ModelError(
                f"recognition.engine is 'vosk' but {path} is not an installed vosk model "
                f"(missing {', '.join(missing)}); run {install} or set recognition.engine = \"auto\"")
        return EngineChoice("vosk", path, f"recognition.engine is 'vosk', model {recognition.model}")
    if not path.exists():
        return EngineChoice("pocketsphinx", None,
                            f"vosk model {recognition.model} is not installed in {directory}; "
                            f"{install} adds it")
    if missing:
        return EngineChoice("pocketsphinx", None,
                            f"vosk model {path} is incomplete (missing {', '.join(missing)}); "
                            f"reinstall it with {install}")
    language = models.read_installed(path, models.read_manifest(models.manifest_path(directory))).language
    if not language:
        return EngineChoice("pocketsphinx", None,
                            f"the language of vosk model {recognition.model} is unknown: it is not in "
                            "the manifest; set recognition.engine = \"vosk\" to use it anyway")
    if not models.is_english(language):
        return EngineChoice("pocketsphinx", None,
                            f"vosk model {recognition.model} is for '{language}', not English; "
                            "set recognition.engine = \"vosk\" to use it anyway")
    return EngineChoice("vosk", path, f"English vosk model {recognition.model} is installed")


def make_recognizer(settings: Settings, sample_rate: int) -> Recognizer:
    """The engine the settings choose, loaded and ready."""
    choice = choose_engine(settings)
    _LOGGER.info("recognition: %s (%s)", choice.name, choice.reason)
    if choice.name == "vosk":
        from tutor.recognition.vosk_engine import VoskRecognizer

        assert choice.model_path is not None
        return VoskRecognizer(choice.model_path, sample_rate)
    from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer

    return PocketsphinxRecognizer(sample_rate)
