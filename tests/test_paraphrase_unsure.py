"""A reply neither clearly a restatement nor clearly not is marked unsure, never judged wrongly."""

from __future__ import annotations

import json
import subprocess
import sys

from tutor.feedback import compose_feedback, results_for_lights
from tutor.scenarios import ScenarioLibrary
from tutor.scoring import score_reply
from tutor.scoring.paraphrase import UNDECIDED, Paraphrase, score_paraphrase
from tutor.scoring.paraphrase_model import UNSURE_MARGIN
from tutor.settings import ScoringSettings
from tutor.vocabulary import Habit

LAPTOP = ScenarioLibrary(()).get("laptop-repair-still-broken")
# a bare "the repair didn't sort it", with nothing of what failed or how: the rules (0.44) lean a
# little against a restatement and the meaning model (0.84) for one, so the decision (0.72) is not clear
CLOSE_CALL = "so the repair didn't sort it"


def test_a_close_call_is_marked_unsure_with_its_probability() -> None:
    trait = score_paraphrase(CLOSE_CALL, LAPTOP)
    chance = trait.details["restating_probability"]
    assert abs(chance - 0.5) < UNSURE_MARGIN
    assert not trait.reliable and trait.unsure_reason == UNDECIDED and trait.shown is None


def test_a_clear_verdict_carries_its_probability_and_is_judged() -> None:
    trait = score_paraphrase(LAPTOP.model_answer, LAPTOP)
    assert trait.reliable and trait.passed and trait.details["restating_probability"] >= 0.5 + UNSURE_MARGIN
    bare = score_paraphrase("okay I understand", LAPTOP)
    assert bare.reliable and not bare.passed and bare.details["restating_probability"] <= 0.5 - UNSURE_MARGIN


def test_a_rule_failure_is_never_unsure() -> None:
    trait = score_paraphrase("repairs like that take a while this time of year", LAPTOP)
    assert trait.verdict == Paraphrase.DISMISSIVE and trait.reliable
    assert "restating_probability" not in trait.details


def test_the_trainee_hears_it_was_unclear_and_the_light_is_not_lit() -> None:
    card = score_reply(CLOSE_CALL, LAPTOP, ScoringSettings())
    said = compose_feedback(card)
    assert said.startswith("I couldn't tell whether you said their concern back")
    assert "You put the customer's concern in your own words" not in said  # neither praised
    assert "Try saying their concern back" not in said  # nor corrected
    assert "too noisy" not in said and "hear you clearly" not in said
    assert results_for_lights(card)[Habit.PARAPHRASE] is None


def test_the_json_keeps_its_keys_and_adds_the_probability() -> None:
    card = score_reply(CLOSE_CALL, LAPTOP, ScoringSettings()).to_json()
    paraphrase = card["paraphrase"]
    assert {"passed", "score", "verdict", "reason", "reliable", "unsure_reason"} <= paraphrase.keys()
    assert paraphrase["reliable"] is False and isinstance(paraphrase["restating_probability"], float)


def test_score_text_says_it_was_not_scored() -> None:
    done = subprocess.run([sys.executable, "-m", "tutor", "score", "--text", CLOSE_CALL, "--scenario",
                           LAPTOP.id, "--json"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["paraphrase"]["unsure_reason"] == UNDECIDED
