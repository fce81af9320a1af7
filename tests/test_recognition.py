"""pocketsphinx on real speech: synthetic English and a human LibriVox recording."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tutor.audio.wavfile import read_mono
from tutor.errors import ConfigError
from tutor.recognition import make_recognizer
from tutor.recognition.pocketsphinx_engine import (
    PocketsphinxRecognizer,
    PocketsphinxStream,
    dictionary_entries,
    language_model_words,
)
from tutor.settings import RecognitionSettings, Settings

SAMPLE_REPLY = Path(__file__).resolve().parents[1] / "tutor" / "data" / "sample-reply.wav"
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav")


@pytest.fixture(scope="module")
def recognizer() -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer(16000)


def _word_accuracy(expected: str, heard: str) -> float:
    from rapidfuzz.distance import Levenshtein

    ref, hyp = expected.lower().split(), heard.lower().split()
    return 1 - Levenshtein.distance(ref, hyp) / len(ref)


def test_synthetic_reply_is_transcribed_with_word_times(
        recognizer: PocketsphinxRecognizer, speak_samples: Callable[..., np.ndarray]) -> None:
    text = "so what i am hearing is that the present arrived after the birthday"
    audio = speak_samples(text)
    transcript = recognizer.transcribe(audio)
    assert _word_accuracy(text, transcript.text) >= 0.7, transcript.text
    starts = [w.start_s for w in transcript.words]
    assert starts == sorted(starts)
    assert all(0 <= w.start_s < w.end_s <= len(audio) / 16000 + 0.02 for w in transcript.words)


def test_word_times_follow_leading_silence(
        recognizer: PocketsphinxRecognizer, speak_samples: Callable[..., np.ndarray]) -> None:
    audio = speak_samples("hello there")
    padded = np.concatenate([np.zeros(32000, dtype=np.int16), audio])
    plain, delayed = recognizer.transcribe(audio), recognizer.transcribe(padded)
    assert plain.words and delayed.words
    assert abs((delayed.words[0].start_s - plain.words[0].start_s) - 2.0) < 0.1


def test_human_recording_from_librivox(recognizer: PocketsphinxRecognizer) -> None:
    # reference: "he was not an ill disposed young man" (pocketsphinx-testdata's transcription)
    transcript = recognizer.transcribe(read_mono(LIBRIVOX, 16000))
    assert {"he", "was", "not", "young", "man"} <= {w.text for w in transcript.words}
    assert transcript.words[0].start_s < 0.5


def test_quiet_room_gives_no_words(recognizer: PocketsphinxRecognizer) -> None:
    hiss = np.random.default_rng(3).normal(0, 30, 16000).astype(np.int16)
    assert recognizer.transcribe(hiss).words == ()
    assert recognizer.transcribe(np.zeros(0, dtype=np.int16)).words == ()


def test_unknown_engine_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown recognition engine 'whisper'"):
        make_recognizer(Settings(recognition=RecognitionSettings(engine="whisper")), 16000)


def test_streaming_in_blocks_matches_one_call(recognizer: PocketsphinxRecognizer,
                                              speak_samples: Callable[..., np.ndarray]) -> None:
    text = "you paid for express delivery and it still came late"
    audio = np.concatenate([np.zeros(8000, dtype=np.int16), speak_samples(text)])
    stream = recognizer.stream()
    for start in range(0, len(audio), 320):  # 20 ms blocks, as the sound card delivers them
        stream.accept(audio[start: start + 320])
    live = stream.finish()
    assert _word_accuracy(text, live.text) >= 0.7, live.text
    assert live.words[0].start_s >= 0.45  # timed from the stream's first sample, half a second of silence
    # the decoder is free again afterwards
    assert _word_accuracy(text, recognizer.transcribe(audio).text) >= 0.6


def _through_the_binding(decoder: Any, audio: np.ndarray, live: bool) -> list[tuple[str, int, int]]:
    """What pocketsphinx's own Python binding hears in ``audio``, fed as a stream would feed it."""
    decoder.start_utt()
    if live:
        for start in range(0, len(audio), 3200):
            decoder.process_raw(audio[start: start + 3200].astype("<i2").tobytes(), full_utt=False)
    else:
        decoder.process_raw(audio.astype("<i2").tobytes(), full_utt=True)
    decoder.end_utt()
    return [(s.word, s.start_frame, s.end_frame) for s in decoder.seg()]


def test_the_c_library_hears_what_the_binding_hears_with_the_whole_dictionary(
        speak_samples: Callable[..., np.ndarray]) -> None:
    # the engine calls pocketsphinx's C functions itself (so its long calls release Python's lock):
    # the same words at the same times as the wheel's binding, here each with the wheel's whole
    # dictionary, and with the engine's dictionary cut to the language model's likeliest words
    # (these recordings say none of the rest); every decoder fresh, as a live stream's running
    # normalisation carries over between utterances
    from pocketsphinx import Config
    from pocketsphinx import Decoder as BindingDecoder

    from tutor.recognition.pocketsphinx_engine import Decoder

    defaults = Config()
    whole = {"hmm": defaults["hmm"], "lm": defaults["lm"], "dict": defaults["dict"], "samprate": 16000,
             "loglevel": "FATAL"}
    recordings = [read_mono(LIBRIVOX, 16000), read_mono(SAMPLE_REPLY, 16000),
                  speak_samples("you paid for express delivery and the present still came late")]
    for live in (True, False):
        binding, ours, cut = (BindingDecoder(samprate=16000, loglevel="FATAL"), Decoder(whole),
                              PocketsphinxRecognizer(16000))
        for audio in recordings:
            reference = _through_the_binding(binding, audio, live)
            full, small = PocketsphinxStream(ours, live), cut.stream(live=live)
            for start in range(0, len(audio), 3200):
                full.accept(audio[start: start + 3200])
                small.accept(audio[start: start + 3200])
            heard, heard_cut = full.finish(), small.finish()
            assert len(heard.words) >= 5
            assert [(w.text, round(w.start_s * 100), round(w.end_s * 100) - 1) for w in heard.words] == [
                (re.sub(r"\(\d+\)$", "", word), first, last) for word, first, last in reference
                if not word.startswith(("<", "[", "++"))]
            assert heard_cut == heard


