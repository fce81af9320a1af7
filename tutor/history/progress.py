"""How a trainee is getting on, in one sentence the station can say after a round.

A pure function over recorded rounds: the week up to the trainee's latest
round against the week before it (or, with nothing that week, all their
earlier rounds). Only a clear change is mentioned; a small wobble between a
handful of rounds is noise, and saying it would teach the wrong thing.
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


@dataclass(frozen=True)
class _Habit:
    value: Callable[[RecordedRound], float | None]
    higher_is_better: bool
    clear_change: float  # in the habit's own unit: below this, say nothing
    improved: str
    slipped: str


def _passed(flag: bool | None) -> float | None:
    return None if flag is None else float(flag)


_HABITS: Final = (
    _Habit(lambda r: r.pause_score, True, 0.15, "your pauses are better", "your pauses were better"),
    _Habit(lambda r: float(r.interruptions) if r.pause_verdict != PauseVerdict.NO_REPLY else None, False, 0.5,
           "you interrupt less", "you interrupted less"),
    _Habit(lambda r: _passed(r.paraphrase_passed), True, 0.25,
           "you restate the customer's concern more often", "you restated the customer's concern more often"),
    _Habit(lambda r: _passed(r.empathy_passed), True, 0.25,
           "you name the customer's feelings more often", "you named the customer's feelings more often"),
    _Habit(lambda r: _passed(r.open_question_passed), True, 0.25,
           "you ask more open questions", "you asked more open questions"),
)


def progress_remark(history: Sequence[RecordedRound], trainee: str) -> str | None:
    """One sentence on how ``trainee``'s latest week compares with the one before, or None
    when there is nothing clear to say (a first week, a guest, no change worth a word)."""
    mine = sorted((r for r in history if r.trainee == trainee), key=lambda r: r.started_at)
    if trainee == GUEST or not mine:
        return None
    latest = mine[-1].started_at
    recent = [r for r in mine if r.started_at > latest - WEEK]
    before = [r for r in mine if latest - 2 * WEEK < r.started_at <= latest - WEEK]
    than, when = "than last week", "last week"
    if not before:
        before = [r for r in mine if r.started_at <= latest - WEEK]
        than, when = "than before", "before"
    if not before:
        return None
    improved: list[tuple[float, str]] = []
    slipped: list[tuple[float, str]] = []
    for habit in _HABITS:
        now, then = _mean(habit.value, recent), _mean(habit.value, before)
        if now is None or then is None:
            continue
        gain = (now - then) if habit.higher_is_better else (then - now)
        if gain >= habit.clear_change:
            improved.append((gain / habit.clear_change, habit.improved))
        elif -gain >= habit.clear_change:
            slipped.append((-gain / habit.clear_change, habit.slipped))
    if improved:
        best = [text for _, text in sorted(improved, reverse=True)[:2]]
        return _sentence(f"{' and '.join(best)} {than}.")
    if slipped:
        worst = max(slipped)[1]
        return _sentence(f"{worst} {when}; it comes back with practice.")
    return None


def _mean(value: Callable[[RecordedRound], float | None], rounds: Sequence[RecordedRound]) -> float | None:
    values = [v for v in (value(r) for r in rounds) if v is not None]
    return sum(values) / len(values) if values else None


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]
