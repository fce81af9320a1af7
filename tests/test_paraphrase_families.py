"""Each family of word-judgement misses from issue 12, a few examples each (not the evaluation set)."""

from __future__ import annotations

import pytest

from tutor.scenarios import Scenario, ScenarioLibrary, parse_scenario
from tutor.scoring.moves import feelings_named, score_empathy, score_open_question
from tutor.scoring.paraphrase import Paraphrase, score_paraphrase

BIRTHDAY = ScenarioLibrary(()).get("late-birthday-present")
SOFA = parse_scenario({"title": "A sofa that never came", "lines": [
    "My new sofa was meant to be delivered on Saturday.",
    "I waited in all day and nobody turned up.",
    "When I rang, I was told it's now another three weeks.",
]}, scenario_id="sofa")
APP = parse_scenario({"title": "A banking app that logs out", "lines": [
    "Since your last update the banking app keeps logging me out.",
    "I can't pay my rent because I can't get into my account.",
]}, scenario_id="app")
INSURANCE = parse_scenario({"title": "An insurance renewal", "lines": [
    "My car insurance renewal has gone up by forty percent.",
    "I haven't made a single claim in six years.",
]}, scenario_id="insurance")


@pytest.mark.parametrize(("scenario", "reply"), [
    (SOFA, "so your new sofa was meant to be delivered on saturday"),  # pronoun shift
    (SOFA, "you waited in all day and nobody turned up"),
    (INSURANCE, "your car insurance renewal has gone up and you have not made a single claim"),  # halves
    (APP, "since our last update the banking app keeps logging you out"),  # "your" said back as "our"
])
def test_echoes_are_parroting(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.verdict == Paraphrase.PARROTED, trait.reason
    assert not trait.passed and trait.details["parroted"]
    assert trait.reason.startswith("You used the customer's own words for")


@pytest.mark.parametrize(("scenario", "reply", "phrase"), [
    (SOFA, "the warehouse was short of drivers that week that's why", "that is why"),
    (INSURANCE, "prices went up for everyone this year", "for everyone"),
    (APP, "the app does that after an update", "does that"),
    (SOFA, "our couriers get held up all the time but i can get you a new date", "all the time"),
    (BIRTHDAY, "couriers are very busy this time of year but i can refund the fee", "this time of year"),
])
def test_explanations_are_not_restatements(scenario: Scenario, reply: str, phrase: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.verdict == Paraphrase.DISMISSIVE and not trait.passed
    assert phrase in trait.reason and "explains the problem" in trait.reason


def test_a_cause_the_customer_gave_is_not_an_excuse() -> None:
    trait = score_paraphrase("so you can't pay your rent because the app keeps throwing you out", APP)
    assert trait.passed, trait.reason


@pytest.mark.parametrize(("scenario", "reply"), [
    (BIRTHDAY, "so you'd like to change the delivery address for your order"),
    (SOFA, "so you want the sofa delivered to a neighbour instead"),
    (BIRTHDAY, "so the present arrived damaged"),
])
def test_wrong_concerns_fail(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.verdict == Paraphrase.WRONG_CONCERN and not trait.passed, trait.reason
    assert "is not what the customer said" in trait.reason


@pytest.mark.parametrize(("scenario", "reply"), [
    (BIRTHDAY, "so the gift turned up after her birthday even though you paid for the fast shipping"),
    (SOFA, "so you stayed home the whole day for a delivery that never came"),
    (APP, "so ever since the new version you keep getting kicked out and now the rent can't go through"),
])
def test_restatements_in_own_words_pass(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.passed and trait.verdict == Paraphrase.RESTATED, trait.reason


@pytest.mark.parametrize("reply", [
    "oh no what happened next",
    "right so how can I help",
    "sorry about that how has it affected you",
])
def test_open_question_after_a_filler(reply: str) -> None:
    assert score_open_question(reply).passed


@pytest.mark.parametrize(("reply", "feeling"), [
    ("you must have been so worried", "worried"),
    ("that kind of anxiety is exhausting", "anxiety"),
    ("no wonder you were scared", "scared"),
])
def test_short_feeling_stems_match_their_words(reply: str, feeling: str) -> None:
    assert feeling in feelings_named(reply)
    assert score_empathy(reply).passed


@pytest.mark.parametrize("reply", [
    "I'm worried the block might take a few hours to clear",  # the trainee's worry
    "the drivers are really stressed with all the extra parcels",  # a third party's
    "try not to worry it won't happen again",
])
def test_feelings_not_the_customers_do_not_count(reply: str) -> None:
    assert not score_empathy(reply).passed


def test_scarf_is_not_scared() -> None:
    assert feelings_named("she wanted the scarf for her birthday") == []


def test_advice_never_asks_for_what_was_said() -> None:
    trait = score_paraphrase("so the present came late and nobody warned you even though you paid for "
                             "express", BIRTHDAY)
    assert trait.passed
    assert "also reflect" not in trait.reason


def test_a_fix_offered_restates_nothing() -> None:
    trait = score_paraphrase("I can refund the express delivery fee for you today", BIRTHDAY)
    assert not trait.passed
    assert trait.details["offer"].startswith("i can refund")
