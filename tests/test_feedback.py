"""Spoken feedback over real scorer output: it names what the scorer saw, kindly and briefly.

Every card here comes from :func:`tutor.scoring.score_reply` on a library scenario, so a
change in the scorer's verdicts or reasons that the feedback no longer follows fails here.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from history_rounds import make_round

from tutor.app import App
from tutor.feedback import compose_feedback, spoken_seconds
from tutor.history import History, RecordedRound, progress_remark
from tutor.round import RoundResult
from tutor.scenarios import ScenarioLibrary
from tutor.scoring import Doubts, Scorecard, TurnTiming, score_reply
from tutor.scoring.paraphrase import Paraphrase
from tutor.settings import HistorySettings, KioskSettings, ScoringSettings, Settings
from tutor.vocabulary import PauseVerdict

SETTINGS = ScoringSettings()
BIRTHDAY = ScenarioLibrary(()).get("late-birthday-present")
MAX_S = KioskSettings().max_feedback_s
GOOD = ("So the gift came late even with express, and nobody warned you. That sounds upsetting. "
        "What would help?")
NOISY_WORDS = "the room is too noisy to trust what the recognizer heard"


@dataclass(frozen=True)
class Said:
    start_s: float
    end_s: float
    text: str = ""


LINES = (Said(0.0, 3.0), Said(5.5, 9.0))  # the customer pauses 2.5 s after line 1 and finishes at 9.0 s


def typed(reply: str) -> Scorecard:
    return score_reply(reply, BIRTHDAY, SETTINGS)


def timed(*utterances: Said, doubts: Doubts | None = None) -> Scorecard:
    """The last utterance is the reply; earlier ones were said while the customer spoke."""
    reply = utterances[-1]
    return score_reply(reply.text, BIRTHDAY, SETTINGS,
                       TurnTiming(LINES, utterances, reply, doubts or Doubts()))


# (reply, the scorer's paraphrase verdict, what the spoken feedback must say, what it must not)
WORD_FAMILIES = [
    pytest.param("so it arrived three days after her birthday and you paid extra for express delivery",
                 Paraphrase.PARROTED,
                 ("You used the customer's own words, 'it arrived three days after her birthday'.",
                  "Say it your own way, like: So the gift you chose"), (), id="parroting"),
    pytest.param("couriers are very busy this time of year", Paraphrase.DISMISSIVE,
                 ("Saying 'this time of year' explains the problem instead of reflecting it.",
                  "Say back what happened to them, like:"), ("offering",), id="explain-away"),
    pytest.param("Couriers are very busy this time of year, but the gift came late even though you paid for "
                 "express, so it happens.", Paraphrase.DISMISSIVE,
                 ("You said back what happened, but 'it happens' explained it away. Next time, leave "
                  "the explanation out.",), ("like:", "say back"), id="explain-away-then-reflect"),
    pytest.param("oh well these things happen, i can refund the delivery fee for you", Paraphrase.DISMISSIVE,
                 ("Saying 'things happen' explains the problem",
                  "Before offering a fix, say back what happened to them, like:"), (),
                 id="dismiss-then-offer"),
    pytest.param("so the present arrived broken and you want a replacement", Paraphrase.WRONG_CONCERN,
                 ("'so the present arrived broken' isn't what the customer told you.",
                  "Reflect what they did say, like:"), (), id="wrong-concern"),
    pytest.param("Did you get a tracking email?", Paraphrase.QUESTION_ONLY,
                 ("You asked a question before showing you'd heard them.",), (), id="question-only"),
    pytest.param("I understand.", Paraphrase.ACKNOWLEDGEMENT_ONLY,
                 ("Just 'I understand' doesn't show what you heard.",
                  "Say their concern back in your own words, like: So the gift"), (), id="bare-i-understand"),
    pytest.param("I can refund the delivery fee for you right away", Paraphrase.NOT_RESTATED,
                 ("You offered a fix before showing you'd heard them.",), (), id="fix-first"),
]


def test_a_restatement_then_an_excuse_is_praised_and_the_excuse_named() -> None:
    # said back first, then excused: the restatement counts, and the excuse is worth dropping
    card = typed("So the gift came late even though you paid for express, but couriers are very busy this "
                 "time of year.")
    assert card.paraphrase is not None and card.paraphrase.passed
    assert card.paraphrase.verdict == Paraphrase.RESTATED
    text = compose_feedback(card)
    assert ("You put the customer's concern in your own words, but 'this time of year' explained it away; "
            "leave that out.") in text, text


@pytest.mark.parametrize(("reply", "verdict", "says", "never"), WORD_FAMILIES)
def test_each_paraphrase_miss_is_named(reply: str, verdict: Paraphrase, says: tuple[str, ...],
                                       never: tuple[str, ...]) -> None:
    card = typed(reply)
    assert card.paraphrase is not None and card.paraphrase.verdict == verdict, card.paraphrase
    text = compose_feedback(card)
    for part in says:
        assert part in text, text
    for part in never:
        assert part not in text, text
    assert "Well done" not in text  # nothing in these replies passed: no praise it did not earn
    assert spoken_seconds(text) <= MAX_S


def test_the_families_no_longer_all_hear_the_same_sentence() -> None:
    said = {compose_feedback(typed(str(p.values[0]))).split(", like:")[0] for p in WORD_FAMILIES}
    assert len(said) == len(WORD_FAMILIES)


@pytest.mark.parametrize(("question", "says"), [
    ("Did you get a tracking email?", "'did you get a tracking email' can be answered yes or no."),
    ("When did you place the order?", "'when did you place the order' asks for a fact."),
])
def test_a_closed_question_is_named_and_an_open_one_offered(question: str, says: str) -> None:
    card = typed(f"So you paid for express and the gift still came late. That sounds upsetting. {question}")
    assert card.paraphrase is not None and card.paraphrase.passed
    assert card.empathy is not None and card.empathy.passed
    text = compose_feedback(card)
    assert text.startswith("Well done. You put the customer's concern in your own words.")
    assert f"{says} Try an open question, like: What would help put this right for you?" in text
    # never a tip to reflect what was reflected, nor to name what was named
    assert "concern back" not in text and "how they feel" not in text


def test_a_good_reply_hears_praise_only() -> None:
    text = compose_feedback(typed(GOOD))
    assert text == ("Well done. You put the customer's concern in your own words. "
                    "Everything I listen for was there. Great listening.")


def test_praise_quotes_the_feeling_named_and_the_tip_is_for_restating() -> None:
    text = compose_feedback(typed("That sounds really upsetting, I'm so sorry."))
    assert text.startswith("Well done. You named how the customer feels: 'upsetting'.")
    assert "Try saying their concern back in your own words, like: So the gift" in text


@pytest.mark.parametrize(("reply", "says"), [
    ("So the gift came late even with express and nobody warned you. I'm sorry about that.",
     "An apology alone doesn't name how they feel. Try naming it, like: That sounds really upsetting."),
    ("So the gift came late even with express. Sorry for any frustration. What would help?",
     "'any frustration' talks the feeling away. Name how they feel instead, like: That sounds really"),
])
def test_emotion_misses_are_named(reply: str, says: str) -> None:
    assert says in compose_feedback(typed(reply))


# timing: the reply's words are good, so the thing to try is when it was said

@pytest.mark.parametrize(("utterances", "verdict", "says"), [
    pytest.param((Said(6.0, 12.0, GOOD),), PauseVerdict.TALKED_OVER,
                 "You started while the customer was still explaining the second point. Next time, wait "
                 "until they have finished", id="talked-over-at-line-2"),
    pytest.param((Said(8.6, 13.0, GOOD),), PauseVerdict.TALKED_OVER,
                 "You started just as the customer finished.", id="talked-over-at-the-end"),
    pytest.param((Said(9.1, 13.0, GOOD),), PauseVerdict.JUMPED_IN,
                 "You came in the moment the customer finished. Next time, take a breath", id="jumped-in"),
    pytest.param((Said(16.0, 20.0, GOOD),), PauseVerdict.DEAD_AIR,
                 "You answered after a long silence. Next time, answer a little sooner", id="dead-air"),
])
def test_timing_misses_are_said_in_time_words(utterances: tuple[Said, ...], verdict: PauseVerdict,
                                              says: str) -> None:
    card = timed(*utterances)
    assert card.pause is not None and card.pause.verdict == verdict
    text = compose_feedback(card)
    assert text.startswith("Well done. You put the customer's concern in your own words.")
    assert says in text, text
    assert not re.search(r"\d", text)  # never "at 16.3 s"
    assert spoken_seconds(text) <= MAX_S


@pytest.mark.parametrize(("cut_in", "when"), [
    (Said(6.0, 7.6, "but wait that is not right"),
     "while the customer was still explaining the second point"),
    (Said(3.5, 4.8, "sorry but can i just ask"), "when the customer paused after their first point"),
])
def test_a_cut_in_is_placed_in_the_customers_turn_and_quoted(cut_in: Said, when: str) -> None:
    card = timed(cut_in, Said(10.4, 15.0, GOOD))
    assert card.pause is not None and card.pause.passed
    assert card.turn_taking is not None and not card.turn_taking.passed
    text = compose_feedback(card)
    assert f"You cut in {when}, with '{cut_in.text}'. Let them finish; a short mm-hmm is fine." in text


def test_words_the_station_doubts_are_never_quoted() -> None:
    cut_in = Said(6.0, 7.6, "but wait that is not right")
    card = timed(cut_in, Said(10.4, 15.0, GOOD), doubts=Doubts(words=NOISY_WORDS))
    text = compose_feedback(card)
    assert "You cut in while the customer was still explaining the second point." in text
    assert cut_in.text not in text and "'" not in text.replace("'s", "").replace("n't", "")
    assert text.startswith("It's too noisy here to judge your words.")
    parroted = timed(Said(10.4, 15.0, "so it arrived three days after her birthday"),
                     doubts=Doubts(words=NOISY_WORDS))
    assert "three days" not in compose_feedback(parroted)


def test_an_acknowledgement_is_praised_by_its_words() -> None:
    # late, and only a question: letting the customer finish is the one thing done well
    card = timed(Said(6.0, 6.4, "mm hmm"), Said(16.0, 18.0, "Did you get a tracking email?"))
    text = compose_feedback(card)
    assert text.startswith(
        "Well done. You let the customer finish, and your 'mm hmm' showed you were listening.")
    assert "You asked a question before showing you'd heard them." in text
    card = timed(Said(6.0, 6.4, "mm hmm"), Said(10.4, 12.0, "Did you get a tracking email?"))
    assert compose_feedback(card).startswith("Well done. You gave a good pause before answering.")


def test_short_on_time_the_progress_goes_first_then_the_example() -> None:
    card = typed("so it arrived three days after her birthday")
    progress = "You name the customer's feelings more often than last week."
    full = compose_feedback(card, progress, max_seconds=60)
    assert full.endswith(progress) and "like: So the gift" in full
    trimmed = compose_feedback(card, progress, max_seconds=spoken_seconds(full) - 1)
    assert progress not in trimmed and "like: So the gift" in trimmed
    short = compose_feedback(card, progress, max_seconds=8)
    assert short == ("You used the customer's own words, 'it arrived three days after her birthday'. "
                     "Say it your own way.")


# progress remarks over real rounds in a real history file

RESTATES_NOTHING = "that must have been really disappointing what would help now"  # only restating fails
DAY = timedelta(days=1)


def history_of(tmp_path: Path, *rounds: tuple[float, RoundResult],
               trainee: str = "ana") -> list[RecordedRound]:
    """Record ``(days before now, round)`` pairs, oldest first, and read them back."""
    now = datetime.now(UTC).replace(microsecond=0)
    with History(tmp_path / "history.sqlite3") as history:
        for days_ago, result in rounds:
            history.record(at(result, now - days_ago * DAY), trainee, "pi-1")
        return history.rounds(trainee=trainee)


def at(result: RoundResult, when: datetime) -> RoundResult:
    return dataclasses.replace(result, started_at=when.isoformat(timespec="seconds"))


def week(days_ago: float, result: RoundResult, count: int = 3) -> list[tuple[float, RoundResult]]:
    """``count`` rounds like ``result`` in the day ending ``days_ago`` days before now."""
    return [(days_ago + 0.1 * (count - i), result) for i in range(count)]


GREEN = make_round()
NO_RESTATING = make_round(RESTATES_NOTHING)
CUT_IN_EARLY = make_round(pause_s=0.1, cut_in="but wait that is not right")


def test_the_reported_case_two_rounds_last_week_against_four_says_nothing(tmp_path: Path) -> None:
    # issue 15: two green rounds last week, then three without restating and an all-green round
    rounds = history_of(tmp_path, *week(8, GREEN, 2), *week(1, NO_RESTATING), (0, GREEN))
    assert [r.paraphrase_passed for r in rounds] == [True, True, False, False, False, True]
    assert progress_remark(rounds, "ana") is None


def test_a_habit_never_slipped_right_after_a_round_where_it_passed(tmp_path: Path) -> None:
    rounds = history_of(tmp_path, *week(8, GREEN), *week(1, NO_RESTATING), (0.05, GREEN))
    assert progress_remark(rounds, "ana") is None
    rounds = history_of(tmp_path, (0, NO_RESTATING))  # the same history, and a round without it
    assert progress_remark(rounds, "ana") == (
        "You restated the customer's concern more often last week; it comes back with practice.")


def test_a_slip_needs_three_rounds_on_each_side(tmp_path: Path) -> None:
    rounds = history_of(tmp_path, *week(8, GREEN, 2), *week(0, NO_RESTATING, 4))
    assert progress_remark(rounds, "ana") is None
    rounds = history_of(tmp_path, (8.5, GREEN))
    assert progress_remark(rounds, "ana") == (
        "You restated the customer's concern more often last week; it comes back with practice.")


def test_better_than_last_week_from_three_rounds_each(tmp_path: Path) -> None:
    rounds = history_of(tmp_path, *week(8, CUT_IN_EARLY), *week(0, GREEN, 2))
    assert progress_remark(rounds, "ana") is None  # two rounds this week: too few to tell
    rounds = history_of(tmp_path, (0, GREEN))
    assert progress_remark(rounds, "ana") == "Your pauses are better and you interrupt less than last week."


def test_never_better_right_after_a_round_where_it_failed(tmp_path: Path) -> None:
    rounds = history_of(tmp_path, *week(8, CUT_IN_EARLY), *week(1, GREEN), (0, CUT_IN_EARLY))
    assert progress_remark(rounds, "ana") is None


def test_earlier_rounds_are_the_baseline_with_none_last_week(tmp_path: Path) -> None:
    rounds = history_of(tmp_path, *week(30, NO_RESTATING), *week(0, GREEN))
    assert progress_remark(rounds, "ana") == "You restate the customer's concern more often than before."


def test_guests_and_other_trainees_get_no_remark(tmp_path: Path) -> None:
    rounds = history_of(tmp_path, *week(8, CUT_IN_EARLY), *week(0, GREEN), trainee="guest")
    assert progress_remark(rounds, "guest") is None
    assert progress_remark(rounds, "ana") is None


def test_the_station_remarks_after_recording_the_round(tmp_path: Path) -> None:
    database = tmp_path / "history.sqlite3"
    history_of(tmp_path, *week(8, CUT_IN_EARLY), *week(1, GREEN, 2))
    settings = Settings(history=HistorySettings(database=str(database)))
    app = App(settings)
    now = datetime.now(UTC)
    assert app.after_round(at(GREEN, now - DAY / 2), "ana") == (
        "Your pauses are better and you interrupt less than last week.")
    assert app.after_round(at(CUT_IN_EARLY, now), "ana") is None  # just cut in: no praise for it
    assert len(history_of(tmp_path)) == 3 + 2 + 2  # both rounds were recorded
