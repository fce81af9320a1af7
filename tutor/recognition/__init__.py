"""Speech recognition: text and word times for the trainee's speech.

Engines are small adapters behind :class:`Recognizer`; the heavy library is
imported only inside the adapter, so everything else imports anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tutor.errors import ConfigError
from tutor.settings import RecognitionSettings

ENGINES = ("pocketsphinx",)


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


def make_recognizer(settings: RecognitionSettings, sample_rate: int) -> Recognizer:
    """The configured engine, loaded and ready."""
    if settings.engine == "pocketsphinx":
        from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer

        return PocketsphinxRecognizer(sample_rate)
    raise ConfigError(f"unknown recognition engine '{settings.engine}'; "
                      f"choose one of: {', '.join(ENGINES)}")
