"""vosk (Kaldi) with an installed model: the production engine.

The model is loaded once; every utterance gets a fresh ``KaldiRecognizer``,
because a long-lived one keeps growing in memory. vosk is only ever given a
model path: asked for a language instead, it looks online and may end the process.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any, Final

import numpy as np

from tutor.errors import RecognitionError
from tutor.modelstore import layout_problems
from tutor.recognition import Recognizer, Transcript, Word, engine_errors

_LOGGER = logging.getLogger(__name__)

# Kaldi's markers for noise and unknown words, and tokens with no letters or digits
# (some models emit "-" for a hesitation); none of them is something the trainee said.
_MARKER: Final = re.compile(r"^(\[.*\]|<.*>)$")
# vosk's failures are bare Exceptions
_ERRORS: Final = (Exception,)


class VoskRecognizer(Recognizer):
    """One model, loaded once; a fresh Kaldi recognizer for every utterance."""

    name = "vosk"

    def __init__(self, model_path: Path, sample_rate: int = 16000) -> None:
        self.sample_rate = sample_rate
        self.model_path = Path(model_path)
        missing = layout_problems(self.model_path)
        if missing:
            # checked here because Kaldi may abort the whole process on a missing file
            raise RecognitionError(
                f"{self.model_path} is not a vosk model (missing {', '.join(missing)}); install one "
                "with `tutor models install NAME` or set recognition.engine = \"pocketsphinx\"")
        try:
            import vosk
        except ImportError as exc:
            raise RecognitionError(f"vosk is not installed ({exc})") from None
        vosk.SetLogLevel(-1)
        self._vosk: Any = vosk
        try:
            self._model: Any = vosk.Model(str(self.model_path))
        except Exception:  # vosk raises a bare Exception when the model does not load
            raise RecognitionError(
                f"vosk could not load the model in {self.model_path}; check it with "
                "`tutor models verify` and reinstall it, or set recognition.engine = \"pocketsphinx\""
            ) from None
        _LOGGER.info("vosk model loaded from %s", self.model_path)

    def stream(self, *, live: bool = True) -> VoskStream:
        """Decode as the audio arrives, on a fresh Kaldi recognizer (live or not: it costs
        vosk nothing, and it finds the pauses in the blocks it is given)."""
        if self._model is None:
            raise RecognitionError("the vosk recognizer has been closed")
        return VoskStream(self._vosk, self._model, self.sample_rate)

    def close(self) -> None:
        """Free the model; safe to call more than once."""
        self._model = None


class VoskStream:
    def __init__(self, vosk: Any, model: Any, sample_rate: int) -> None:
        with engine_errors("vosk", "could not start listening", _ERRORS):
            self._recognizer = vosk.KaldiRecognizer(model, sample_rate)
            self._recognizer.SetWords(True)
        self._segments: list[str] = []

    def accept(self, samples: np.ndarray) -> None:
        with engine_errors("vosk", "failed on the audio", _ERRORS):
            if self._recognizer.AcceptWaveform(samples.astype("<i2", copy=False).tobytes()):
                self._segments.append(self._recognizer.Result())

    def finish(self) -> Transcript:
        with engine_errors("vosk", "failed on the audio", _ERRORS):
            self._segments.append(self._recognizer.FinalResult())
        return Transcript(tuple(word for segment in self._segments for word in _words(segment)))


def _words(result: str) -> list[Word]:
    words = []
    for item in json.loads(result).get("result", []):
        text = str(item["word"])
        if _MARKER.match(text) or not any(c.isalnum() for c in text):
            continue
        words.append(Word(text.lower(), float(item["start"]), float(item["end"])))
    return words
