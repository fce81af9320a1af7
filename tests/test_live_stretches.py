"""A reply recognised in stretches: each pause's stretch is searched during the wait, a new
stream takes the continuation, and an engine fault in any stretch loses nothing.

Real pocketsphinx on festival speech, through the simulated station (no sound card here).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tutor.audio.simulated import SimulatedDuplex
from tutor.errors import RecognitionError
from tutor.listening.endpoint import ReplyEndpointer
from tutor.listening.vad import VoiceDetector
from tutor.recognition import Transcript, Word
from tutor.recognition.live import SEGMENT_AFTER_QUIET_S, HeardLive, HeardStretch
from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
from tutor.round import PracticeRound, RoundResult
from tutor.scenarios import ScenarioLibrary
from tutor.settings import ListeningSettings, Settings, SimulateSettings
from tutor.voice import EspeakSynthesizer, trim_silence

RATE = 16000
REPLY_AT_S = 1.2
FIRST = "so the present arrived after her birthday"
SECOND = "what would help now"
PAUSE_S = 0.75  # longer than the segmenting point, shorter than the end-of-speech wait


@pytest.fixture(scope="module")
def voice() -> Iterator[EspeakSynthesizer]:
    with EspeakSynthesizer() as synthesizer:
        yield synthesizer


@pytest.fixture(scope="module")
def halves(speak_samples: Callable[..., np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return trim_silence(speak_samples(FIRST), RATE), trim_silence(speak_samples(SECOND), RATE)


def test_the_pause_sits_between_the_segmenting_point_and_the_wait() -> None:
    assert SEGMENT_AFTER_QUIET_S < PAUSE_S < Settings().listening.end_silence_s


class CountingRecognizer(PocketsphinxRecognizer):
    """pocketsphinx, counting the live streams it opens and what it recognises after the round."""

    def __init__(self) -> None:
        super().__init__(RATE)
        self.live_streams = 0
        self.after_round = 0

    def stream(self, *, live: bool = True) -> Any:
        self.live_streams += live
        return super().stream(live=live)

    def transcribe(self, samples: np.ndarray) -> Transcript:
        self.after_round += 1
        return super().transcribe(samples)


class SecondStretchFails(CountingRecognizer):
    """pocketsphinx whose second live stream breaks on its first audio, as an engine can."""

    def stream(self, *, live: bool = True) -> Any:
        stream = super().stream(live=live)
        if not live or self.live_streams < 2:
            return stream

        class Breaking:
            def accept(self, samples: np.ndarray) -> None:
                raise RecognitionError("the recognizer stopped answering")

            def finish(self) -> Transcript:
                return stream.finish()

        return Breaking()


def _round(voice: EspeakSynthesizer, tmp_path: Path, recognizer: CountingRecognizer,
           reply: np.ndarray) -> RoundResult:
    base = Settings()
    settings = dataclasses.replace(base, storage=dataclasses.replace(base.storage, data_dir=str(tmp_path)))
    audio = SimulatedDuplex(reply, RATE, reply_at_s=REPLY_AT_S, settings=SimulateSettings(realtime=False))
    practice = PracticeRound(audio=audio, recognizer=recognizer, synthesizer=voice, settings=settings)
    # the opening alone: these are figures of one reply (the library's birthday is a conversation)
    opening = dataclasses.replace(ScenarioLibrary(()).get("late-birthday-present"), turns=(), hidden_need="")
    return practice.run(opening)


def _paused_reply(halves: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    first, second = halves
    return np.concatenate([first, np.zeros(int(PAUSE_S * RATE), dtype=np.int16), second])


def test_a_reply_with_a_pause_is_heard_in_two_stretches(voice: EspeakSynthesizer, tmp_path: Path,
                                                        halves: tuple[np.ndarray, np.ndarray]) -> None:
    recognizer = CountingRecognizer()
    result = _round(voice, tmp_path, recognizer, _paused_reply(halves))
    assert recognizer.live_streams == 2  # the pause finished one stream, the continuation opened another
    assert recognizer.after_round == 0  # all of it heard live
    assert result.timing.customer_end_s is not None and result.timing.reply is not None
    words = [w.text for w in result.reply_words]
    assert {"arrived", "birthday"} <= set(words) and {"help", "now"} <= set(words), words
    assert max(words.index("arrived"), words.index("birthday")) < min(words.index("help"), words.index("now"))
    # times on the microphone's base: the first half before the pause, the second after it
    pause_at = result.timing.customer_end_s + REPLY_AT_S + len(halves[0]) / RATE
    times = {w.text: w for w in result.reply_words}
    assert times["birthday"].end_s <= pause_at + 0.15
    assert times["help"].start_s >= pause_at + PAUSE_S - 0.15
    assert result.timing.reply.end_s >= times["now"].end_s - 0.15


def test_an_engine_failing_in_the_second_stretch_loses_nothing(voice: EspeakSynthesizer, tmp_path: Path,
                                                              halves: tuple[np.ndarray, np.ndarray]) -> None:
    recognizer = SecondStretchFails()
    result = _round(voice, tmp_path, recognizer, _paused_reply(halves))
    assert recognizer.live_streams == 2
    assert result.round_path is not None and result.round_path.exists()  # the recording was written
    assert recognizer.after_round >= 1  # the whole reply recognised from the recording instead
    words = result.transcript.split()
    assert {"arrived", "birthday", "help", "now"} <= set(words), words
    assert words.index("birthday") < words.index("help")
    assert result.score is not None and result.score.paraphrase is not None


def test_where_streams_heard_the_same_audio_the_later_one_counts() -> None:
    # the second stream started back at 1.0 s, heard "arrived late" again and heard it better
    first = HeardStretch(0.5, 2.0, Transcript((Word("the", 0.6, 0.7), Word("present", 0.8, 1.2),
                                               Word("arrive", 1.3, 1.6))))
    second = HeardStretch(1.0, 3.5, Transcript((Word("arrived", 1.3, 1.7), Word("late", 1.8, 2.0),
                                                Word("sadly", 2.8, 3.2))))
    heard = HeardLive((first, second))
    assert heard.from_s == 0.5
    assert heard.transcript.text == "the present arrived late sadly"


def test_the_endpointer_says_when_the_trainee_speaks_and_how_long_they_have_been_quiet(
        halves: tuple[np.ndarray, np.ndarray]) -> None:
    settings = ListeningSettings()
    customer_end = RATE // 2
    speech = halves[0]
    mic = np.concatenate([np.zeros(customer_end + RATE // 2, dtype=np.int16), speech,
                          np.zeros(RATE, dtype=np.int16)])
    endpointer = ReplyEndpointer(VoiceDetector(RATE, settings.vad_aggressiveness), customer_end, settings)
    seen: list[tuple[int, int | None, int]] = []
    for offset in range(0, len(mic), 320):
        endpointer.push(mic[offset: offset + 320])
        seen.append((offset + 320, endpointer.speech_began_at, endpointer.quiet_for))
    speech_start, speech_end = customer_end + RATE // 2, customer_end + RATE // 2 + len(speech)
    began = {b for _, b, _ in seen if b is not None}
    assert began and all(speech_start - 0.05 * RATE <= b < speech_end for b in began)
    assert all(quiet == 0 for end, _, quiet in seen if end <= speech_start)  # not yet spoken: not quiet
    last_quiet = seen[-1][2]
    assert last_quiet >= 0.8 * RATE  # a second of silence after the speech, less the detector's hang-over
    assert all(b is None for end, b, _ in seen if end > speech_end + 0.3 * RATE)
