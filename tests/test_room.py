"""The room: what the station measures of it, when that makes a judgement unsure, and what it says then."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from tutor.errors import ConfigError
from tutor.feedback import compose_feedback, results_for_lights
from tutor.listening.room import RoomLevels, judge_doubts, probe_room
from tutor.listening.suppress import NoiseSuppressor
from tutor.listening.vad import VoiceDetector
from tutor.scenarios import ScenarioLibrary
from tutor.scoring import Doubts, TurnTiming, score_reply
from tutor.settings import Settings

RATE = 16000
LIBRARY = ScenarioLibrary(())


@dataclass(frozen=True)
class Said:
    start_s: float
    end_s: float
    text: str


def _room(noise: float = -60.0, trainee: float | None = -26.0, others: float | None = None,
          share: float = 0.0) -> RoomLevels:
    return RoomLevels(noise, trainee, others, share, -25.0)


@pytest.mark.parametrize(("room", "heard", "timing", "overlaps", "words"), [
    (_room(), True, False, False, False),  # a quiet room: everything is judged
    (_room(noise=-38.0), True, True, True, False),  # 12 dB over the noise: timing unsure, words still fine
    (_room(noise=-33.0), True, True, True, True),  # 7 dB: nothing to trust
    (_room(others=-30.0, share=0.3), True, False, True, False),  # a colleague nearly as loud as the trainee
    (_room(others=-45.0, share=0.3), True, False, False, False),  # chatter far under the trainee is fine
    (_room(noise=-35.0, trainee=None), False, True, True, False),  # no reply heard in a loud room
    (_room(trainee=None, share=0.5), False, True, True, False),  # ...or among other voices
    (_room(trainee=None), False, False, False, False),  # a quiet room: "no reply" is sure
])
def test_doubts_follow_the_margins(room: RoomLevels, heard: bool, timing: bool, overlaps: bool,
                                   words: bool) -> None:
    doubts = judge_doubts(room, reply_heard=heard)
    assert (doubts.timing is not None, doubts.overlaps is not None, doubts.words is not None) == (
        timing, overlaps, words)


def test_wordless_sound_over_the_customer_makes_overlaps_unsure() -> None:
    doubts = judge_doubts(_room(), reply_heard=True, wordless_overlaps=["line 2"])
    assert doubts.timing is None and doubts.overlaps is not None and "line 2" in doubts.overlaps
    assert judge_doubts(_room(), reply_heard=True, work_cut_short=True).overlaps is not None


def test_unsure_habits_are_not_scored_on_the_lights_and_the_feedback_says_why() -> None:
    scenario = LIBRARY.get("late-birthday-present")
    lines = (Said(0.0, 3.0, ""), Said(5.0, 8.0, ""))
    reply = Said(9.2, 14.0, "so the gift came late even with express that sounds upsetting what would help")
    doubts = Doubts(timing="the room is too noisy to tell your voice from the background",
                    overlaps="the room is too noisy to tell your voice from the background")
    card = score_reply(reply.text, scenario, Settings().scoring, TurnTiming(lines, (reply,), reply, doubts))
    assert card.pause is not None and not card.pause.reliable and card.pause.unsure_reason
    assert card.turn_taking is not None and not card.turn_taking.reliable
    assert card.paraphrase is not None and card.paraphrase.reliable and card.paraphrase.passed
    assert results_for_lights(card) == {"pause": None, "interruptions": None, "paraphrase": True}
    text = compose_feedback(card)
    assert text.startswith("It's too noisy here to judge your timing. Try the headset, or a quieter moment.")
    assert "Well done." in text
    assert card.to_json()["pause"]["reliable"] is False
    paraphrase = card.to_json()["paraphrase"]
    assert paraphrase["reliable"] is True and paraphrase["unsure_reason"] is None
    assert "Not scored" in card.report()


def test_unsure_words_get_no_advice_aimed_at_them() -> None:
    scenario = LIBRARY.get("late-birthday-present")
    reply = Said(9.2, 10.0, "okay")
    card = score_reply(reply.text, scenario, Settings().scoring,
                       TurnTiming((Said(0.0, 8.0, ""),), (reply,), reply,
                                  Doubts(words="the room is too noisy to trust what the recognizer heard")))
    assert card.paraphrase is not None and not card.paraphrase.reliable
    assert card.better_sentence is None  # never "try saying ..." about words the station could not hear
    assert "noisy" in compose_feedback(card) and "own words" not in compose_feedback(card)


def test_room_probe_measures_steady_noise_and_talk() -> None:
    rng = np.random.default_rng(5)
    hiss = np.round(rng.normal(0, 32768 * 10 ** (-50 / 20), 3 * RATE)).astype(np.int16)
    probe = probe_room(hiss, RATE)
    assert abs(probe.noise_dbfs - -50.0) < 2.0 and probe.voices_share < 0.05 and probe.fit_for_practice
    loud = probe_room((hiss.astype(np.int32) * 40).clip(-32768, 32767).astype(np.int16), RATE)
    assert not loud.fit_for_practice


def test_fresh_voice_detector_does_not_call_the_first_frames_speech() -> None:
    rng = np.random.default_rng(1)
    noise = np.round(rng.normal(0, 32768 * 10 ** (-40 / 20), RATE)).astype(np.int16)
    assert not VoiceDetector(RATE, 2).frames(noise)[:10].any()


def test_noise_suppression_lowers_steady_noise_and_keeps_length() -> None:
    rng = np.random.default_rng(2)
    hiss = np.round(rng.normal(0, 1000, 2 * RATE)).astype(np.int16)
    quieter = NoiseSuppressor(RATE, 3).whole(hiss)
    assert len(quieter) == len(hiss)
    assert np.std(quieter[RATE:]) < 0.5 * np.std(hiss[RATE:])
    assert NoiseSuppressor(RATE, 0).whole(hiss) is hiss
    streamed = NoiseSuppressor(RATE, 3)
    pieces = [streamed.process(hiss[i: i + 333]) for i in range(0, len(hiss), 333)]
    assert sum(len(p) for p in pieces) == len(hiss) // 160 * 160
    with pytest.raises(ConfigError, match="noise_suppression"):
        NoiseSuppressor(RATE, 7)


def test_recognition_after_the_round_is_bounded_in_a_room_full_of_voices() -> None:
    from tutor.listening.analysis import RoundTiming, Span
    from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
    from tutor.round import MAX_RECOGNISED_AFTER_ROUND_S, MAX_UTTERANCES, transcribe_speech

    # forty stretches of "speech" over a minute of faint hiss: a room of colleagues talking
    rng = np.random.default_rng(4)
    mic = np.round(rng.normal(0, 30, 70 * RATE)).astype(np.int16)
    speech = tuple(Span(1.0 + 1.7 * i, 2.5 + 1.7 * i) for i in range(40))
    timing = RoundTiming(loop_latency_s=0.0, latency_source="configured", customer_lines=(Span(0.0, 0.5),),
                         speech=speech, reply=None, cleaned_mic=mic)
    utterances, cut_short = transcribe_speech(PocketsphinxRecognizer(RATE), timing, RATE)
    assert cut_short
    assert len(utterances) <= MAX_UTTERANCES
    assert sum(u.end_s - u.start_s for u in utterances) <= MAX_RECOGNISED_AFTER_ROUND_S
    doubts = judge_doubts(_room(), reply_heard=False, work_cut_short=cut_short)
    assert doubts.overlaps is None  # no reply: nothing to judge about overlaps anyway
    assert judge_doubts(_room(), reply_heard=True, work_cut_short=cut_short).overlaps
