"""pocketsphinx with the US-English model its wheel carries: the embedded default.

The decoder is driven through the C functions of the wheel's own library (ctypes), not
through its Python binding: the binding holds Python's global lock for the whole of every
call, so while the live stream's final search ran (0.2 s here, up to a second on a Pi)
no other thread of the station could run, the sound card's capture included. A ctypes
call lets go of the lock, so the search runs beside capture. The same functions, on the
same model, give the same words at the same times (a test compares it with the binding).

The wheel's pronouncing dictionary holds 135,000 entries, its language model 72,500
words; every word the decoder may hear costs memory in its search (about 0.4 MB per
thousand). A word the language model does not know can never be recognised, and the rarest
of the words it knows ("zyuganov's", "reregulate", "academician") are seldom said in a reply to a
complaint yet may be mistaken for common ones. The decoder is given the pronunciations of
only the language model's :data:`VOCABULARY` likeliest words (by its own unigram
probabilities), written to a scratch file at load time: 20 MB less than the model's whole
vocabulary and no worse word error on spoken replies (``python -m benchmarks.vocabulary``).
"""

from __future__ import annotations

import ctypes
import functools
import json
import logging
import os
import re
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Final

import numpy as np

from tutor.errors import RecognitionError
from tutor.recognition import Recognizer, Transcript, Word, engine_errors

_FRAME_S: Final = 0.01  # pocketsphinx reports times in 10 ms frames
_NOT_WORDS: Final = re.compile(r"^(<.*>|\[.*\]|\+\+.*\+\+)$")
_ALTERNATE: Final = re.compile(r"\(\d+\)$")
_ERRORS: Final = (RuntimeError,)
_TRIE_MAGIC: Final = b"Trie Language Model"  # the header of pocketsphinx's binary language models
_TAIL_BYTES_PER_WORD: Final = 24  # first guess at the vocabulary's size at the end of the file
_QUANT_BINS: Final = 1 << 16  # pocketsphinx's trie stores its n-gram weights in 16-bit bins
# the words the decoder may hear: the smallest count (of 15,000, 25,000, 35,000, 50,000 and all
# 72,547) whose word error on development replies was within half a point of the whole
# vocabulary's with at most 2% of their words unknown (python -m benchmarks.vocabulary)
VOCABULARY: Final = 25_000

_LOGGER = logging.getLogger(__name__)


class PocketsphinxRecognizer(Recognizer):
    """One decoder, loaded once, reused utterance after utterance."""

    name = "pocketsphinx"

    def __init__(self, sample_rate: int = 16000) -> None:
        self.sample_rate = sample_rate
        try:
            import pocketsphinx  # noqa: F401  (the wheel: its library and its model)
        except ImportError as exc:
            raise RecognitionError(f"pocketsphinx is not installed ({exc})") from None
        with engine_errors("pocketsphinx", "could not load its model", (RuntimeError, OSError)):
            self._decoder = _load_decoder(sample_rate)

    def stream(self, *, live: bool = True) -> PocketsphinxStream:
        """Decode as the audio arrives; one stream at a time (the decoder is shared)."""
        return PocketsphinxStream(self._decoder, live)

    def close(self) -> None:
        """The decoder is freed with the object; nothing else is held."""


