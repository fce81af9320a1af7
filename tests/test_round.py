"""A practice round transcribes the reply while it is spoken, and falls back where it must."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tutor.audio.simulated import SimulatedDuplex
from tutor.audio.wavfile import read_mono
from tutor.errors import RecognitionError
from tutor.recognition import Transcript
from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
from tutor.round import PracticeRound
from tutor.scenarios import ScenarioLibrary
from tutor.scoring.meaning import customer_words, meaning_model
from tutor.scoring.moves import _wordnet_people
from tutor.settings import Settings, SimulateSettings
from tutor.voice import EspeakSynthesizer

RATE = 16000
SAMPLE_REPLY = Path(__file__).parent.parent / "tutor" / "data" / "sample-reply.wav"


class CountingRecognizer(PocketsphinxRecognizer):
    """pocketsphinx, counting the utterances it is asked to transcribe after the round."""

    def __init__(self) -> None:
        super().__init__(RATE)
        self.after_round = 0

    def transcribe(self, samples: np.ndarray) -> Transcript:
        self.after_round += 1
        return super().transcribe(samples)


@pytest.fixture(scope="module")
def voice() -> Iterator[EspeakSynthesizer]:
    with EspeakSynthesizer() as synthesizer:
        yield synthesizer


def _round(voice: EspeakSynthesizer, tmp_path: Path, reply_at_s: float) -> tuple[Any, CountingRecognizer]:
    base = Settings()
    settings = dataclasses.replace(base, storage=dataclasses.replace(base.storage, data_dir=str(tmp_path)))
    recognizer = CountingRecognizer()
    audio = SimulatedDuplex(read_mono(SAMPLE_REPLY, RATE), RATE, reply_at_s=reply_at_s,
                            settings=SimulateSettings(realtime=False))
    practice = PracticeRound(audio=audio, recognizer=recognizer, synthesizer=voice, settings=settings)
    return practice.run(ScenarioLibrary(()).get("late-birthday-present")), recognizer


def test_reply_after_the_customer_is_recognised_while_spoken(voice: EspeakSynthesizer,
                                                             tmp_path: Path) -> None:
    result, recognizer = _round(voice, tmp_path, 1.2)
    assert recognizer.after_round == 0  # nothing left to recognise once the trainee stops
    words = set(result.transcript.split())
    assert {"gift", "birthday", "fast", "shipping"} <= words
    reply = result.timing.reply
    assert all(reply.start_s - 0.2 <= w.start_s <= reply.end_s + 0.2 for w in result.reply_words)


def test_reply_over_the_customer_is_recognised_from_the_cleaned_recording(
        voice: EspeakSynthesizer, tmp_path: Path) -> None:
    result, recognizer = _round(voice, tmp_path, -1.5)
    assert recognizer.after_round >= 1
    assert {"gift", "birthday"} <= set(result.transcript.split())


def test_the_complaint_is_read_for_the_words_while_the_customer_speaks(
        voice: EspeakSynthesizer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tutor.round

    read: list[tuple[str, str]] = []
    real = tutor.round.prepare_words

    def reading(scenario: Any) -> None:
        read.append((scenario.id, threading.current_thread().name))
        real(scenario)

    monkeypatch.setattr(tutor.round, "prepare_words", reading)
    meaning_model().forget()
    _wordnet_people.cache_clear()
    result, _ = _round(voice, tmp_path, 1.2)
    assert read == [("late-birthday-present", "read-complaint")]  # beside the round, not in its way
    assert meaning_model().is_prepared(customer_words(ScenarioLibrary(()).get("late-birthday-present")))
    assert _wordnet_people.cache_info().currsize == 1  # the people nouns are read then too
    assert result.score is not None and result.score.paraphrase is not None


class StreamFailsMidReply(CountingRecognizer):
    """pocketsphinx whose live stream breaks after a second of the reply, as an engine can."""

    def stream(self, *, live: bool = True) -> Any:
        stream = super().stream(live=live)
        if not live:  # recognition after the round: the engine has recovered
            return stream
        fed = [0]

        class Breaking:
            def accept(self, samples: np.ndarray) -> None:
                fed[0] += len(samples)
                if fed[0] > RATE:
                    raise RecognitionError("the recognizer stopped answering")
                stream.accept(samples)

            def finish(self) -> Transcript:
                return stream.finish()

        return Breaking()


@pytest.mark.parametrize("breaks_in", ["accept", "finish"])
def test_a_live_recognition_failure_loses_neither_recording_nor_words(voice: EspeakSynthesizer,
                                                                      tmp_path: Path, breaks_in: str) -> None:
    recognizer: CountingRecognizer
    if breaks_in == "accept":
        recognizer = StreamFailsMidReply()
    else:
        class FinishFails(CountingRecognizer):
            def stream(self, *, live: bool = True) -> Any:
                stream = super().stream(live=live)
                if not live:  # recognition after the round: the engine has recovered
                    return stream

                class Breaking:
                    def accept(self, samples: np.ndarray) -> None:
                        stream.accept(samples)

                    def finish(self) -> Transcript:
                        raise RecognitionError("the recognizer crashed at the end")

                return Breaking()
        recognizer = FinishFails()
    base = Settings()
    settings = dataclasses.replace(base, storage=dataclasses.replace(base.storage, data_dir=str(tmp_path)))
    audio = SimulatedDuplex(read_mono(SAMPLE_REPLY, RATE), RATE, reply_at_s=1.2,
                            settings=SimulateSettings(realtime=False))
    practice = PracticeRound(audio=audio, recognizer=recognizer, synthesizer=voice, settings=settings)
    result = practice.run(ScenarioLibrary(()).get("late-birthday-present"))
    assert result.round_path is not None and result.round_path.exists()  # the recording was written
    assert recognizer.after_round >= 1  # the reply was recognised after the round instead
    assert {"gift", "birthday"} <= set(result.transcript.split())
    assert result.score is not None and result.score.paraphrase is not None
