"""Scoring: from a round's timings and transcript to judgements a trainer would agree with.

Functions over times and text: no audio device, and one small model shipped in
the package (the paraphrase meaning model, numpy only, loaded once per process),
so the scorer imports and tests anywhere. :func:`score_reply` is the one entry
point; the timing part is optional, so typed replies are scored the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tutor.scenarios import Scenario
from tutor.scoring.advice import better_sentence, prepare_advice
from tutor.scoring.moves import prepare_moves, score_empathy, score_open_question
from tutor.scoring.paraphrase import prepare_paraphrase, score_paraphrase
from tutor.scoring.result import Doubts, Trait
from tutor.scoring.timing import (
    Overlap,
    TimedSpan,
    TimedSpeech,
    find_overlaps,
    score_interruptions,
    score_pause,
)
from tutor.settings import ScoringSettings
from tutor.vocabulary import Habit, PauseVerdict

__all__ = ["Doubts", "Habit", "Overlap", "PauseVerdict", "Scorecard", "Trait", "TurnTiming", "prepare_words",
           "score_reply"]


@dataclass(frozen=True)
class TurnTiming:
    """Who spoke when, on the microphone's time base."""

    customer_lines: Sequence[TimedSpan]
    utterances: Sequence[TimedSpeech]
    reply: TimedSpan | None
    doubts: Doubts = field(default_factory=Doubts)


@dataclass(frozen=True)
class Scorecard:
    """Every judgement for one reply, each with its reason, and one sentence to try."""

    transcript: str
    scenario_id: str | None
    pause_s: float | None
    pause: Trait | None
    interruptions: tuple[Overlap, ...]
    backchannels: tuple[Overlap, ...]
    turn_taking: Trait | None
    paraphrase: Trait | None
    empathy: Trait | None
    open_question: Trait | None
    better_sentence: str | None

    def trait(self, habit: Habit) -> Trait | None:
        """The judgement of ``habit``; None when it was not judged (no timing, no scenario)."""
        return {Habit.PAUSE: self.pause, Habit.INTERRUPTIONS: self.turn_taking,
                Habit.PARAPHRASE: self.paraphrase, Habit.EMPATHY: self.empathy,
                Habit.OPEN_QUESTION: self.open_question}[habit]

    def traits(self) -> list[tuple[Habit, Trait]]:
        """Every habit judged, in the report's order."""
        return [(habit, trait) for habit in Habit if (trait := self.trait(habit)) is not None]

    def to_json(self) -> dict[str, Any]:
        def trait(value: Trait | None) -> dict[str, Any] | None:
            return None if value is None else value.to_json()

        return {
            "transcript": self.transcript,
            "scenario": self.scenario_id,
            "pause_s": None if self.pause_s is None else round(self.pause_s, 3),
            "pause": trait(self.pause),
            "interruptions": [o.to_json() for o in self.interruptions],
            "backchannels": [o.to_json() for o in self.backchannels],
            **{habit.trait_key: trait(self.trait(habit)) for habit in Habit if habit is not Habit.PAUSE},
            "better_sentence": self.better_sentence,
        }

    def report(self) -> str:
        """A few lines for a terminal: each habit, passed or to work on, and why."""
        width = max((len(habit.label) for habit, _ in self.traits()), default=0)
        def mark(trait: Trait) -> str:
            return "?   " if not trait.reliable else "good" if trait.passed else "try "

        lines = []
        for habit, t in self.traits():
            why = f"Not scored: {t.unsure_reason}" if not t.reliable else t.reason
            lines.append(f"  {mark(t)}  {habit.label:<{width}}  {why}")
        if self.better_sentence:
            lines.append(f"  Try saying: \"{self.better_sentence}\"")
        return "\n".join(lines)


def prepare_words(scenario: Scenario) -> None:
    """Do now what judging a reply's words to ``scenario`` can do before the reply exists
    (the station calls it while the customer speaks, so the feedback waits less)."""
    prepare_paraphrase(scenario)
    prepare_moves()
    prepare_advice(scenario)  # last: needed only when the reply does not restate the customer


def score_reply(transcript: str, scenario: Scenario | None, settings: ScoringSettings,
                timing: TurnTiming | None = None) -> Scorecard:
    """Judge a reply: its timing when known, its words when the scenario is known."""
    pause_s: float | None = None
    pause = turn_taking = None
    interruptions: list[Overlap] = []
    backchannels: list[Overlap] = []
    heard = timing is None or timing.reply is not None
    doubts = timing.doubts if timing is not None else Doubts()
    if timing is not None:
        if timing.reply is not None and timing.customer_lines:
            pause_s = timing.reply.start_s - timing.customer_lines[-1].end_s
        pause = score_pause(pause_s, settings)
        interruptions, backchannels = find_overlaps(timing.utterances, timing.customer_lines,
                                                    timing.reply, settings)
        turn_taking = score_interruptions(interruptions, backchannels)
        if doubts.timing:
            pause = pause.unsure(doubts.timing)
        if doubts.overlaps:
            turn_taking = turn_taking.unsure(doubts.overlaps)
    paraphrase = empathy = open_question = None
    if scenario is not None:
        if heard:
            paraphrase = score_paraphrase(transcript, scenario)
            empathy = score_empathy(transcript, scenario.emotions)
            open_question = score_open_question(transcript)
            if doubts.words:
                paraphrase = paraphrase.unsure(doubts.words)
                empathy = empathy.unsure(doubts.words)
                open_question = open_question.unsure(doubts.words)
        else:
            silent = Trait(False, 0.0, PauseVerdict.NO_REPLY, "No reply was heard.")
            paraphrase = empathy = open_question = silent
    return Scorecard(transcript=transcript, scenario_id=scenario.id if scenario else None,
                     pause_s=pause_s, pause=pause, interruptions=tuple(interruptions),
                     backchannels=tuple(backchannels), turn_taking=turn_taking,
                     paraphrase=paraphrase, empathy=empathy, open_question=open_question,
                     better_sentence=better_sentence(scenario, *(_judged(t) for t in (
                         paraphrase, empathy, open_question))))


def _judged(trait: Trait | None) -> Trait | None:
    """A trait the station vouches for; advice is never aimed at a habit it could not judge."""
    return trait if trait is not None and trait.reliable else None
