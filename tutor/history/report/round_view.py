"""A recorded round as the report's rounds list shows it: what was said, each verdict, and
the feedback the station gave.

The feedback is not stored with the round; it is a pure function of the
round's judgements (:func:`tutor.feedback.compose_feedback`), so it is composed
again here from the round's stored JSON. Two things can differ from what was
said on the day: the remark on the trainee's progress (it depended on the
history at the time) is left out, and a spoken length limit configured on
the station is not applied. A round whose words the retention period removed
still has its verdicts, so its feedback is composed; its transcript shows as
removed. Without the JSON (an older caller, a round forgotten meanwhile) the
indexed columns stand in, and the tip loses only its example sentence.

A conversation shows its later turns too: what the customer said and why (the reply
before had acknowledged them, talked over them...), what the trainee said back and
each verdict, from the turns kept in the round's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from tutor.feedback import compose_feedback
from tutor.history.report.figures import passed
from tutor.scoring import Scorecard, Trait
from tutor.vocabulary import Condition, Habit, PauseVerdict

if TYPE_CHECKING:
    from tutor.history import RecordedRound

StoredResults = Mapping[int, Mapping[str, Any]]  # round id -> the round's JSON as recorded

WORDS_REMOVED: Final = "(words removed after the retention period)"
NO_REPLY: Final = "(no reply)"
NOT_RECOGNISED: Final = "(words not recognised)"


@dataclass(frozen=True)
class Verdict:
    habit: Habit
    passed: bool | None  # None: not judged, or not with confidence
    detail: str  # the pause's band and length, the number of interruptions; else empty


@dataclass(frozen=True)
class TurnView:
    """A later turn of a conversation: what the customer said, why, and the reply to it."""

    number: int
    condition: Condition | None
    customer: str  # the customer's lines, as said
    transcript: str  # the reply; NO_REPLY, NOT_RECOGNISED, WORDS_REMOVED, or "" when none was listened for
    verdicts: tuple[Verdict, ...]
    ends: bool  # the customer's last word


@dataclass(frozen=True)
class RoundView:
    round: RecordedRound
    scenario_title: str
    transcript: str
    words_removed: bool
    verdicts: tuple[Verdict, ...]
    feedback: str
    turns: tuple[TurnView, ...] = ()  # a conversation's turns after the first


def view(r: RecordedRound, data: Mapping[str, Any] | None) -> RoundView:
    """``r`` for the rounds list; ``data`` is its stored JSON when known."""
    removed = bool(data and data.get("words_removed"))
    if removed:
        transcript = WORDS_REMOVED
    elif r.pause_verdict == PauseVerdict.NO_REPLY:
        transcript = NO_REPLY
    else:
        transcript = r.transcript or NOT_RECOGNISED
    title = str(data.get("scenario_title") or "") if data else ""
    card = _card_from_json(r, data) if data else _card_from_columns(r)
    stored = data.get("turns") if data else None
    turns = tuple(_turn_view(t, removed) for t in stored[1:] if isinstance(t, Mapping)) if isinstance(
        stored, list) else ()
    return RoundView(r, title or r.scenario or "(no scenario)", transcript, removed, _verdicts(r),
                     compose_feedback(card), turns)


def _turn_view(turn: Mapping[str, Any], removed: bool) -> TurnView:
    lines = turn.get("lines")
    customer = " ".join(str(line) for line in lines) if isinstance(lines, list) else ""
    try:
        condition = Condition(str(turn.get("condition")))
    except ValueError:
        condition = None
    verdicts: list[Verdict] = []
    if turn.get("ends") or "transcript" not in turn:
        said = ""
    elif removed:
        said = WORDS_REMOVED
    elif turn.get("no_reply"):
        said = NO_REPLY
    else:
        said = str(turn.get("transcript") or "") or NOT_RECOGNISED
    if said:
        for habit in Habit:
            trait = turn.get(habit.trait_key)
            if isinstance(trait, Mapping):
                judged = trait.get("reliable", True) and not turn.get("no_reply")
                verdicts.append(Verdict(habit, bool(trait.get("passed")) if judged else None, ""))
    return TurnView(int(turn.get("number") or 0), condition, customer, said, tuple(verdicts),
                    bool(turn.get("ends")))


def _verdicts(r: RecordedRound) -> tuple[Verdict, ...]:
    details = {Habit.PAUSE: _pause_detail(r),
               Habit.INTERRUPTIONS: "" if r.pause_verdict == PauseVerdict.NO_REPLY else str(r.interruptions)}
    return tuple(Verdict(habit, passed(habit, r), details.get(habit, "")) for habit in Habit)


def _pause_detail(r: RecordedRound) -> str:
    if r.pause_verdict is None:
        return ""
    band = r.pause_verdict.replace("_", " ")
    return band if r.pause_s is None else f"{band}, {r.pause_s:.1f}\u00a0s"  # the unit stays by its number


def _column_flag(habit: Habit, r: RecordedRound) -> bool | None:
    """The indexed verdict: None when the station could not judge ``habit`` with confidence."""
    return {Habit.PAUSE: r.pause_passed, Habit.PARAPHRASE: r.paraphrase_passed,
            Habit.EMPATHY: r.empathy_passed, Habit.OPEN_QUESTION: r.open_question_passed
            }.get(habit, r.interruptions == 0)


def _card_from_json(r: RecordedRound, data: Mapping[str, Any]) -> Scorecard:
    def trait(habit: Habit) -> Trait | None:
        stored = data.get(habit.trait_key)
        if not isinstance(stored, Mapping):
            return None
        # removing the words also removes "reliable": the indexed column still tells (None: unsure)
        reliable = stored.get("reliable", _column_flag(habit, r) is not None)
        return Trait(bool(stored.get("passed")), float(stored.get("score") or 0.0),
                     str(stored.get("verdict") or ""), str(stored.get("reason") or ""),
                     reliable=bool(reliable), unsure_reason=stored.get("unsure_reason"))

    return _card(r, {habit: trait(habit) for habit in Habit}, data.get("better_sentence"))


def _card_from_columns(r: RecordedRound) -> Scorecard:
    traits: dict[Habit, Trait | None] = {habit: None for habit in Habit}
    if r.pause_verdict is not None:
        traits[Habit.PAUSE] = Trait(bool(r.pause_passed), r.pause_score or 0.0, r.pause_verdict, "",
                                    reliable=r.pause_passed is not None)
        traits[Habit.INTERRUPTIONS] = Trait(r.interruptions == 0, float(r.interruptions == 0),
                                            "none" if r.interruptions == 0 else "interrupted", "")
    for habit, flag, score in ((Habit.PARAPHRASE, r.paraphrase_passed, r.paraphrase_score),
                               (Habit.EMPATHY, r.empathy_passed, r.empathy_score),
                               (Habit.OPEN_QUESTION, r.open_question_passed, r.open_question_score)):
        if flag is not None:
            traits[habit] = Trait(flag, score or 0.0, "", "")
    return _card(r, traits, None)


def _card(r: RecordedRound, traits: Mapping[Habit, Trait | None], better: object) -> Scorecard:
    return Scorecard(transcript=r.transcript, scenario_id=r.scenario or None, pause_s=r.pause_s,
                     pause=traits[Habit.PAUSE], interruptions=(), backchannels=(),
                     turn_taking=traits[Habit.INTERRUPTIONS], paraphrase=traits[Habit.PARAPHRASE],
                     empathy=traits[Habit.EMPATHY], open_question=traits[Habit.OPEN_QUESTION],
                     better_sentence=better if isinstance(better, str) and better else None)
