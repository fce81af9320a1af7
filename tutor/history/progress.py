"""How a trainee is getting on, in one sentence the station can say after a round.

A pure function over recorded rounds: the week up to the trainee's latest
round against the week before it (or, with nothing that week, all their
earlier rounds). Only a clear change is mentioned; a small wobble between a
handful of rounds is noise, and saying it would teach the wrong thing. So a
habit is compared only with at least :data:`MIN_ROUNDS` rounds judging it on
each side (two rounds against four once told a trainee, after an all-green
round, that they had restated the concern more often the week before), and a
remark never contradicts the round just played: no "slipped" right after a
round where the habit passed, no "better" right after one where it failed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from tutor.vocabulary import PauseVerdict

if TYPE_CHECKING:
    from tutor.history import RecordedRound

WEEK: Final = timedelta(days=7)
GUEST: Final = "guest"  # many people share it: their progress is nobody's
MIN_ROUNDS: Final = 3  # rounds judging a habit on each side of a comparison; fewer is a wobble


@dataclass(frozen=True)
class _Habit:
    value: Callable[[RecordedRound], float | None]
    passed: Callable[[RecordedRound], bool | None]  # in one round; None when not judged
    higher_is_better: bool
    clear_change: float  # in the habit's own unit: below this, say nothing
    improved: str
    slipped: str


def _passed(flag: bool | None) -> float | None:
    return None if flag is None else float(flag)


def _replied(r: RecordedRound) -> bool:
    return r.pause_verdict != PauseVerdict.NO_REPLY


_HABITS: Final = (
    _Habit(lambda r: r.pause_score, lambda r: r.pause_passed, True, 0.15,
           "your pauses are better", "your pauses were better"),
    _Habit(lambda r: float(r.interruptions) if _replied(r) else None,
           lambda r: r.interruptions == 0 if _replied(r) else None, False, 0.5,
           "you interrupt less", "you interrupted less"),
    _Habit(lambda r: _passed(r.paraphrase_passed), lambda r: r.paraphrase_passed, True, 0.25,
           "you restate the customer's concern more often", "you restated the customer's concern more often"),
    _Habit(lambda r: _passed(r.empathy_passed), lambda r: r.empathy_passed, True, 0.25,
           "you name the customer's feelings more often", "you named the customer's feelings more often"),
    _Habit(lambda r: _passed(r.open_question_passed), lambda r: r.open_question_passed, True, 0.25,
           "you ask more open questions", "you asked more open questions"),
)


def progress_remark(history: Sequence[RecordedRound], trainee: str) -> str | None:
    """One sentence on how ``trainee``'s latest week compares with the one before, or None
    when there is nothing clear to say (a first week, a guest, too few rounds, no change
    worth a word, or a change the round just played does not bear out).

    The newest of ``trainee``'s rounds is the round just played (the station records it
    before asking)."""
    mine = sorted((r for r in history if r.trainee == trainee), key=lambda r: r.started_at)
    if trainee == GUEST or not mine:
        return None
    latest_round = mine[-1]
    latest = latest_round.started_at
    recent = [r for r in mine if r.started_at > latest - WEEK]
    before = [r for r in mine if latest - 2 * WEEK < r.started_at <= latest - WEEK]
    than, when = "than last week", "last week"
    if not before:
        before = [r for r in mine if r.started_at <= latest - WEEK]
        than, when = "than before", "before"
    if len(recent) < MIN_ROUNDS or len(before) < MIN_ROUNDS:
        return None
    improved: list[tuple[float, str]] = []
    slipped: list[tuple[float, str]] = []
    for habit in _HABITS:
        now, then = _mean(habit.value, recent), _mean(habit.value, before)
        if now is None or then is None:
            continue
        gain = (now - then) if habit.higher_is_better else (then - now)
        just_now = habit.passed(latest_round)
        if gain >= habit.clear_change and just_now is True:
            improved.append((gain / habit.clear_change, habit.improved))
        elif -gain >= habit.clear_change and just_now is False:
            slipped.append((-gain / habit.clear_change, habit.slipped))
    if improved:
        best = [text for _, text in sorted(improved, reverse=True)[:2]]
        return _sentence(f"{' and '.join(best)} {than}.")
    if slipped:
        worst = max(slipped)[1]
        return _sentence(f"{worst} {when}; it comes back with practice.")
    return None


def _mean(value: Callable[[RecordedRound], float | None], rounds: Sequence[RecordedRound]) -> float | None:
    """The habit's mean over the rounds that judged it; None with fewer than MIN_ROUNDS of them."""
    values = [v for v in (value(r) for r in rounds) if v is not None]
    return sum(values) / len(values) if len(values) >= MIN_ROUNDS else None


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]
