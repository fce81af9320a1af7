"""Every library scenario's model answer passes every habit it is meant to show, and so does
each model answer of a conversation's later turns, judged as a reply to that turn."""

from __future__ import annotations

import pytest

from tutor.conversation import turn_scenario
from tutor.scenarios import Scenario, ScenarioLibrary
from tutor.scoring import score_reply
from tutor.scoring.moves import feelings_named
from tutor.scoring.text import clauses
from tutor.settings import ScoringSettings

LIBRARY = list(ScenarioLibrary(()))
TURN_ANSWERS = [(s, t) for s in LIBRARY for t in s.turns if t.model_answer]


def test_the_library_has_ten_scenarios_with_model_answers() -> None:
    assert len(LIBRARY) == 10 and all(s.model_answer for s in LIBRARY)


def test_four_library_scenarios_are_conversations_with_model_answers_for_each_turn() -> None:
    conversations = {s.id for s in LIBRARY if s.is_conversation}
    assert {"late-birthday-present", "high-electricity-bill", "streaming-nothing-to-watch",
            "card-terminals-down"} <= conversations
    assert all(t.model_answer for s in LIBRARY for t in s.turns if not t.ends)


@pytest.mark.parametrize("scenario", LIBRARY, ids=lambda s: s.id)
def test_model_answer_passes_its_habits(scenario: Scenario) -> None:
    _passes_its_habits(scenario)


@pytest.mark.parametrize(("scenario", "turn"), TURN_ANSWERS, ids=lambda x: getattr(x, "id", ""))
def test_each_turn_s_model_answer_passes_its_habits(scenario: Scenario, turn: object) -> None:
    _passes_its_habits(turn_scenario(scenario, turn))  # type: ignore[arg-type]


def _passes_its_habits(scenario: Scenario) -> None:
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
