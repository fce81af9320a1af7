"""Rounds in figures: the medians, shares and trends every form of the report shows.

Pure functions over recorded rounds. A habit the station could not judge is
not a fail: every share is over the rounds where it was judged, and a group
with none shows no figure rather than 0%.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from tutor.vocabulary import Habit, PauseVerdict

if TYPE_CHECKING:
    from tutor.history import RecordedRound

HEADINGS: Final = ("rounds", "pause", "good pause", "interruptions", "paraphrase", "emotion",
                   "open question")
LEGEND: Final = ("pause: median; good pause, paraphrase, emotion, open question: share of rounds "
                 "that passed; interruptions: per round with a reply")


@dataclass(frozen=True)
class Summary:
    """A group of rounds in figures: medians and shares a trainer reads at a glance."""

    label: str
    rounds: int
    pause_s: float | None  # median
    good_pauses: float | None  # share of rounds whose pause passed
    interruptions: float | None  # per round
    paraphrase: float | None  # shares of rounds that passed
    empathy: float | None
    open_question: float | None

    def habit(self, habit: Habit) -> float | None:
        """The figure that shows ``habit``: a share that passed, or interruptions per round."""
        return {Habit.PAUSE: self.good_pauses, Habit.INTERRUPTIONS: self.interruptions,
                Habit.PARAPHRASE: self.paraphrase, Habit.EMPATHY: self.empathy,
                Habit.OPEN_QUESTION: self.open_question}[habit]


def summarise(label: str, rounds: Sequence[RecordedRound]) -> Summary:
    pauses = [r.pause_s for r in rounds if r.pause_s is not None]
    heard = [r for r in rounds if r.pause_verdict != PauseVerdict.NO_REPLY]
    return Summary(
        label=label, rounds=len(rounds),
        pause_s=statistics.median(pauses) if pauses else None,
        good_pauses=share(r.pause_passed for r in rounds),
        interruptions=sum(r.interruptions for r in heard) / len(heard) if heard else None,
        paraphrase=share(r.paraphrase_passed for r in rounds),
        empathy=share(r.empathy_passed for r in rounds),
        open_question=share(r.open_question_passed for r in rounds))


def share(flags: Iterable[bool | None]) -> float | None:
    """The share of True among the judged (not None) flags; None when none was judged."""
    known = [f for f in flags if f is not None]
    return sum(known) / len(known) if known else None


def passed(habit: Habit, r: RecordedRound) -> bool | None:
    """Whether ``r`` passed ``habit``: None when it was not judged (no interruptions to count
    without a reply)."""
    if habit is Habit.INTERRUPTIONS:
        return None if r.pause_verdict == PauseVerdict.NO_REPLY else r.interruptions == 0
    return {Habit.PAUSE: r.pause_passed, Habit.PARAPHRASE: r.paraphrase_passed,
            Habit.EMPATHY: r.empathy_passed, Habit.OPEN_QUESTION: r.open_question_passed}[habit]


def local(moment: datetime) -> datetime:
    """A recorded (UTC) time on this machine's clock, as trainers read it."""
    return moment.astimezone()


def week_of(moment: datetime) -> str:
    year, week, _ = local(moment).isocalendar()
    return f"{year}-W{week:02d}"


def by_week(rounds: Sequence[RecordedRound]) -> list[Summary]:
    weeks: dict[str, list[RecordedRound]] = {}
    for r in rounds:
        weeks.setdefault(week_of(r.started_at), []).append(r)
    return [summarise(week, group) for week, group in sorted(weeks.items())]


def group_by(rounds: Sequence[RecordedRound],
             key: Callable[[RecordedRound], str]) -> dict[str, list[RecordedRound]]:
    groups: dict[str, list[RecordedRound]] = {}
    for r in rounds:
        groups.setdefault(key(r), []).append(r)
    return dict(sorted(groups.items()))