def test_the_final_search_lets_other_threads_run(recognizer: PocketsphinxRecognizer) -> None:
    # the live stream's final search runs in a worker while the sound card is captured: the
    # binding held Python's lock through it, so nothing else ran; a ctypes call lets go of it
    import threading
    import time

    long_reply = np.tile(read_mono(SAMPLE_REPLY, 16000), 3)  # about 28 s: a search of half a second here
    stream = recognizer.stream()
    for start in range(0, len(long_reply), 3200):
        stream.accept(long_reply[start: start + 3200])
    searching, done, wakeups = threading.Event(), threading.Event(), [0]

    def search() -> None:
        searching.set()
        stream.finish()
        done.set()

    worker = threading.Thread(target=search)
    worker.start()
    searching.wait()
    while not done.is_set():
        time.sleep(0.001)
        wakeups[0] += 1
    worker.join()
    # holding the lock, the search would let this thread wake at most once or twice
    assert wakeups[0] >= 20


def test_dictionary_keeps_every_pronunciation_of_the_language_models_words(tmp_path: Path) -> None:
    from pocketsphinx import Config

    defaults = Config()
    vocabulary = language_model_words(Path(defaults["lm"]))
    assert vocabulary is not None and len(vocabulary) == 72547  # the model's own count of unigrams
    assert {b"birthday", b"shipping", b"disappointing", b"'bout", b"zyuganov's"} <= vocabulary
    dictionary = tmp_path / "small.dict"
    dictionary.write_bytes(b"birthday B ER TH D EY\nzzyzx Z IH Z IH K S\nread R EH D\n"
                           b"read(2) R IY D\n")
    assert list(dictionary_entries(dictionary, vocabulary)) == [
        b"birthday B ER TH D EY\n", b"read R EH D\n", b"read(2) R IY D\n"]


def test_a_language_model_it_cannot_read_is_none(tmp_path: Path) -> None:
    text_model = tmp_path / "model.lm"
    text_model.write_text("\\data\\\nngram 1=3\n")
    assert language_model_words(text_model) is None
    assert language_model_words(tmp_path / "missing.lm.bin") is None
    cut_short = tmp_path / "short.lm.bin"
    cut_short.write_bytes(b"Trie Language Model\x03" + (5).to_bytes(4, "little") + b"one\0two\0")
    assert language_model_words(cut_short) is None


def _trie_model(path: Path, probabilities: list[float], words: list[bytes]) -> Path:
    """A two-word-order binary language model laid out as pocketsphinx writes one: header and
    counts, 16-bit quantiser bins, unigram records (and the one that ends them), the vocabulary."""
    import numpy as np

    record = np.dtype([("probability", "<f4"), ("backoff", "<f4"), ("successor", "<u4")])
    unigrams = np.zeros(len(words) + 1, record)
    unigrams["probability"][: len(words)] = probabilities
    counts = len(words).to_bytes(4, "little") + (0).to_bytes(4, "little")  # unigrams, bigrams
    header = b"Trie Language Model" + bytes([2]) + counts
    quantiser = (1).to_bytes(4, "little") + np.zeros(1 << 16, "<f4").tobytes()
    path.write_bytes(header + quantiser + unigrams.tobytes() + b"".join(w + b"\0" for w in words))
    return path


def test_the_likeliest_words_are_those_of_highest_unigram_probability(tmp_path: Path) -> None:
    model = _trie_model(tmp_path / "m.lm.bin", [-1.0, -3.0, -2.0], [b"alpha", b"beta", b"gamma"])
    assert language_model_words(model) == {b"alpha", b"beta", b"gamma"}
    assert language_model_words(model, most_likely=2) == {b"alpha", b"gamma"}
    assert language_model_words(model, most_likely=5) == {b"alpha", b"beta", b"gamma"}


def test_unigrams_it_cannot_read_give_the_whole_vocabulary_not_fewer_words(tmp_path: Path) -> None:
    # a log probability above zero is not one: the layout is not what was expected
    model = _trie_model(tmp_path / "m.lm.bin", [-1.0, 4.0, -2.0], [b"alpha", b"beta", b"gamma"])
    assert language_model_words(model, most_likely=1) == {b"alpha", b"beta", b"gamma"}


def test_the_wheels_model_keeps_everyday_words_and_drops_rare_ones() -> None:
    from pocketsphinx import Config

    from tutor.recognition.pocketsphinx_engine import VOCABULARY

    known = language_model_words(Path(Config()["lm"]), most_likely=VOCABULARY)
    assert known is not None and len(known) == VOCABULARY
    assert {b"the", b"birthday", b"refund", b"delivery", b"disappointing", b"frustrating",
            b"manager", b"broken", b"invoice", b"appointment", b"courier", b"parcel", b"voucher",
            b"boiler", b"landlord", b"prescription", b"allergy", b"wheelchair"} <= known
    assert b"zyuganov's" not in known
