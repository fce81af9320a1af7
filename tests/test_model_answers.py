"""Every library scenario's model answer passes every habit it is meant to show."""

from __future__ import annotations

import pytest

from tutor.scenarios import Scenario, ScenarioLibrary
from tutor.scoring import score_reply
from tutor.scoring.moves import feelings_named
from tutor.scoring.text import clauses
from tutor.settings import ScoringSettings

LIBRARY = list(ScenarioLibrary(()))


def test_the_library_has_ten_scenarios_with_model_answers() -> None:
    assert len(LIBRARY) == 10 and all(s.model_answer for s in LIBRARY)


@pytest.mark.parametrize("scenario", LIBRARY, ids=lambda s: s.id)
def test_model_answer_passes_its_habits(scenario: Scenario) -> None:
    card = score_reply(scenario.model_answer, scenario, ScoringSettings())
    assert card.paraphrase is not None and card.paraphrase.shown, card.paraphrase  # passed, and sure of it
    assert "also reflect" not in card.paraphrase.reason or not _carries_missed(card.paraphrase.reason,
                                                                                scenario)
    if scenario.emotions and feelings_named(scenario.model_answer.lower()):
        assert card.empathy is not None and card.empathy.passed, card.empathy
    if any(c.question for c in clauses(scenario.model_answer)):
        assert card.open_question is not None and card.open_question.passed, card.open_question
    assert card.better_sentence is None


def _carries_missed(reason: str, scenario: Scenario) -> bool:
    """Does the answer carry the key point it is told to 'also reflect' (by its first content word)?"""
    point = reason.split("also reflect '", 1)[1].rstrip("'.")
    strong = [w for w in point.lower().split() if len(w) > 4]
    return any(w[:5] in scenario.model_answer.lower() for w in strong)
