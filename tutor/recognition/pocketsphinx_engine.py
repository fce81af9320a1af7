"""pocketsphinx with the US-English model its wheel carries: the embedded default."""

from __future__ import annotations

import re
from typing import Any, Final

import numpy as np

from tutor.errors import RecognitionError
from tutor.recognition import Recognizer, Transcript, Word, engine_errors

_FRAME_S: Final = 0.01  # pocketsphinx reports times in 10 ms frames
_NOT_WORDS: Final = re.compile(r"^(<.*>|\[.*\]|\+\+.*\+\+)$")
_ALTERNATE: Final = re.compile(r"\(\d+\)$")
_ERRORS: Final = (RuntimeError,)


class PocketsphinxRecognizer(Recognizer):
    """One decoder, loaded once, reused utterance after utterance."""

    name = "pocketsphinx"

    def __init__(self, sample_rate: int = 16000) -> None:
        self.sample_rate = sample_rate
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:
            raise RecognitionError(f"pocketsphinx is not installed ({exc})") from None
        with engine_errors("pocketsphinx", "could not load its model", (RuntimeError, ValueError)):
            self._decoder: Any = Decoder(samprate=sample_rate, loglevel="FATAL")

    def stream(self, *, live: bool = True) -> PocketsphinxStream:
        """Decode as the audio arrives; one stream at a time (the decoder is shared)."""
        return PocketsphinxStream(self._decoder, live)

    def close(self) -> None:
        """The decoder is freed with the object; nothing else is held."""


class PocketsphinxStream:
    """Live, each block is decoded as it comes. Not live, the blocks are kept and decoded in
    one pass at ``finish()`` as a full utterance, normalised by its own mean (batch CMN),
    which recognises a whole utterance better than the running estimate a live stream uses."""

    def __init__(self, decoder: Any, live: bool) -> None:
        self._decoder, self._live = decoder, live
        self._held: list[np.ndarray] = []
        if live:
            with engine_errors("pocketsphinx", "could not start listening", _ERRORS):
                start_utterance(self._decoder)
        self._fed = 0

    def accept(self, samples: np.ndarray) -> None:
        if not self._live:
            self._held.append(samples)
        else:
            with engine_errors("pocketsphinx", "failed on the audio", _ERRORS):
                self._decoder.process_raw(samples.astype("<i2", copy=False).tobytes(), full_utt=False)
        self._fed += len(samples)

    def finish(self) -> Transcript:
        if not self._live and not self._fed:
            return Transcript(())
        with engine_errors("pocketsphinx", "failed on the audio", _ERRORS):
            if not self._live:
                start_utterance(self._decoder)
                audio = np.concatenate(self._held).astype("<i2", copy=False)
                self._decoder.process_raw(audio.tobytes(), full_utt=True)
            self._decoder.end_utt()
            segments = list(self._decoder.seg()) if self._fed and self._decoder.hyp() is not None else []
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

