"""Rounds recorded in simulated break rooms, through the real pipeline (analysis, pocketsphinx, scoring).

The rooms come from ``benchmarks.roomsim`` (pyroomacoustics image-source rooms, real speech from
festival and espeak-ng, babble and appliance noise); each round is built at test time from fixed
seeds, so the same samples every run.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest

from benchmarks import roomsim
from benchmarks.roomsim import CASES, Case, Condition, Truth
from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
from tutor.round import RoundResult, analyse_recording
from tutor.scoring import Scorecard
from tutor.settings import Settings

pytestmark = pytest.mark.skipif(shutil.which("text2wave") is None,
                                reason="festival's text2wave is missing (the trainee's voice); "
                                       "scripts/test.sh installs it")

CASE = {case.name: case for case in CASES}
PAUSE_TOLERANCE_S = 0.15

Played = Callable[[Condition, Case, str, int], tuple[RoundResult, Scorecard, Truth]]


@pytest.fixture(scope="module")
def play() -> Played:
    recognizer = PocketsphinxRecognizer(roomsim.RATE)
    settings = Settings()
    scenario = roomsim.scenario()

    def run(condition: Condition, case: Case, voice: str, seed: int) -> tuple[RoundResult, Scorecard, Truth]:
        audio, truth = roomsim.build_round(condition, case, voice, seed)
        result = analyse_recording(audio, recognizer, settings).scored(scenario, settings)
        assert result.score is not None
        return result, result.score, truth

    return run


# rooms a station should cope with: a headset, or a quiet room; moderate reverberation
GOOD_ROUNDS = [
    pytest.param(Condition("dev", "headset", "babble", 20.0, 0.4), "clean turn, 1.0 s", "slt", 11,
                 id="headset-babble20-rt0.4-clean-turn"),
    pytest.param(Condition("dev", "headset", "appliance", 30.0, 0.2), "cut-in during the pause", "kal", 12,
                 id="headset-appliance30-rt0.2-cut-in"),
    pytest.param(Condition("dev", "headset", "appliance", 20.0, 0.4), "acknowledgement in the pause", "slt",
                 13, id="headset-appliance20-rt0.4-ack-in-pause"),
    pytest.param(Condition("dev", "speaker", "appliance", 30.0, 0.2), "talk-over at the end, -0.8 s", "kal",
                 14, id="speaker-appliance30-rt0.2-talk-over"),
]


@pytest.mark.parametrize(("condition", "case", "voice", "seed"), GOOD_ROUNDS)
def test_a_workable_room_is_judged_right(play: Played, condition: Condition, case: str, voice: str,
                                         seed: int) -> None:
    result, card, truth = play(condition, CASE[case], voice, seed)
    assert truth.pause_s is not None and card.pause_s is not None, "the reply was not found"
    assert abs(card.pause_s - truth.pause_s) <= PAUSE_TOLERANCE_S, (card.pause_s, truth.pause_s)
    assert len(card.interruptions) == truth.interruptions, card.interruptions
    assert len(card.backchannels) == truth.acknowledgements, card.backchannels
    assert result.transcript, "no words recognised in the reply"


def test_a_bad_room_is_marked_unreliable(play: Played) -> None:
    # the loudspeaker's echo ~10 dB over the trainee, long reverberation, babble 10 dB under the trainee
    condition = Condition("dev", "speaker", "babble", 10.0, 0.7)
    _, card, truth = play(condition, CASE["cut-in during the pause"], "slt", 21)
    assert truth.interruptions == 1
    assert card.pause is not None and card.turn_taking is not None
    assert card.pause.reliable is False or card.turn_taking.reliable is False
    unsure = card.pause.unsure_reason or card.turn_taking.unsure_reason
    assert unsure and ("noisy" in unsure or "voices" in unsure)


def test_a_noise_burst_in_the_pause_is_no_acknowledgement(play: Played) -> None:
    # 0.6 s of speech-shaped noise from across the room, as loud at the station as the trainee
    condition = Condition("dev", "speaker", "none", None, 0.4)
    _, card, truth = play(condition, roomsim.BURST_CASE, "slt", 31)
    assert truth.acknowledgements == 0 and truth.interruptions == 0
    assert card.backchannels == ()
    assert card.interruptions == ()
    assert truth.pause_s is not None and card.pause_s is not None
    assert abs(card.pause_s - truth.pause_s) <= PAUSE_TOLERANCE_S


def test_a_round_is_the_same_from_the_same_seed() -> None:
    condition = Condition("heldout", "speaker", "babble", 20.0, 0.3)
    first, truth = roomsim.build_round(condition, CASE["quick reply, 0.4 s"], "kal", 5)
    again, truth_again = roomsim.build_round(condition, CASE["quick reply, 0.4 s"], "kal", 5)
    assert (first.mic == again.mic).all() and (first.speaker == again.speaker).all()
    assert truth == truth_again
    # the truth holds the travel time: the trainee answers 0.4 s after hearing the customer
    assert truth.pause_s is not None and 0.40 < truth.pause_s < 0.42
    assert truth.mic_snr_db is not None and abs(truth.mic_snr_db - 20.0) < 0.5
    assert first.mic.dtype == first.speaker.dtype and len(first.mic) == len(first.speaker)
