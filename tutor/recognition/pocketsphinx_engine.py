"""pocketsphinx with the US-English model its wheel carries: the embedded default.

The wheel's pronouncing dictionary holds 135,000 entries, its language model 72,500
words; a word the language model does not know can never be recognised, yet every entry
costs memory in the decoder (11 to 13 MB of the 91 MB it takes to load). The decoder is given
only the entries of words the language model knows, written to a scratch file at load
time: the same search over the same words, so the same results, in less memory.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import numpy as np

from tutor.errors import RecognitionError
from tutor.recognition import Recognizer, Transcript, Word, engine_errors

_FRAME_S: Final = 0.01  # pocketsphinx reports times in 10 ms frames
_NOT_WORDS: Final = re.compile(r"^(<.*>|\[.*\]|\+\+.*\+\+)$")
_ALTERNATE: Final = re.compile(r"\(\d+\)$")
_ERRORS: Final = (RuntimeError,)
_TRIE_MAGIC: Final = b"Trie Language Model"  # the header of pocketsphinx's binary language models
_TAIL_BYTES_PER_WORD: Final = 24  # first guess at the vocabulary's size at the end of the file

_LOGGER = logging.getLogger(__name__)


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
            self._decoder: Any = _load_decoder(Decoder, sample_rate)

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


def _load_decoder(decoder_class: Any, sample_rate: int) -> Any:
    """The decoder with the wheel's model, its dictionary cut to the language model's words."""
    from pocketsphinx import Config

    defaults = Config()
    dictionary, language_model = Path(defaults["dict"]), Path(defaults["lm"])
    vocabulary = language_model_words(language_model)
    if vocabulary is None:  # not a format this reads: the full dictionary costs memory, not results
        _LOGGER.info("pocketsphinx: %s not read, loading the full dictionary", language_model)
        return decoder_class(samprate=sample_rate, loglevel="FATAL")
    try:
        with tempfile.TemporaryDirectory(prefix="tutor-dict-") as folder:
            known = Path(folder) / "known.dict"
            with known.open("wb") as out:
                out.writelines(dictionary_entries(dictionary, vocabulary))
            return decoder_class(samprate=sample_rate, loglevel="FATAL", dict=os.fspath(known))
    except OSError as exc:  # no scratch space: the full dictionary, as above
        _LOGGER.info("pocketsphinx: could not cut the dictionary (%s), loading it whole", exc)
        return decoder_class(samprate=sample_rate, loglevel="FATAL")


def language_model_words(path: Path) -> frozenset[bytes] | None:
    """The words of a binary (trie) language model, or None if it is not one.

    The format ends with the vocabulary, one NUL-terminated word per unigram, after a
    header that counts them; only the file's tail is read, not its 27 MB.
    """
    try:
        with path.open("rb") as model:
            head = model.read(len(_TRIE_MAGIC) + 1 + 4)
            if len(head) < len(_TRIE_MAGIC) + 5 or not head.startswith(_TRIE_MAGIC):
                return None
            count = int.from_bytes(head[-4:], "little")  # the first of the counts is of unigrams
            size = model.seek(0, os.SEEK_END)
            reach = count * _TAIL_BYTES_PER_WORD
            while True:
                model.seek(max(0, size - reach))
                parts = model.read().split(b"\0")
                if len(parts) > count + 1 or reach >= size:
                    break
                reach *= 2
    except OSError:
        return None
    words = parts[-count - 1:-1]
    # the whole vocabulary follows binary data: fewer parts than that is a file cut short
    if count == 0 or len(parts) <= count + 1 or parts[-1] != b"" or not all(words):
        return None
    return frozenset(words)


def dictionary_entries(path: Path, vocabulary: frozenset[bytes]) -> Iterator[bytes]:
    """The lines of a pronouncing dictionary whose word (``word`` or ``word(2)``) is in ``vocabulary``."""
    with path.open("rb") as lines:
        for line in lines:
            word = line.split(maxsplit=1)[0] if line.strip() else b""
            if word.endswith(b")") and b"(" in word:
                word = word[: word.rindex(b"(")]
            if word in vocabulary:
                yield line


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