def trainee_of(r: RecordedRound) -> str:
    return r.trainee


def station_of(r: RecordedRound) -> str:
    return r.station


def scenario_of(r: RecordedRound) -> str:
    return r.scenario


def span(rounds: Sequence[RecordedRound]) -> str:
    """"6 rounds, 2026-11-02 to 2026-11-16": how many, and when."""
    first, last = local(rounds[0].started_at), local(rounds[-1].started_at)
    dates = f"{first:%Y-%m-%d}" if first.date() == last.date() else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    return f"{len(rounds)} round{'s' if len(rounds) != 1 else ''}, {dates}"


def cells(s: Summary) -> tuple[str, ...]:
    """A summary's figures as text, in the order of :data:`HEADINGS`."""
    return (str(s.rounds), seconds(s.pause_s), percent(s.good_pauses), number(s.interruptions),
            percent(s.paraphrase), percent(s.empathy), percent(s.open_question))


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)}%"


def number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def habit_figure(habit: Habit, value: float | None) -> str:
    return number(value) if habit is Habit.INTERRUPTIONS else percent(value)


# trends

class Trend(StrEnum):
    BETTER = "better"
    STEADY = "steady"
    WORSE = "worse"


MIN_TREND_ROUNDS: Final = 4  # two against two; fewer, and one round is the whole trend
# below these a change is a wobble between a handful of rounds, not a trend
CLEAR_SHARE_CHANGE: Final = 0.2
CLEAR_INTERRUPTION_CHANGE: Final = 0.3  # per round


@dataclass(frozen=True)
class HabitTrend:
    """One habit's figure in the earlier and the later half of a trainee's rounds."""

    habit: Habit
    earlier: float
    later: float
    direction: Trend

    def describe(self) -> str:
        """The trend in words: the arrow's text alternative."""
        return (f"{self.direction}: {habit_figure(self.habit, self.earlier)} in the earlier half, "
                f"{habit_figure(self.habit, self.later)} in the later half")


def trend(habit: Habit, rounds: Sequence[RecordedRound]) -> HabitTrend | None:
    """The later half of ``rounds`` (in the order played) against the earlier half; with an odd
    count the middle round is left out. None with too few rounds, or no judgement in a half."""
    if len(rounds) < MIN_TREND_ROUNDS:
        return None
    half = len(rounds) // 2
    earlier, later = (summarise("", part).habit(habit) for part in (rounds[:half], rounds[-half:]))
    if earlier is None or later is None:
        return None
    if habit is Habit.INTERRUPTIONS:
        gain, clear = earlier - later, CLEAR_INTERRUPTION_CHANGE  # fewer is better
    else:
        gain, clear = later - earlier, CLEAR_SHARE_CHANGE
    direction = Trend.BETTER if gain >= clear else Trend.WORSE if -gain >= clear else Trend.STEADY
    return HabitTrend(habit, earlier, later, direction)


# scenarios

@dataclass(frozen=True)
class ScenarioFigures:
    """How trainees fare on one scenario: the share that passed each habit."""

    scenario: str
    rounds: int
    trainees: int
    passed: dict[Habit, float | None]

    @property
    def overall(self) -> float | None:
        """The mean of the habits' pass rates: the lower, the harder the scenario."""
        known = [value for value in self.passed.values() if value is not None]
        return sum(known) / len(known) if known else None


def hardest_scenarios(rounds: Sequence[RecordedRound]) -> list[ScenarioFigures]:
    """Every scenario played, the hardest (lowest overall pass rate) first; a scenario
    with nothing judged goes last."""
    figures = [ScenarioFigures(name, len(group), len({r.trainee for r in group}),
                               {habit: share(passed(habit, r) for r in group) for habit in Habit})
               for name, group in group_by(rounds, scenario_of).items()]
    return sorted(figures, key=lambda f: (f.overall is None, f.overall or 0.0, -f.rounds, f.scenario))
