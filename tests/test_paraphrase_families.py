"""Each family of word-judgement misses from issue 12, a few examples each (not the evaluation set)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tutor.scenarios import Scenario, ScenarioLibrary, load_scenario, parse_scenario
from tutor.scoring.complaint import moves_in, pieces_of
from tutor.scoring.meaning import meaning_model
from tutor.scoring.moves import feelings_named, score_empathy, score_open_question
from tutor.scoring.paraphrase import Paraphrase, decided_by_rules, restating_decision, score_paraphrase
from tutor.scoring.restating import read_reply
from tutor.scoring.result import Trait
from tutor.scoring.text import clauses, words


def _rules_restate_and_never_fail_confidently(trait: Trait) -> bool:
    """What a rule for a restatement in other words must give: the rules' own decision leans to
    restating, and the verdict passes or, where the meaning model disagrees, is marked unsure;
    never a confident fail."""
    return trait.details.get("rules_probability", 0.0) >= 0.5 and (trait.passed or not trait.reliable)


DEVELOPMENT_DATA = Path(__file__).parent.parent / "benchmarks" / "data"
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
    assert trait.shown is False and trait.details["parroted"]
    # the feedback quotes what was copied, so the trainee knows what to say another way
    assert trait.reason.startswith("You used the customer's own words ('")
    quoted = trait.reason.split("('")[1].split("'")[0]
    assert quoted in " ".join(words(reply))


LAPTOP = ScenarioLibrary(()).get("laptop-repair-still-broken")


@pytest.mark.parametrize(("scenario", "reply", "restates"), [
    (BIRTHDAY, "What was it like when it arrived three days after her birthday and nobody told you it was "
               "running late?", True),
    (LAPTOP, "What happened when you got it back and it still has the same fault?", True),
    (SOFA, "did you wait in all day and nobody turned up?", False),  # the echo, asked back
    (APP, "does the banking app keep logging you out since our last update?", False),
])
def test_a_question_on_the_customers_own_words_is_weighed_by_meaning(scenario: Scenario, reply: str,
                                                                     restates: bool) -> None:
    # copying in a question is most often a restatement asked about, not an echo: the rules see
    # the copy, and the meaning model, not the copy alone, decides
    reading = read_reply(reply, scenario)
    assert reading.parroted and reading.only_questions
    trait = score_paraphrase(reply, scenario)
    assert "meaning_probability" in trait.details
    assert trait.verdict == (Paraphrase.RESTATED if restates else Paraphrase.PARROTED), trait.details
    assert trait.reliable


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
    assert _rules_restate_and_never_fail_confidently(trait), trait.reason


@pytest.mark.parametrize(("scenario", "reply"), [
    # why the customer feels as they do is their story
    (INSURANCE, "you're upset because the premium has rocketed with nothing to show for it"),
    # the company's excuse, reported as the customer heard it, is not the trainee's
    (SOFA, "you waited in all day for nothing and the firm's answer was basically that's how it is"),
    # a cause that leads into the trainee's own fix is why they act
    (INSURANCE, "since the premium has rocketed despite a spotless record, i'll ask underwriting to review"),
])
def test_causes_that_are_not_excuses(scenario: Scenario, reply: str) -> None:
    assert read_reply(reply, scenario).explanation is None


@pytest.mark.parametrize(("reply", "phrase"), [
    ("the price jumped because the market is volatile right now", "because the market"),
])
def test_a_cause_with_news_in_it_still_excuses(reply: str, phrase: str) -> None:
    assert (read_reply(reply, INSURANCE).explanation or "").startswith(phrase)


@pytest.mark.parametrize(("reply", "said_back"), [
    # the excuse starts at its own clause, after the story told back ("its" heard for "it's")
    ("so its been three weeks now thats usually the warehouse though", "so it has been three weeks now"),
    # the customer's account granted without "that"
    ("i understand the sofa never came on saturday. drivers always run late at weekends though",
     "i understand the sofa never came on saturday"),
])
def test_what_was_said_back_before_an_excuse_is_weighed_alone(reply: str, said_back: str) -> None:
    reading = read_reply(reply, SOFA)
    assert reading.explanation and reading.before_excuse is not None
    assert " ".join(reading.words[:reading.explanation_at]) == said_back


def test_a_bare_grant_before_an_excuse_reflects_nothing() -> None:
    reading = read_reply("i understand. drivers always run late at weekends though", SOFA)
    assert reading.explanation and reading.before_excuse is None


@pytest.mark.parametrize(("scenario", "reply"), [
    (BIRTHDAY, "so you'd like to change the delivery address for your order"),
    (SOFA, "so you want the sofa delivered to a neighbour instead"),
    (BIRTHDAY, "so the present arrived damaged"),
])
def test_wrong_concerns_fail(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.verdict == Paraphrase.WRONG_CONCERN and trait.shown is False, trait.reason
    assert "is not what the customer said" in trait.reason


@pytest.mark.parametrize(("scenario", "reply"), [
    (BIRTHDAY, "so the gift turned up after her birthday even though you paid for the fast shipping"),
    (SOFA, "so you stayed home the whole day for a delivery that never came"),
    (APP, "so ever since the new version you keep getting kicked out and now the rent can't go through"),
])
def test_restatements_in_own_words_pass(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.shown and trait.verdict == Paraphrase.RESTATED, trait.reason


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


@pytest.mark.parametrize(("reply", "named"), [
    ("the alarm isn't our product, but I can book an engineer to look at the line", []),  # a device
    ("so her alarm stopped working after the router swap", []),
    ("no wonder you found it alarming", ["alarming"]),
    ("I'm not surprised it still brings you to tears", ["to tears"]),
])
def test_an_alarm_is_a_device_and_tears_are_a_feeling(reply: str, named: list[str]) -> None:
    assert feelings_named(reply) == named
    assert score_empathy(reply).passed == bool(named)


def test_advice_never_asks_for_what_was_said() -> None:
    trait = score_paraphrase("so the present came late and nobody warned you even though you paid for "
                             "express", BIRTHDAY)
    assert trait.passed
    assert "also reflect" not in trait.reason


def test_a_fix_offered_restates_nothing() -> None:
    trait = score_paraphrase("I can refund the express delivery fee for you today", BIRTHDAY)
    assert not trait.passed
    assert trait.details["offer"].startswith("i can refund")


# --- generalising from one author's wording to another's (by-author cross-validation) ---------

@pytest.mark.parametrize("reply", [
    "our engineer was really upset about it too",  # a third party, by its clause's subject
    "the staff feel terrible about the mix up",  # "feel" makes the subject the one who feels
    "i wouldn't worry, a small leak won't hurt",  # negated feelings
    "quotes are only ever a rough guide",  # an adjective describing a noun, not an experience
    # someone the customer knows feels it, not the customer (the fourth author's labels: "your
    # parents must have been so annoyed" acknowledges nothing of the customer's)
    "your son must have been so disappointed",
    "they found it very stressful too",  # whoever found it so
    "it drove me mad for months",  # the trainee's own feeling, as the object of the verb
    "the bride is going to be so upset",  # the subject before "is going to be"
    "your poor sister shall be so disappointed",  # and before "shall"
    "your fiancé must be fuming too",  # the accent does not hide who it is
    "your boss mustve been well annoyed",  # "well annoyed": a degree, as "really annoyed"
    "your boys must have been so disappointed",  # more of the people a customer talks about
    "your instructor must have felt awful when the car packed up",
    "no wonder shes in tears",  # validated, but the daughter's reaction
    "no wonder your daughter was scared",
    "your spaniel must have been in a lot of pain before the operation",  # "in a lot of" a state
    "so a nervous beginner on a young horse",  # what the beginner is like
    "now even getting ready for a walk scares her",  # the one it scares feels it
    "so he yanked her so hard shes now scared of the lead",  # "now" between verb and state
    "the trainer jerked it so hard she came off her feet",  # how it was done
    "the groom whos been looking after her is honestly gutted",  # the subject before the clause
    "so your main worry is that the bay wasnt showing on the map",  # a concern, put as a topic
    "so your concern is that the driver only takes cash",
    "your wife must of been so disappointed",  # "must of" heard for "must've"
    "poor alfie he must have been in so much pain and so frightened",  # the subject far back
    "was it the eight oclock fright or the later one",  # "flight", misheard
    "know worries i hear you",  # "no worries"
])
def test_whose_feeling_is_read_from_the_clause(reply: str) -> None:
    assert not score_empathy(reply).passed


@pytest.mark.parametrize("reply", [
    "you're going to be so worried until it's fixed",  # the customer, before "are going to be"
    "that is going to be so stressful for you",  # the situation's
    "a night on the terminal floor with two little ones sounds exhausting",  # the night's, not the children's
    "you must be well fed up with us",
    "no wonder youre panicking",
    "you must be in a lot of pain",
    "it sounds like the worry is keeping you up at night",  # a worry that acts on the customer
    "you took it hard",
    "thats enough to drive anyone round the bend",
    "that must have turned your stomach",
    "nobody likes being made to feel like a mug",
    "youre heart broken i can hear it",
    "anyone running a business would be furious after a day like that",
    "youve every write to be livid about that",  # "right", misheard
    "that must have given you a fright",
])
def test_the_customers_feeling_after_the_same_words_still_counts(reply: str) -> None:
    assert score_empathy(reply).passed


@pytest.mark.parametrize("reply", [
    "being left without heating must feel frightening",  # an activity as subject: the situation
    "the wait was awful for you",  # a situation's quality, said to the customer
    "i'd be livid too",  # the trainee's feeling, hypothetical, validates
    "honestly id be so annoyed if that was me",  # the same, as recognised without the apostrophe
    "i can really see why youd feel cheated by that",  # a state after "feel", whatever the word
    "that would wind anyone up",  # the reaction anyone would have
    "being overlooked like that would leave anyone feeling forgotten",
    "i'm not surprised you haven't felt like going out",
])
def test_the_customers_feeling_in_other_shapes_counts(reply: str) -> None:
    assert score_empathy(reply).passed


@pytest.mark.parametrize(("reply", "verdict"), [
    ("before we do that what made you decide to leave", "open"),  # a verb after its subject states
    ("the fitter never came what can i do to help", "open"),  # inversion asks even after a verb
    ("is there anything else i can help with today", "yes_no"),  # closing the call, not inviting
    ("that's probably what happened", "no_question"),
    ("so this is the second time it has failed", "no_question"),
    ("just to check have you kept the receipt", "yes_no"),
])
def test_question_shapes(reply: str, verdict: str) -> None:
    assert score_open_question(reply).verdict == verdict


@pytest.mark.parametrize("reply", [
    "sofas get delayed when the warehouse is short of vans",  # a generic plural and its condition
    "so that is not really something we can control",
])
def test_general_explanations_are_dismissive(reply: str) -> None:
    assert score_paraphrase(reply, SOFA).verdict == Paraphrase.DISMISSIVE


def test_a_reflected_account_is_not_an_excuse() -> None:
    trait = score_paraphrase("if i have this right you agreed to the renewal on a quote and then it went "
                             "up by forty percent without any claims", INSURANCE)
    assert _rules_restate_and_never_fail_confidently(trait), trait.reason


def test_checking_an_understanding_is_not_an_offer() -> None:
    trait = score_paraphrase("let me check i have got this right your sofa never came on saturday even "
                             "though you stayed in all day and now it is weeks away", SOFA)
    assert trait.passed and "offer" not in trait.details


def test_the_customers_let_is_not_the_trainees_promise() -> None:
    trait = score_paraphrase("so you let us know about the rent and the app still throws you out", APP)
    assert "offer" not in trait.details


def test_a_comparison_with_the_usual_is_not_an_excuse() -> None:
    # as heard: the recogniser turned "what you'd usually pay" into "what it usually pay"
    bill = ScenarioLibrary(()).get("high-electricity-bill")
    trait = score_paraphrase("so this bill is more than three times what it usually pay and your usage "
                             "has not changed at all", bill)
    assert trait.verdict != Paraphrase.DISMISSIVE


def test_the_shipped_weights_name_known_features_only() -> None:
    from tutor.scoring.paraphrase_model import WEIGHTS
    from tutor.scoring.restating import FEATURES

    names = [name for name, _ in WEIGHTS]
    assert names[-1] == "bias" and set(names[:-1]) <= set(FEATURES)


# --- a fourth author's kinds of wording: idioms, standards, embedded questions, owned causes ----

@pytest.mark.parametrize(("reply", "passed"), [
    ("honestly you must be hacked off with the lot of us", True),  # idiom for a feeling
    ("that would put anyone at the end of their tether", True),
    ("nobody should have to chase a sofa for three weeks", True),  # a standard, no feeling word
    ("that's not something you should have to sort out yourself", True),
    ("you must have felt grotty all weekend", True),  # the verb names a feeling the lexicon lacks
    ("those sensors are really hard to calibrate on site", False),  # a task's difficulty
    ("we're struggling to find a new slot", False),  # the trainee's own state
    ("so you were left in limbo for three weeks", False),  # the situation, not a feeling
])
def test_feelings_named_without_the_textbook_word(reply: str, passed: bool) -> None:
    assert score_empathy(reply).passed is passed, reply


@pytest.mark.parametrize(("reply", "verdict"), [
    ("I'd love to hear what the last few weeks have been like", "open"),  # a question as a statement
    ("sorry about all that i'd really like to understand how it's affected your plans", "open"),
    ("we would like to know more about what happened on the day", "open"),
    ("I'd like to know what your booking reference is", "fact"),
    ("what's the vehicle registration", "fact"),
    ("what is your application refrence", "fact"),  # a fact word misheard is still a fact
    ("so how did the rest of the day go", "open"),  # "day" after "how" asks for a story
    ("what happened on the day it was meant to come", "open"),
    ("tell me if I've got this wrong", "no_question"),  # a check on understanding, not a question
])
def test_questions_said_as_statements(reply: str, verdict: str) -> None:
    assert score_open_question(reply).verdict == verdict, reply


@pytest.mark.parametrize(("scenario", "reply"), [
    # a cause the company owns is not an excuse
    (SOFA, "so you stayed home all saturday for nothing and the new date is weeks away because of us"),
    # an explanation denied says the problem is out of the ordinary
    (INSURANCE, "so the price has jumped by nearly half and nothing on your record would explain it"),
])
def test_owned_and_denied_causes_still_restate(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.verdict != Paraphrase.DISMISSIVE, trait.reason


def test_a_normal_that_excuses_is_still_dismissive() -> None:
    trait = score_paraphrase("three weeks is actually normal for a delivery like this", SOFA)
    assert trait.verdict == Paraphrase.DISMISSIVE and not trait.passed


@pytest.mark.parametrize(("reply", "verdict"), [
    # what stays of a question when the recogniser loses its question word
    ("no wonder you are fuming wild would help you the most right now", "open"),
    ("so i would help you must right now", "open"),  # "most" heard as "must"
    ("guess like would you like us to do from here", "open"),
    ("i would be fed up too has this been for you", "open"),
    ("right well or walk would you like to see happen next", "open"),
    ("would you like us to do a refund", "yes_no"),  # a verb with its object asks yes or no
    ("a refund would help", "no_question"),
])
def test_questions_whose_question_word_was_lost(reply: str, verdict: str) -> None:
    assert score_open_question(reply).verdict == verdict, reply


@pytest.mark.parametrize(("reply", "passed"), [
    ("you must be absolutely gob smacked", True),  # a degree word before a state: a feeling
    ("you must be so let on", True),  # "let down" misheard
    ("you must have been told the wrong date", False),  # a passive, not a feeling
])
def test_a_state_said_of_the_customer_is_a_feeling(reply: str, passed: bool) -> None:
    assert score_empathy(reply).passed is passed, reply


@pytest.mark.parametrize(("scenario", "reply"), [
    # the problem as the result of news the customer never gave
    (SOFA, "the depot took on a new courier firm last month so the van routes were all redone"),
    (INSURANCE, "reinsurance costs rose sharply this spring so the premiums followed"),
])
def test_a_result_of_new_news_explains_it_away(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.verdict == Paraphrase.DISMISSIVE and not trait.passed, trait.reason


@pytest.mark.parametrize(("scenario", "reply"), [
    # "so" after the customer's own story, or stating a purpose, goes on telling it
    (SOFA, "so you stayed in all saturday so you would be there when it came and nobody turned up"),
    (SOFA, "you waited in the whole day and nobody came so you have to wait another three weeks"),
])
def test_a_result_in_the_customers_story_is_not_an_excuse(scenario: Scenario, reply: str) -> None:
    assert score_paraphrase(reply, SOFA).verdict != Paraphrase.DISMISSIVE


def test_a_relative_which_does_not_start_a_question() -> None:
    reply = "so he is home and doing okay which is great but the bill is far more than you were quoted"
    assert score_open_question(reply).verdict == "no_question"


@pytest.mark.parametrize("reply", [
    "so you like the sofa carried upstairs by the driver",  # "you'd like" with the "'d" lost
])
def test_a_wish_heard_without_its_would_is_still_a_wish(reply: str) -> None:
    trait = score_paraphrase(reply, SOFA)
    assert trait.verdict == Paraphrase.WRONG_CONCERN, trait.reason


@pytest.mark.parametrize(("reply", "offer"), [
    ("i can not rebook the delivery for you today", True),  # a refusal, or "I can" misheard
    ("i can not imagine how annoying that was", False),  # a feeling
])
def test_what_the_trainee_can_not_do_is_about_the_trainee(reply: str, offer: bool) -> None:
    trait = score_paraphrase(reply, SOFA)
    assert ("offer" in trait.details) is offer, trait.details


@pytest.mark.parametrize("reply", [
    "don't worry, we'll get your sofa out to you this week",
    "i wouldn't worry about it too much, i can book a new delivery for saturday",
    "no need to stress, the sofa will be with you soon",
    "Try not to get upset, I can refund the delivery charge.",
])
def test_a_worry_waved_off_then_a_fix_is_dismissive(reply: str) -> None:
    trait = score_paraphrase(reply, SOFA)
    assert trait.verdict == Paraphrase.DISMISSIVE and not trait.passed, trait.reason


@pytest.mark.parametrize("reply", [
    "three weeks isn't that long in the grand scheme of things, but I can call the depot",
    "if it was anything serious the depot would have called you, but i'll chase it now",
    "the system may just need a day to catch up, i can check it tomorrow",
    "couriers are always short of vans on saturdays",
])
def test_the_problem_made_small_is_dismissive(reply: str) -> None:
    trait = score_paraphrase(reply, SOFA)
    assert trait.verdict == Paraphrase.DISMISSIVE and not trait.passed, trait.reason


@pytest.mark.parametrize("reply", [
    "so the sofa is always coming another week later and nobody turns up",
    "so every time you ring it's always another three weeks",
])
def test_how_often_the_customer_says_it_happens_is_not_an_excuse(reply: str) -> None:
    assert score_paraphrase(reply, SOFA).verdict != Paraphrase.DISMISSIVE


@pytest.mark.parametrize(("reply", "offer"), [
    ("I've refunded the delivery charge and booked a new slot.", True),  # the fix, already made
    ("I have just arranged a new delivery for Saturday.", True),
    # (in the trainee's own words: "waited in all ... and nobody turned up" is the customer's, and
    # whether it is said back or restated is the echo tests' question, not this one's)
    ("I've listened, so you stayed home the whole of Saturday for a sofa that never came.", False),
    ("I've got that, so you stayed home the whole of Saturday for a sofa that never came.", False),
])
def test_a_fix_already_made_is_an_offer(reply: str, offer: bool) -> None:
    trait = score_paraphrase(reply, SOFA)
    assert ("offer" in trait.details) is offer, trait.details
    assert trait.passed is not offer, trait.reason


def test_a_wish_the_customer_voiced_but_not_this_one_is_wrong() -> None:
    refund = parse_scenario({"title": "A refund", "lines": [
        "My blender broke after two days.", "I want my money back, not another one."]}, scenario_id="refund")
    trait = score_paraphrase("so you'd like us to send an engineer round to look at it", refund)
    assert trait.verdict == Paraphrase.WRONG_CONCERN, trait.reason


@pytest.mark.parametrize(("reply", "feeling"), [
    ("I can hear the sadness in your voice", "sadness"),
    ("the loneliness of waiting in all day for nobody", "loneliness"),
    ("all your fears about the sale falling through", "fears"),
    ("that kind of helplessness is hard to sit with", "helplessness"),
    ("it sounds like real despair at this point", "despair"),
])
def test_feelings_in_their_noun_and_inflected_forms(reply: str, feeling: str) -> None:
    assert feeling in feelings_named(reply)
    assert score_empathy(reply).passed


@pytest.mark.parametrize("reply", [
    "that was hardly a surprise to the driver",  # "hard" in another word
    "the road was crossed twice",
])
def test_words_whose_forms_mean_something_else_are_not_feelings(reply: str) -> None:
    assert feelings_named(reply) == []


# --- issue 14: wording nobody here wrote (two new development authors) -------------------------

ROUTER = parse_scenario({"title": "A router engineer who never came", "lines": [
    "Your engineer hasn't turned up to fix my router, and that's the second time.",
    "I took a day off work to wait in for him.",
    "My laptop still does exactly the same thing it did before.",
]}, scenario_id="router")


@pytest.mark.parametrize("reply", [
    # an event the customer said never happened, told as happening (typed or as heard)
    "so the engineer came out but couldn't fix the router",
    "so the engineer came out but couldnt fix the router",
    # a cause and effect the trainee joined and put in the customer's mouth
    "so the engineer was late and that's why your laptop still does the same thing",
    # the opposite of the customer's word
    "so your laptop is now doing something different from before",
])
def test_a_reflection_that_tells_the_story_otherwise_is_a_wrong_concern(reply: str) -> None:
    trait = score_paraphrase(reply, ROUTER)
    assert not trait.passed, trait.reason
    # the words that tell it otherwise are named for the trainer, inside the reflection quoted
    assert trait.details["misread"] and trait.details["wrong_concern"]


def test_a_story_told_otherwise_is_weighed_by_the_model_but_fails_where_the_rules_decide_alone() -> None:
    reply = "so the engineer came out but couldn't fix the router"
    reading = read_reply(reply, ROUTER)
    assert reading.misread and not decided_by_rules(reading)
    chance, shown = restating_decision(reading, reply, ROUTER, meaning_model())
    assert "meaning_probability" in shown and 0.0 < chance < 0.5
    # a later turn of a conversation is the rules' alone: there the flag still fails the reply
    later = dataclasses.replace(ROUTER, said_before=("My router stopped working on Monday.",))
    assert restating_decision(reading, reply, later, meaning_model()) == (0.0, {
        "restating_probability": 0.0, "rules_probability": shown["rules_probability"]})


def test_the_same_events_told_as_the_customer_told_them_restate() -> None:
    trait = score_paraphrase("so you lost a day off work waiting in for an engineer who never turned up, "
                             "and it is the second time", ROUTER)
    assert trait.passed, trait.reason


@pytest.mark.parametrize("reply", [
    "Oh, I had exactly this with my own broadband last year. It drove me mad.",
    "i work from home too so when my wifi went down last month i was so stressed",
])
def test_the_trainees_own_story_restates_nothing(reply: str) -> None:
    assert not score_paraphrase(reply, ROUTER).passed


@pytest.mark.parametrize("reply", [
    "What I'll do is book another engineer visit and flag it as priority.",
    "I've rebooked your engineer for Thursday so it can't be cancelled without a call to you.",
    "what ill do is raise an order and the engineer should come out to fix your router tomorrow",
])
def test_a_promise_and_what_it_will_bring_restate_nothing(reply: str) -> None:
    trait = score_paraphrase(reply, ROUTER)
    assert not trait.passed, trait.reason


@pytest.mark.parametrize("reply", [
    "two missed visits is still within our repair window to be fair but i can book you in",
    "it isn't actually that long for a router fault, to be honest",
    "our engineers are independent contractors so that's really between you and them",
    "it's really common for routers to need time to settle",
])
def test_the_problem_put_inside_the_rules_or_made_small_is_dismissive(reply: str) -> None:
    assert score_paraphrase(reply, ROUTER).verdict == Paraphrase.DISMISSIVE


def test_how_the_customer_felt_said_back_is_empathy_not_a_restatement() -> None:
    felt = parse_scenario({"title": "A taxi overcharge", "lines": [
        "The driver took a huge detour and charged me three times the quote.",
        "I was on my own late at night and I felt quite intimidated.",
    ]}, scenario_id="taxi")
    reply = "i can really see why youd feel intimidated by that"
    assert not score_paraphrase(reply, felt).passed
    assert score_empathy(reply).passed


@pytest.mark.parametrize(("reply", "verdict"), [
    ("okay right so tell me more about what you need before friday", "open"),  # fillers, then an invitation
    ("okay right um so whats been the hardest part of all this for you", "open"),  # "what's" heard bare
    ("nobody could tell you what was wrong", "no_question"),  # the object of "tell you", not a question
    ("what ill do is send the engineer back", "no_question"),  # a promise as a cleft
])
def test_question_shapes_as_new_hires_say_them(reply: str, verdict: str) -> None:
    assert score_open_question(reply).verdict == verdict


@pytest.mark.parametrize(("reply", "passed"), [
    ("it's probably just an estimated bill, nothing to stress about", False),  # the worry waved off
    ("right i understand that must be um yeah sorry", False),  # "that must be" cut off validates nothing
    ("the lady at the counter said it must be the fabric", False),  # a guess at a cause
    ("so as far as you're concerned the visit never happened", False),  # a view, not a worry
    ("im gutted to lose you as a customer", False),  # the trainee's own feeling, heard bare
    ("of course that felt intimidating", True),
    ("that would shake anyone", True),
])
def test_feelings_in_the_shapes_new_hires_use(reply: str, passed: bool) -> None:
    assert score_empathy(reply).passed is passed


@pytest.mark.parametrize("reply", [
    "our vans are all off the road this month, this is why the sofa never came",  # "this is why"
    "our delivery policy says three weeks is the standard wait",  # a policy with its kind named
    "most of our customers are happy to wait for a new slot",  # other customers held up
    "we deliver hundreds of sofas a week so the odd one does slip through",  # the odd failure
    "it would have been delayed anyway because of the new stock",  # it would have come anyway
])
def test_more_ways_of_explaining_away(reply: str) -> None:
    trait = score_paraphrase(reply, SOFA)
    assert trait.verdict == Paraphrase.DISMISSIVE and trait.shown is False, trait.reason


def test_a_reason_told_back_after_a_reflective_frame_is_not_an_excuse() -> None:
    reply = ("so if I'm hearing you right, you waited in all Saturday because the sofa was "
             "promised for then, and now it's three more weeks")
    assert score_paraphrase(reply, SOFA).verdict != Paraphrase.DISMISSIVE


@pytest.mark.parametrize(("reply", "feeling"), [
    ("oh that's mortifying, in front of all your guests", "mortifying"),
    ("you must have felt mortified", "mortified"),
    ("I can tell you're not impressed", "not impressed"),
])
def test_more_feeling_words(reply: str, feeling: str) -> None:
    trait = score_empathy(reply)
    assert trait.passed and feeling in " ".join(trait.details.get("feelings", [])), trait


def test_work_me_through_is_an_invitation() -> None:
    assert score_open_question("could you work me through what happened on the day").passed


# --- issue 12 again: an eighth author's wording (terse, inside a question, blame after a ---------
# --- restatement), and the customer's feelings and granted parts kept out of their concerns -----

LIFT = parse_scenario({"title": "A lift out of order", "lines": [
    "The lift in our building has been out of order for three weeks.",
    "I've got a pushchair and I'm on the ninth floor, so I carry it up every day.",
    "The caretaker himself is lovely, no complaints there.",
    "I'm completely worn out.",
]}, scenario_id="lift")
FORM = parse_scenario({"title": "A passport form lost", "lines": [
    "I posted my passport renewal form in April.",
    "Now you're telling me there's no record of it and I have to start again from scratch.",
]}, scenario_id="form")


@pytest.mark.parametrize(("scenario", "reply"), [
    # a statement asked with a question mark under a frame that checks an understanding
    (SOFA, "Just to check, you stayed home all Saturday and the sofa never came?"),
    (SOFA, "Correct me if I'm wrong, but it sounds like nobody came and now it's weeks away?"),
    (LIFT, "I could be wrong, but it sounds like the lift's been dead for weeks and you haul the buggy up "
           "nine floors?"),
])
def test_a_checked_reflection_restates(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.passed and trait.verdict == Paraphrase.RESTATED, trait.reason
    assert "wrong_concern" not in trait.details  # "if I'm wrong" is the trainee's doubt, not a problem


@pytest.mark.parametrize(("scenario", "reply"), [
    # an open question that carries the concern: the restatement inside it counts
    (SOFA, "How did it feel losing your whole Saturday waiting for a sofa that never came, only to hear "
           "it's three more weeks?"),
    (INSURANCE, "How did you feel seeing a forty percent jump after six years without a claim?"),
])
def test_a_restatement_inside_a_question_counts(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.passed and trait.verdict == Paraphrase.RESTATED and trait.reliable, trait.reason
    # a reply that only asks is the meaning model's alone: the rules read statements
    assert trait.details["restating_probability"] == trait.details["meaning_probability"]


@pytest.mark.parametrize("reply", [
    "What happened when you rang?",
    "Can you tell me more about the order?",
    "Did you get a tracking email?",
])
def test_a_question_that_carries_nothing_of_the_concern_restates_nothing(reply: str) -> None:
    trait = score_paraphrase(reply, SOFA)
    assert trait.verdict == Paraphrase.QUESTION_ONLY and trait.reliable, trait.details
    assert trait.reason == "You asked a question but did not restate what the customer told you."


@pytest.mark.parametrize(("reply", "checked"), [
    ("So you'd like us to collect it from a neighbour?", True),  # asked by its mark alone
    ("Just to check, the sofa never came?", False),  # the same mark under a frame that checks
    ("so youd like us to collect it from a neighbour", False),  # as recognised: no mark at all
])
def test_a_statement_asked_by_its_mark_alone_is_marked_as_such(reply: str, checked: bool) -> None:
    from tutor.scoring.complaint import Role, pieces_of
    from tutor.scoring.text import clauses

    pieces = pieces_of(clauses(reply))
    assert all(p.role is Role.STATEMENT for p in pieces)  # read as a statement: it can restate
    assert any(p.checked for p in pieces) is checked


@pytest.mark.parametrize(("scenario", "reply", "excuse"), [
    # said back first, then blamed: the restatement stands and the excuse is named
    (SOFA, "so you lost your whole saturday waiting for a sofa that never came, though to be fair the driver "
           "did try to ring", "to be fair"),
    (LIFT, "So the lift's been broken three weeks and you carry the pushchair up every day - with respect, "
           "though, the notice did say to use the stairs.", "with respect"),
])
def test_a_restatement_followed_by_blame_still_restates(scenario: Scenario, reply: str, excuse: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.passed and trait.verdict == Paraphrase.RESTATED, trait.reason
    assert excuse in trait.details["dismissive"] and "explained it away" in trait.reason


PACKAGE = ScenarioLibrary(()).get("delayed-package")
EXCUSE = "The local depot's had a lot of staff off, so they're running behind."


def test_a_restatement_without_a_frame_before_an_excuse_is_weighed_by_its_words() -> None:
    reply = f"It's been stuck on 'out for delivery' for five days and still isn't with you. {EXCUSE}"
    reading = read_reply(reply, PACKAGE)
    assert decided_by_rules(reading)  # the rules find no reflection's frame before the excuse
    trait = score_paraphrase(reply, PACKAGE)
    assert trait.passed and trait.reliable and trait.verdict == Paraphrase.RESTATED, trait.reason
    assert "explained it away" in trait.reason
    assert trait.details["restating_probability"] >= 0.75


@pytest.mark.parametrize("before", ["", "Sorry about that.", "Five days is a long time, I know.",
                                    "I can hear how cross you are."])
def test_an_excuse_after_words_that_restate_nothing_still_explains_away(before: str) -> None:
    trait = score_paraphrase(f"{before} {EXCUSE}".strip(), PACKAGE)
    assert not trait.passed and trait.verdict == Paraphrase.DISMISSIVE, trait.reason
    assert "restating_probability" not in trait.details


ROOFER = load_scenario(
    DEVELOPMENT_DATA / "dev22" / "scenarios" / "roofer-repair-failed-charged-second-callout.toml")
INSTRUCTOR = load_scenario(
    DEVELOPMENT_DATA / "dev21" / "scenarios" / "driving-instructor-cancels-late-but-charges-pupil.toml")


@pytest.mark.parametrize(("scenario", "reply", "taken_for_an_excuse"), [
    # the cause is the customer's own account ("his own error"), not the company's excuse; the
    # narrower meaning model passes the words before it alone ("the first fix did not hold": 0.95,
    # the decision 0.753 against the model before's 0.37), so the rest is still named as an
    # excuse beside the pass; strict, so a model that reads the whole reply again is noticed
    pytest.param(ROOFER, "The first fix didn't hold because of his own error, yet you've been invoiced as "
                         "though it were a brand-new job.", "because of his own error",
                 marks=pytest.mark.xfail(strict=True, reason="the words before the cause pass alone")),
    # what the customer was told, inside a restatement carried by a check
    (INSTRUCTOR, "wait so hes allowed to cancel on you with no notice but you get charged full price for "
                 "cancelling once", "he is allowed to"),
])
def test_a_reply_the_decision_is_sure_restates_keeps_what_the_rules_took_for_an_excuse(
        scenario: Scenario, reply: str, taken_for_an_excuse: str) -> None:
    reading = read_reply(reply, scenario)
    assert decided_by_rules(reading) and reading.explanation.startswith(taken_for_an_excuse)
    trait = score_paraphrase(reply, scenario)
    assert trait.passed and trait.reliable and trait.verdict == Paraphrase.RESTATED, trait.reason
    assert trait.details["restating_probability"] >= 0.75
    # the decision read those words as the customer's story, so they are not named as an excuse
    assert "dismissive" not in trait.details and "explained it away" not in trait.reason


@pytest.mark.parametrize(("scenario", "reply"), [
    (ROOFER, "It didn't hold because of the storm, and a second visit is a new job, so it's charged."),
    (ROOFER, "Slipped tiles are common after high winds because the old battens are weak."),
    (INSTRUCTOR, "hes allowed to cancel because instructors are self employed"),
])
def test_an_excuse_in_the_same_complaints_still_explains_away(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert not trait.passed and trait.verdict == Paraphrase.DISMISSIVE, trait.reason


@pytest.mark.parametrize(("scenario", "reply"), [
    # news of the company's own before "so": the premise of the excuse, not a reflection
    (SOFA, "the depot lost two vans last week, so nobody could get out to you on saturday"),
    # a feeling named, then blame: nothing of the concern was said back before it
    (SOFA, "I can hear how cross you are, but with respect, the delivery terms do say three weeks"),
    (LIFT, "I know you're tired, but someone on your side should have reported it sooner"),
    (LIFT, "the engineers work to a rota and rely on the caretaker's reports, so they wouldn't have known"),
    (LIFT, "repairs go through the landlord first and your block is on the later list, so you wouldn't have "
           "been told"),
    (LIFT, "parts for older lifts come and go, that's just how lift maintenance works"),
    (LIFT, "if you'd rung the emergency line we would have had it fixed within the day"),
])
def test_more_ways_of_blaming_or_excusing(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.verdict == Paraphrase.DISMISSIVE and not trait.passed, trait.reason


@pytest.mark.parametrize("reply", [
    "You sound worn out.",  # the customer's feeling said back: empathy, not their concern
    "so the caretaker's lovely",  # a part the customer granted went right
])
def test_feelings_and_granted_parts_are_not_the_concern(reply: str) -> None:
    assert not score_paraphrase(reply, LIFT).passed


def test_a_feeling_about_something_keeps_what_it_is_about() -> None:
    chase = parse_scenario({"title": "A repair", "lines": [
        "My washing machine has been waiting for a part for a month.",
        "I'm fed up of chasing your engineers every week."]}, scenario_id="chase")
    trait = score_paraphrase("so you've had to keep chasing the engineers week after week for it", chase)
    # the rules read "fed up of chasing your engineers" as a concern, not as a feeling alone; the
    # verdict weighs the meaning model too, which reads the chasing without the wait as a side point
    assert trait.details["rules_probability"] >= 0.5, trait.reason
    assert trait.details["restated"] == ["I'm fed up of chasing your engineers every week."]


@pytest.mark.parametrize("reply", [
    "so it's vanished and you're back to square one",  # other words for "no record", "start again"
    "so they've lost the whole thing and want you to start over",
    "so your form has gone missing and you have to begin again",
])
def test_lost_and_starting_again_in_other_words(reply: str) -> None:
    trait = score_paraphrase(reply, FORM)
    assert _rules_restate_and_never_fail_confidently(trait), trait.reason
    assert "wrong_concern" not in trait.details, trait.reason


def test_what_someone_was_told_is_not_the_customer_s_story_told_otherwise() -> None:
    # "telling me there's no record" denies the record, not the telling
    trait = score_paraphrase("so the form has disappeared and you've been told to do it all over again", FORM)
    assert trait.passed and "misread" not in trait.details, trait.reason


@pytest.mark.parametrize("reply", [
    "we'd have had it down by now if the part had come",  # what would have been
    "I could have sent it sooner",
])
def test_a_counterfactual_is_neither_an_offer_nor_a_question(reply: str) -> None:
    trait = score_paraphrase(reply, SOFA)
    assert "offer" not in trait.details, trait.details
    assert score_open_question(reply).verdict == "no_question"


@pytest.mark.parametrize("reply", [
    "gotcha, okay, so talk me through what happened on saturday",
    "lovely, so walk me through the day",
])
def test_an_interjection_before_an_invitation_leaves_it_open(reply: str) -> None:
    assert score_open_question(reply).verdict == "open"
    assert score_paraphrase(reply, SOFA).verdict == Paraphrase.QUESTION_ONLY


@pytest.mark.parametrize("reply", [
    "i work from home too so i know how much you rely on deliveries turning up",  # the trainee's life too
    "i get it, when my fridge was late last year i had to wait in for days",  # "when my": their own story
])
def test_the_trainee_s_life_beside_the_customer_s_restates_nothing(reply: str) -> None:
    assert not score_paraphrase(reply, SOFA).passed


def test_a_long_reply_that_carries_nothing_of_the_customer_s_is_surely_no_restatement() -> None:
    reply = ("thank you so much for your patience with us, I really want to make sure "
             "that we look after you properly and get everything right for you from here on")
    trait = score_paraphrase(reply, SOFA)
    assert trait.reliable and not trait.passed, trait.details


@pytest.mark.parametrize(("reply", "phrase"), [
    ("I can tell you're frustrated, but the delivery slots are set by the courier.",
     "'but the delivery slots"),
    ("i know youre upset but we do text everyone the day before", "'but we do text"),
    # the customer blamed, whatever adverb sits in the way
    ("You must have been fed up, but you really should have rung us on the Friday.",
     "'you really should have'"),
    ("I can hear you're annoyed but sofas that size often need a second van", "'often'"),
])
def test_a_feeling_granted_then_rebutted_is_dismissive(reply: str, phrase: str) -> None:
    trait = score_paraphrase(reply, SOFA)
    assert trait.verdict == Paraphrase.DISMISSIVE and not trait.passed, trait.reason
    assert trait.reason.startswith(phrase) and "explains the problem" in trait.reason


@pytest.mark.parametrize("reply", [
    # "but" that goes on with the customer's story, owns the fault, or offers a fix rebuts nothing
    "I can tell you're frustrated, but you waited in all day and then got told three more weeks",
    "i know youre upset but it was not your fault it was ours, your sofa should have come on saturday",
    "I know you are upset, but I can see you waited in all day and nobody turned up",
    "i can tell youre frustrated but i think the sofa should have come on saturday",
    "i know youre upset but we let you down on saturday",
    # on the customer's side, or news that answers nothing
    "I can hear how upset you are, but the good news is I can get a van out to you tomorrow",
    "i can tell youre angry but that is totally understandable after waiting all day",
    "I know you are annoyed, but the sofa is in our warehouse and ready to go",
])
def test_a_but_that_does_not_rebut_is_not_an_excuse(reply: str) -> None:
    trait = score_paraphrase(reply, SOFA)
    assert trait.verdict != Paraphrase.DISMISSIVE, trait.reason


def test_a_feeling_granted_then_a_fix_is_an_offer_not_an_excuse() -> None:
    trait = score_paraphrase("I can tell you're frustrated, but I'll book you a new slot today", SOFA)
    assert trait.verdict != Paraphrase.DISMISSIVE and not trait.passed, trait.reason


LOUNGE = parse_scenario({"title": "A lounge pass refused", "lines": [
    "I paid thirty pounds in advance for your lounge and they turned me away at the door.",
    "There was no mention anywhere that a pass could be refused.",
    "Now the website says it has been used, so I can't get my money back.",
]}, scenario_id="lounge")
ALBUM = parse_scenario({"title": "Wedding proofs lost", "lines": [
    "I left our only wedding proofs with your shop to make an album.",
    "Now you're telling me the package can't be found.",
]}, scenario_id="album")


@pytest.mark.parametrize(("scenario", "reply"), [
    # told to the customer is their side of the story, not an event they denied
    (LOUNGE, "so you paid up front, got turned away, and now you're being told you can't have a refund"),
    # "can't be found" is a loss, as "gone missing" is
    (ALBUM, "so the only copy of your wedding photos has gone missing while we had it"),
])
def test_restatements_in_other_words_are_not_wrong_concerns(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.verdict == Paraphrase.RESTATED, trait.reason


def test_it_was_not_just_you_explains_away() -> None:
    trait = score_paraphrase("honestly it wasnt just you, loads of accounts were hit", APP)
    assert trait.verdict == Paraphrase.DISMISSIVE, trait.reason


@pytest.mark.parametrize("reply", [
    "you were left on the hard shoulder for four hours",  # a road, not a feeling
    "and then they said tough luck about the refund",
    "the driver ignored the note on the door",  # a verb with its own subject
])
def test_feeling_words_in_another_sense_are_not_feelings(reply: str) -> None:
    assert not score_empathy(reply).passed


@pytest.mark.parametrize("reply", [
    "it's completely natural to feel frightened after that",
    "you must have felt completely ignored",
    "that sounds like a really tough week",
])
def test_feelings_granted_in_these_shapes_count(reply: str) -> None:
    assert score_empathy(reply).passed


REPORT = parse_scenario({"title": "A letter sent to the wrong house", "lines": [
    "Our tenancy letter, with our bank details in it, was posted to another family on the street.",
    "Nobody from the agency told us; we heard it from the neighbours.",
]}, scenario_id="report")
KEYS = parse_scenario({"title": "A caretaker who let himself in", "lines": [
    "The caretaker let himself into my flat while I was out, with no text, no call, nothing.",
    "When I asked, he said he can come in whenever he likes.",
]}, scenario_id="keys")
VISA = parse_scenario({"title": "A visa refused", "lines": [
    "I gave up my flat because your office said the visa was a formality.",
    "Now it's been refused and nobody will tell me why.",
]}, scenario_id="visa")


@pytest.mark.parametrize(("scenario", "reply"), [
    # "the wrong family" says the customer's "another family": a mix-up, not a new problem
    (REPORT, "so your letter went to the wrong family and nobody let you know"),
    # "he told you he can" is what the customer was told, not a telling they denied
    (KEYS, "so he walked in without a word and then told you he can come in whenever he wants"),
    # "nobodys" as a recogniser writes it still denies
    (VISA, "i could be wrong here but it sounds like the real problem is nobodys telling you why its "
           "been refused"),
])
def test_restatements_in_these_shapes_are_not_wrong_concerns(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert "wrong_concern" not in trait.details and "misread" not in trait.details, trait.details


@pytest.mark.parametrize(("scenario", "reply"), [
    # a reason reported, with the trainee's doubt, is the customer's story
    (VISA, "so they claim it was only ever a formality but youve given up your flat"),
    (VISA, "you gave up your flat because of a letter from our office and now it has been refused"),
    # the stock excuse the customer was given, told back as what they were told
    (SOFA, "Waiting in all Saturday and then being told these things happen, no wonder you're fed up."),
    (SOFA, "you waited in all day and were just told these things happen"),
    # a delay or cancellation the company owns is an apology's reason
    (SOFA, "Losing your whole Saturday because of our delay must be so frustrating."),
])
def test_a_reason_reported_or_the_customer_s_own_is_not_an_excuse(scenario: Scenario, reply: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.verdict != Paraphrase.DISMISSIVE, trait.reason


@pytest.mark.parametrize("reply", [
    "these things happen, it'll be with you in three weeks",  # offered, not reported
    "the sofa is late because of delays at the depot",  # delays that are not owned
])
def test_the_excuse_offered_rather_than_reported_explains_away(reply: str) -> None:
    assert score_paraphrase(reply, SOFA).verdict == Paraphrase.DISMISSIVE


@pytest.mark.parametrize(("scenario", "reply", "phrase"), [
    (KEYS, "I know you feel uneasy, but it is technically his building", "'it is technically'"),
    (KEYS, "The block is run by a management firm, so technically he can go in for checks", "so technically"),
    (REPORT, "with two families on the same street it's an easy slip for the post room to make", "easy slip"),
    (KEYS, "residents store things at their own risk and we suggest a lockbox", "at their own risk"),
    (KEYS, "I can tell you're annoyed, but a lot of tenants leave a spare key with him", "'but a lot of"),
    (KEYS, "I can see how upset you are, but the caretaker did explain that on the notice",
     "'but the caretaker"),
    # the feeling granted as the emotion judgement finds one, without a "you"
    (KEYS, "I can see how unsettling that is, but the caretaker did explain that on the notice",
     "'but the caretaker"),
])
def test_the_company_s_side_told_as_the_answer_explains_away(scenario: Scenario, reply: str,
                                                             phrase: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.verdict == Paraphrase.DISMISSIVE and not trait.passed, trait.reason
    assert phrase in trait.reason, trait.reason


@pytest.mark.parametrize("reply", [
    "your poor dad must have been so confused and frightened",  # the second feeling is his too
    "the staff more or less said tough",  # their word, quoted
    "they left the garden in a mess",  # the state of a thing
    "faults like that are hard to reproduce in the workshop",  # a task, not a feeling
    "I'm afraid that's logged separately, but I'd be happy to check",  # an offer
])
def test_these_are_not_the_customer_s_feelings(reply: str) -> None:
    assert not score_empathy(reply).passed, score_empathy(reply).details


@pytest.mark.parametrize("reply", [
    "Honestly, that's a completely fair reaction.",
    "That's a completely reasonable way to feel.",
    "i would be furious too",
])
def test_a_reaction_called_fair_validates(reply: str) -> None:
    assert score_empathy(reply).passed


BIKE = parse_scenario({"title": "A theft claim refused", "lines": [
    "My bike was stolen from outside the station last month.",
    "Your company has rejected my claim because the lock wasn't an approved make.",
]}, scenario_id="bike")
SHOP = parse_scenario({"title": "A shop closed early", "lines": [
    "I drove forty minutes and the shop was closed an hour before the time on your website.",
]}, scenario_id="shop")


@pytest.mark.parametrize(("scenario", "reply"), [
    (BIKE, "someone robbed your bike and the claim got knocked back"),  # robbed, knocked back
    (SHOP, "so you drove all that way and found it shut early"),  # shut: closed
])
def test_everyday_words_for_theft_refusal_and_closing_restate(scenario: Scenario, reply: str) -> None:
    # the everyday word carries the customer's concern ("open early" would carry none); whether so
    # short a reply passes outright is the fitted decision's call, and it is never failed confidently
    trait = score_paraphrase(reply, scenario)
    assert trait.details["restated"], trait.details
    assert trait.passed or not trait.reliable, trait.reason


def test_a_no_show_is_a_failure_and_looking_after_someone_is_not() -> None:
    assert "failed" in moves_in(words("i waited in all day and nobody turned up"))
    assert "failed" in moves_in(words("booked for sixty and no one came"))
    assert "failed" not in moves_in(words("we will look after you properly from here on"))
    assert "failed" in moves_in(words("the present came after her birthday"))


@pytest.mark.parametrize("reply", [
    "i guess like how has this affected the business",  # "like" before "how" does not embed it
    "nobody could tell you why how has the business been since",  # a question after "why", unpunctuated
    "he said he had every right to how have things been for you since",
])
def test_how_then_its_verb_then_what_it_asks_about_is_open(reply: str) -> None:
    assert score_open_question(reply).verdict == "open"


@pytest.mark.parametrize("reply", ["that is how the business works", "i know how the system works"])
def test_how_after_its_subject_states(reply: str) -> None:
    assert score_open_question(reply).verdict != "open"


GARAGE = parse_scenario({"title": "A car kept waiting for a part", "lines": [
    "My car has been at your garage for three weeks waiting for a part.",
    "Nobody rings me with an update, and I have to keep hiring a car to get to work.",
]}, scenario_id="garage")
FLAT = parse_scenario({"title": "A flat sold to someone else", "lines": [
    "You accepted my offer on the flat and then sold it to another buyer.",
    "Nobody even phoned me, I found out from the listing.",
]}, scenario_id="flat")


@pytest.mark.parametrize(("scenario", "reply", "phrase"), [
    # a rule that binds someone else, told as the answer
    (FLAT, "The owner is legally free to take a higher bid until contracts are signed.", "free to"),
    (GARAGE, "Mechanics only have to call if the price changes.", "only have to"),
    (GARAGE, "Updates are only sent when the part has a delivery date.", "only sent when"),
    (GARAGE, "Courtesy cars are first come, first served.", "first come"),
    # the company's circumstances, however they are owned ("we've only one mechanic")
    (GARAGE, "we have only one mechanic on weekdays, which is why it is taking a while", "which is why"),
    (GARAGE, "the supplier changed last month, which is what caused the wait", "which is what caused"),
    (GARAGE, "parts get delayed at the port when the ferries are busy", "get delayed"),
])
def test_a_rule_or_the_company_s_circumstances_explain_away(scenario: Scenario, reply: str,
                                                             phrase: str) -> None:
    trait = score_paraphrase(reply, scenario)
    assert trait.verdict == Paraphrase.DISMISSIVE and not trait.passed, trait.reason
    assert phrase in trait.reason, trait.reason


@pytest.mark.parametrize("reply", [
    # what staff may or must do, the decision put elsewhere, "though" as the turn
    "I can see you're annoyed, but our mechanics can't order parts without a deposit",
    "I understand that's frustrating, but our staff are trained never to guess a date",
    "I can hear you're upset, but the supplier makes the final call, not us",
    "That must be so stressful. Though a deposit up front would have sped things up.",
])
def test_a_feeling_granted_then_the_company_s_side(reply: str) -> None:
    trait = score_paraphrase(reply, GARAGE)
    assert trait.verdict == Paraphrase.DISMISSIVE, trait.reason


def test_a_but_that_grants_the_failure_is_not_an_excuse() -> None:
    trait = score_paraphrase("I can see why you're fed up, but we never rang you once in three weeks", GARAGE)
    assert trait.verdict != Paraphrase.DISMISSIVE, trait.reason


def test_even_though_stays_in_its_piece_and_though_alone_turns() -> None:
    # "even though you'd changed your email" concedes inside the customer's story
    conceded = pieces_of(clauses("even though you changed your email the codes went to the old one"))
    assert conceded[0].text.startswith("even though you changed")
    turned = pieces_of(clauses("you changed your email though the codes went to the old one"))
    assert [p.tokens[0] for p in turned] == ["you", "though"]


def test_a_person_outside_is_not_the_opposite_of_things_inside() -> None:
    locked = parse_scenario({"title": "Locked out of the office", "lines": [
        "The door code changed and nobody sent me the new one.",
        "My laptop and all my notes were inside.",
    ]}, scenario_id="locked")
    trait = score_paraphrase("so the code changed without telling you and you were stuck outside", locked)
    assert "misread" not in trait.details, trait.details


@pytest.mark.parametrize(("reply", "kind"), [
    ("the shop was full of people who had no need to be there", "no_question"),  # a relative clause
    ("so the problem is the part has not come", "no_question"),  # a noun, its verb and what it is
    ("an inch was the brief", "no_question"),
    ("so the part still has not come is that right", "yes_no"),  # a tag still asks
    ("who did you speak to", "fact"),
])
def test_relative_clauses_and_noun_subjects_do_not_ask(reply: str, kind: str) -> None:
    assert score_open_question(reply).verdict == kind


@pytest.mark.parametrize("reply", [
    "Your carer must have been really upset for you.",  # someone else's feeling
    "He said it must have been like that already.",  # someone's guess, reported
    "New turf often looks rough for a week or two.",  # a thing's state
    "I can cancel it now and it will stop at the end of this month.",  # a date, not a tether
])
def test_more_feelings_that_are_not_the_customer_s(reply: str) -> None:
    assert not score_empathy(reply).passed, score_empathy(reply).details


@pytest.mark.parametrize("reply", [
    "you must be at the end of your tether",
    "losing the photos of you with your dad must have been really painful",  # the dad is not the subject
])
def test_these_feelings_stay_the_customer_s(reply: str) -> None:
    assert score_empathy(reply).passed, score_empathy(reply).details


def test_an_invitation_with_through_misheard_still_invites() -> None:
    assert score_open_question("okay so talk me though what the agent said").verdict == "open"


@pytest.mark.parametrize("reply", [
    "So it sat at your garage three weeks with nobody ringing, though to be fair parts are scarce.",
    "You waited three weeks for a part with no call, but parts are slow for everyone this year.",
])
def test_the_story_told_back_before_an_excuse_still_restates(reply: str) -> None:
    trait = score_paraphrase(reply, GARAGE)
    assert _rules_restate_and_never_fail_confidently(trait), trait.reason
    assert "explained it away" in trait.reason or not trait.reliable, trait.reason


@pytest.mark.parametrize(("reply", "phrase"), [
    ("Our fitters can't work in the rain, so they're stood down. That'll be why nobody came.",
     "that will be why"),
    ("Pauses only kick in from the next billing date.", "only kick in"),
    ("Our staff are not allowed to give medication without a form.", "not allowed to"),
    ("The cancellation rule is in the handbook you signed.", "rule is in"),
    ("It may well be that the part was faulty from the maker.", "may well be that"),
])
def test_more_ways_of_telling_the_company_s_side(reply: str, phrase: str) -> None:
    trait = score_paraphrase(reply, GARAGE)
    assert trait.verdict == Paraphrase.DISMISSIVE, trait.reason
    assert phrase in trait.reason, trait.reason


@pytest.mark.parametrize("reply", [
    "she carried on when it hurt",  # the body's pain
    "the gel does sting a bit",
    "poor dog, he must have felt awful",  # "felt awful" carries its own verb; the dog's feeling
])
def test_pain_and_others_feelings_are_not_the_customer_s(reply: str) -> None:
    assert not score_empathy(reply).passed, score_empathy(reply).details


@pytest.mark.parametrize("reply", ["that must have really hurt", "you must have felt awful"])
def test_hurt_and_felt_said_to_the_customer_still_count(reply: str) -> None:
    assert score_empathy(reply).passed, score_empathy(reply).details


def test_pills_are_tablets() -> None:
    pills = parse_scenario({"title": "Tablets not given", "lines": [
        "The care home never gave my dad his heart tablets for a whole week.",
    ]}, scenario_id="pills")
    assert score_paraphrase("so your dad went a week without his heart pills", pills).passed


FITTING = parse_scenario({"title": "A kitchen fitter who never came back", "lines": [
    "Your fitter took the old kitchen out on Monday and never came back to put the new one in.",
    "We've had no sink and no cooker for nine days with two small children.",
    "Nobody at your office will tell me when he's coming.",
]}, scenario_id="fitting")


@pytest.mark.parametrize("reply", [
    # a reflection in any frame, then the excuse: the reflection is judged, the excuse named
    "okay so he ripped the old kitchen out and then vanished. to be fair though, he had a family emergency",
    "so there's been no sink or cooker for nine days. to be fair, the units were on back order",
    "I get that you've been without a kitchen for over a week. To be fair, the worktops came in late",
    # no reflective frame at all: the customer's story, told to them, and only then the excuse
    "Your kitchen's been ripped out for nine days with nobody coming back. To be honest, though, "
    "the units were on back order",
    "Nine days without a sink with your two little ones. To be fair, our fitters are booked solid this month",
])
def test_a_reflection_in_other_frames_before_an_excuse_is_weighed(reply: str) -> None:
    reading = read_reply(reply, FITTING)
    assert reading.explanation and reading.before_excuse is not None, reading.explanation
    assert not decided_by_rules(reading)


@pytest.mark.parametrize("reply", [
    # a feeling granted and then answered is a rebuttal: nothing was said back before it
    "I can see you're upset, but to be fair the units were on back order",
    "I realise that must be frustrating, but to be fair our fitters are booked back to back",
])
def test_a_feeling_granted_before_an_excuse_is_no_reflection(reply: str) -> None:
    reading = read_reply(reply, FITTING)
    assert reading.explanation and reading.before_excuse is None
    assert score_paraphrase(reply, FITTING).verdict == Paraphrase.DISMISSIVE


@pytest.mark.parametrize("reply", [
    # the company's own process before "that's why" is the excuse's premise, not the customer's story
    "our fitters work through the jobs in order and the new units came late, that's why nobody came back",
    "the kitchen units come from our supplier and the sink goes in last, that's why it's taken nine days",
])
def test_the_companys_own_account_before_an_excuse_is_no_reflection(reply: str) -> None:
    reading = read_reply(reply, FITTING)
    assert reading.explanation and reading.before_excuse is None, reading.before_excuse
    assert score_paraphrase(reply, FITTING).verdict == Paraphrase.DISMISSIVE


@pytest.mark.parametrize(("reply", "excuse"), [
    # a failure the company owns is the reason for an apology, not an excuse
    ("you've been left with no kitchen for nine days because our fitter didn't come back", False),
    ("no sink for nine days because our fitter didn't order the worktops", False),
    ("no sink for nine days because our scheduler messed up the booking", False),
    # a circumstance the company was in still excuses
    ("it's taken nine days because we didn't have the worktops in stock", True),
    ("the delay is because our supplier didn't deliver the units", True),  # put on someone else
])
def test_a_failure_the_company_owns_is_not_an_excuse(reply: str, excuse: bool) -> None:
    assert (read_reply(reply, FITTING).explanation is not None) is excuse, reply


@pytest.mark.parametrize(("reply", "blame"), [
    ("so he took everything out and you could have been left like this for weeks", False),
    ("you should have been told when he was coming back", False),
    ("you should have checked his dates before he started", True),
])
def test_what_the_customer_was_owed_is_not_blame(reply: str, blame: bool) -> None:
    assert (read_reply(reply, FITTING).explanation is not None) is blame, reply


@pytest.mark.parametrize(("reply", "excuse"), [
    ("dust everywhere and no kitchen for nine days", False),  # the customer's story, told back
    ("it's the same everywhere at the moment, fitters are hard to find", True),
])
def test_everywhere_in_the_customers_story_is_not_an_excuse(reply: str, excuse: bool) -> None:
    assert (read_reply(reply, FITTING).explanation is not None) is excuse, reply


@pytest.mark.parametrize("reply", [
    # "since" after a perfect says from when, not why
    "so you have not had a date you can trust since the saturday nobody came",
    # "so basically your ...": a filler after "so" does not change who the result is about
    "the worst possible day for it. so basically your whole saturday went on waiting in",
    # "because of it" points back at the customer's story; "because" alone does not read past it
    "your saturday was wasted because of it and when you rang it was three more weeks",
    # the company's own slip is an apology's reason
    "so nobody turned up on saturday because we slipped up and now you are waiting three more weeks",
])
def test_a_cause_in_the_customers_story_or_owned_is_no_excuse(reply: str) -> None:
    assert lookalikes_explanation(reply) is None, reply


@pytest.mark.parametrize("reply", [
    "since the drivers were off sick the van never left the depot",
    "sorry because of it. it was late because the depot was short of vans that weekend",
    "the drivers had a lot on that week, i am sorry. so the van routes were all redone",
])
def test_the_same_words_around_an_excuse_still_explain_it_away(reply: str) -> None:
    assert lookalikes_explanation(reply) is not None, reply
    assert score_paraphrase(reply, SOFA).verdict == Paraphrase.DISMISSIVE


def lookalikes_explanation(reply: str) -> str | None:
    return read_reply(reply, SOFA).explanation
