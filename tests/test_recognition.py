"""pocketsphinx on real speech: synthetic English and a human LibriVox recording."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tutor.audio.wavfile import read_mono
from tutor.errors import ConfigError
from tutor.recognition import make_recognizer
from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
from tutor.settings import RecognitionSettings, Settings

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