class Decoder:
    """One pocketsphinx decoder, called through the C library: each call lets go of Python's lock.

    Every method raises RuntimeError when the library reports a failure, as the binding does.
    """

    def __init__(self, settings: dict[str, str | int]) -> None:
        library = _library()
        config = library.ps_config_parse_json(None, json.dumps(settings).encode())
        if not config:
            raise RuntimeError(f"pocketsphinx refused its settings {sorted(settings)}")
        decoder = library.ps_init(config)
        library.ps_config_free(config)  # the decoder holds its own reference
        if not decoder:
            raise RuntimeError("pocketsphinx could not start its decoder (a model file missing or "
                               "unreadable?)")
        self._library, self._decoder = library, decoder
        weakref.finalize(self, library.ps_free, decoder)

    def start_utt(self) -> None:
        if self._library.ps_start_utt(self._decoder) < 0:
            raise RuntimeError("could not start an utterance")

    def process_raw(self, samples: np.ndarray, *, full_utt: bool) -> None:
        audio = np.ascontiguousarray(samples, dtype="<i2")
        if self._library.ps_process_raw(self._decoder, audio.ctypes.data, len(audio), 0, int(full_utt)) < 0:
            raise RuntimeError(f"could not process {len(audio)} samples")

    def end_utt(self) -> None:
        """Ends the utterance: the final search over it, the long call a live stream waits for."""
        if self._library.ps_end_utt(self._decoder) < 0:
            raise RuntimeError("could not end the utterance")

    def segments(self) -> list[tuple[str, int, int]]:
        """The best hypothesis's segments: (word, first frame, last frame), silences and fillers too."""
        library = self._library
        if library.ps_get_hyp(self._decoder, ctypes.byref(ctypes.c_int32())) is None:
            return []
        found = []
        first, last = ctypes.c_int(), ctypes.c_int()
        segment = library.ps_seg_iter(self._decoder)
        while segment:  # ps_seg_next frees the iterator after the last segment
            library.ps_seg_frames(segment, ctypes.byref(first), ctypes.byref(last))
            found.append((library.ps_seg_word(segment).decode("utf-8", "replace"), first.value, last.value))
            segment = library.ps_seg_next(segment)
        return found


@functools.cache
def _library() -> ctypes.CDLL:
    """pocketsphinx's C functions in the wheel's extension module, with their C types.

    ctypes.CDLL (not PyDLL) releases Python's lock for the length of each call.
    """
    from pocketsphinx import _pocketsphinx

    library = ctypes.CDLL(_pocketsphinx.__file__)
    pointer, number = ctypes.c_void_p, ctypes.c_int
    for name, result, arguments in (
            ("ps_config_parse_json", pointer, [pointer, ctypes.c_char_p]),
            ("ps_config_free", number, [pointer]),
            ("ps_init", pointer, [pointer]),
            ("ps_free", number, [pointer]),
            ("ps_start_utt", number, [pointer]),
            ("ps_process_raw", number, [pointer, pointer, ctypes.c_size_t, number, number]),
            ("ps_end_utt", number, [pointer]),
            ("ps_get_hyp", ctypes.c_char_p, [pointer, ctypes.POINTER(ctypes.c_int32)]),
            ("ps_seg_iter", pointer, [pointer]),
            ("ps_seg_next", pointer, [pointer]),
            ("ps_seg_word", ctypes.c_char_p, [pointer]),
            ("ps_seg_frames", None, [pointer, ctypes.POINTER(number), ctypes.POINTER(number)])):
        function = getattr(library, name)
        function.restype, function.argtypes = result, arguments
    return library


class PocketsphinxStream:
    """Live, each block is decoded as it comes. Not live, the blocks are kept and decoded in
    one pass at ``finish()`` as a full utterance, normalised by its own mean (batch CMN),
    which recognises a whole utterance better than the running estimate a live stream uses."""

    def __init__(self, decoder: Decoder, live: bool) -> None:
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
                self._decoder.process_raw(samples, full_utt=False)
        self._fed += len(samples)

    def finish(self) -> Transcript:
        if not self._live and not self._fed:
            return Transcript(())
        with engine_errors("pocketsphinx", "failed on the audio", _ERRORS):
            if not self._live:
                start_utterance(self._decoder)
                self._decoder.process_raw(np.concatenate(self._held), full_utt=True)
            self._decoder.end_utt()
            segments = self._decoder.segments() if self._fed else []
        return Transcript(_words(segments))


def _load_decoder(sample_rate: int) -> Decoder:
    """The decoder with the wheel's model, its dictionary cut to the language model's words."""
    from pocketsphinx import Config

    defaults = Config()  # the paths of the model inside the wheel
    dictionary, language_model = Path(defaults["dict"]), Path(defaults["lm"])
    settings: dict[str, str | int] = {"hmm": defaults["hmm"], "lm": os.fspath(language_model),
                                      "dict": os.fspath(dictionary), "samprate": sample_rate,
                                      "loglevel": "FATAL"}
    vocabulary = language_model_words(language_model, most_likely=VOCABULARY)
    if vocabulary is None:  # not a format this reads: the full dictionary costs memory, not results
        _LOGGER.info("pocketsphinx: %s not read, loading the full dictionary", language_model)
        return Decoder(settings)
    if len(vocabulary) > VOCABULARY:  # its unigrams not laid out as expected: every word it has
        _LOGGER.info("pocketsphinx: could not rank the words of %s, hearing all %d", language_model,
                     len(vocabulary))
    try:
        with tempfile.TemporaryDirectory(prefix="tutor-dict-") as folder:
            known = Path(folder) / "known.dict"
            with known.open("wb") as out:
                out.writelines(dictionary_entries(dictionary, vocabulary))
            return Decoder({**settings, "dict": os.fspath(known)})
    except OSError as exc:  # no scratch space: the full dictionary, as above
        _LOGGER.info("pocketsphinx: could not cut the dictionary (%s), loading it whole", exc)
        return Decoder(settings)


