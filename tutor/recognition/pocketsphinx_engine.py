"""pocketsphinx with the US-English model its wheel carries: the embedded default."""

from __future__ import annotations

import re
from typing import Any, Final

import numpy as np

from tutor.errors import RecognitionError
from tutor.recognition import Transcript, Word

_FRAME_S: Final = 0.01  # pocketsphinx reports times in 10 ms frames
_NOT_WORDS: Final = re.compile(r"^(<.*>|\[.*\]|\+\+.*\+\+)$")
_ALTERNATE: Final = re.compile(r"\(\d+\)$")


class PocketsphinxRecognizer:
    """One decoder, loaded once, reused utterance after utterance."""

    name = "pocketsphinx"

    def __init__(self, sample_rate: int = 16000) -> None:
        self.sample_rate = sample_rate
        try:
            from pocketsphinx import Decoder

            self._decoder: Any = Decoder(samprate=sample_rate, loglevel="FATAL")
        except ImportError as exc:
            raise RecognitionError(f"pocketsphinx is not installed ({exc})") from None
        except (RuntimeError, ValueError) as exc:
            raise RecognitionError(f"pocketsphinx could not load its model: {exc}") from None

    def transcribe(self, samples: np.ndarray) -> Transcript:
        if len(samples) == 0:
            return Transcript(())
        try:
            start_utterance(self._decoder)
            self._decoder.process_raw(samples.astype("<i2", copy=False).tobytes(), full_utt=True)
            self._decoder.end_utt()
            segments = list(self._decoder.seg()) if self._decoder.hyp() is not None else []
        except RuntimeError as exc:
            raise RecognitionError(f"pocketsphinx failed on the audio: {exc}") from None
        return Transcript(_words(segments))

    def stream(self) -> PocketsphinxStream:
        """Decode as the audio arrives; one stream at a time (the decoder is shared)."""
        return PocketsphinxStream(self)

    def close(self) -> None:
        """The decoder is freed with the object; nothing else is held."""


class PocketsphinxStream:
    def __init__(self, recognizer: PocketsphinxRecognizer) -> None:
        self._decoder = recognizer._decoder
        try:
            start_utterance(self._decoder)
        except RuntimeError as exc:
            raise RecognitionError(f"pocketsphinx could not start listening: {exc}") from None
        self._fed = 0

    def accept(self, samples: np.ndarray) -> None:
        try:
            self._decoder.process_raw(samples.astype("<i2", copy=False).tobytes(), full_utt=False)
        except RuntimeError as exc:
            raise RecognitionError(f"pocketsphinx failed on the audio: {exc}") from None
        self._fed += len(samples)

    def finish(self) -> Transcript:
        try:
            self._decoder.end_utt()
            segments = list(self._decoder.seg()) if self._fed and self._decoder.hyp() is not None else []
        except RuntimeError as exc:
            raise RecognitionError(f"pocketsphinx failed on the audio: {exc}") from None
        return Transcript(_words(segments))


def start_utterance(decoder: Any) -> None:
    """Start an utterance, first ending one a failed or abandoned stream left open.

    The decoder is shared between the live stream and recognition after the
    round: a stream that broke mid-reply must not make the fallback fail too.
    """
    try:
        decoder.start_utt()
    except RuntimeError:
        decoder.end_utt()
        decoder.start_utt()


def _words(segments: list[Any]) -> tuple[Word, ...]:
    words = []
    for segment in segments:
        text = _ALTERNATE.sub("", segment.word)
        if _NOT_WORDS.match(text):
            continue
        words.append(Word(text.lower(), segment.start_frame * _FRAME_S, (segment.end_frame + 1) * _FRAME_S))
    return tuple(words)