def language_model_words(path: Path, most_likely: int | None = None) -> frozenset[bytes] | None:
    """The words of a binary (trie) language model, or None if it is not one; with
    ``most_likely``, only that many of them, those of highest unigram probability.

    The format ends with the vocabulary, one NUL-terminated word per unigram, after a
    header that counts them; only the file's tail is read, not its 27 MB, and for the
    likeliest words the unigrams near its start.
    """
    try:
        with path.open("rb") as model:
            head = model.read(len(_TRIE_MAGIC) + 1 + 4)
            if len(head) < len(_TRIE_MAGIC) + 5 or not head.startswith(_TRIE_MAGIC):
                return None
            count = int.from_bytes(head[-4:], "little")  # the first of the counts is of unigrams
            likelihood = (None if most_likely is None or most_likely >= count
                          else _unigram_probabilities(model, order=head[len(_TRIE_MAGIC)], count=count))
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
    if likelihood is None or most_likely is None:  # the whole vocabulary was asked for, or is all it can give
        return frozenset(words)
    likeliest = np.argsort(-likelihood, kind="stable")[:most_likely]
    return frozenset(words[index] for index in likeliest)


def _unigram_probabilities(model: BinaryIO, *, order: int, count: int) -> np.ndarray | None:
    """The unigrams' log probabilities, in the vocabulary's order, or None where the layout is not
    the one expected (then the whole vocabulary is used: more memory, never fewer words).

    After the header's counts come the quantiser's bins (a 4-byte type, then for each middle
    order 2**16 probability and 2**16 back-off bins, and 2**16 probability bins for the highest),
    then one (probability, back-off, first successor) record per unigram and one more that ends them.
    """
    if not 2 <= order <= 5:
        return None
    quantiser = 4 + ((order - 2) * 2 + 1) * _QUANT_BINS * 4
    model.seek(len(_TRIE_MAGIC) + 1 + 4 * order + quantiser)
    record = np.dtype([("probability", "<f4"), ("backoff", "<f4"), ("successor", "<u4")])
    raw = model.read(record.itemsize * (count + 1))
    if len(raw) != record.itemsize * (count + 1):
        return None
    unigrams = np.frombuffer(raw, record)
    probability = unigrams["probability"][:count]
    successors = unigrams["successor"].astype(np.int64)
    # log probabilities are never above zero, and each unigram's successors follow the last one's
    if not np.all(np.isfinite(probability)) or np.any(probability > 0) or np.any(np.diff(successors) < 0):
        return None
    return probability.astype(np.float64)


def dictionary_entries(path: Path, vocabulary: frozenset[bytes]) -> Iterator[bytes]:
    """The lines of a pronouncing dictionary whose word (``word`` or ``word(2)``) is in ``vocabulary``."""
    with path.open("rb") as lines:
        for line in lines:
            word = line.split(maxsplit=1)[0] if line.strip() else b""
            if word.endswith(b")") and b"(" in word:
                word = word[: word.rindex(b"(")]
            if word in vocabulary:
                yield line


def start_utterance(decoder: Decoder) -> None:
    """Start an utterance, first ending one a failed or abandoned stream left open.

    The decoder is shared between the live stream and recognition after the
    round: a stream that broke mid-reply must not make the fallback fail too.
    """
    try:
        decoder.start_utt()
    except RuntimeError:
        decoder.end_utt()
        decoder.start_utt()


def _words(segments: list[tuple[str, int, int]]) -> tuple[Word, ...]:
    words = []
    for word, first, last in segments:
        text = _ALTERNATE.sub("", word)
        if _NOT_WORDS.match(text):
            continue
        words.append(Word(text.lower(), first * _FRAME_S, (last + 1) * _FRAME_S))
    return tuple(words)

