"""Turn-taking: the pause before the reply, interruptions, and acknowledgements.

Times are seconds on the microphone's time base, where the customer's lines
have already been moved later by the loop latency: "the customer finished"
means the last word stopped sounding in the room.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol

from tutor.scoring import lexicon
from tutor.scoring.result import Trait
from tutor.scoring.text import words
from tutor.settings import ScoringSettings
from tutor.vocabulary import PauseVerdict

_MURMUR_S: Final = 0.8  # shorter than any real question put to the customer
_STOPPING_WORDS: Final = frozenset({"but", "wait", "hang", "hold", "stop", "excuse", "however", "listen"})


class TimedSpan(Protocol):
    @property
    def start_s(self) -> float: ...

    @property
    def end_s(self) -> float: ...


class TimedSpeech(TimedSpan, Protocol):
    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Overlap:
    """Trainee speech that began before the customer had finished."""

    start_s: float
    end_s: float
    text: str
    during: str

    def to_json(self) -> dict[str, Any]:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "text": self.text,
                "during": self.during}


class TurnTakingVerdict(StrEnum):
    NONE = "none"  # no interruption
    INTERRUPTED = "interrupted"


def score_pause(pause_s: float | None, settings: ScoringSettings) -> Trait:
    """The pause's band: talked over, jumped in, quick, ideal, long, dead air, or no reply."""
    if pause_s is None:
        return Trait(False, 0.0, PauseVerdict.NO_REPLY, "No reply was heard.")
    low, high = settings.ideal_min_s, settings.ideal_max_s
    jumped, dead = settings.jumped_in_below_s, settings.dead_air_above_s
    shown = f"{pause_s:.1f} s"
    if pause_s < 0:
        return Trait(False, 0.0, PauseVerdict.TALKED_OVER,
                     f"You started {-pause_s:.1f} s before the customer finished.")
    if pause_s < jumped:
        return Trait(False, round(0.4 * pause_s / jumped, 2), PauseVerdict.JUMPED_IN,
                     f"You came in after only {shown}; take a breath first.")
    if pause_s < low:
        score = 0.6 + 0.4 * (pause_s - jumped) / max(low - jumped, 1e-6)
        return Trait(True, round(score, 2), PauseVerdict.QUICK,
                     f"A {shown} pause: a touch quick; about {low:g} to {high:g} s shows you took it in.")
    if pause_s <= high:
        return Trait(True, 1.0, PauseVerdict.IDEAL, f"A {shown} pause: just right.")
    if pause_s <= dead:
        score = 1.0 - 0.4 * (pause_s - high) / max(dead - high, 1e-6)
        return Trait(True, round(score, 2), PauseVerdict.LONG,
                     f"A {shown} pause: a little long; the customer may wonder if you heard.")
    score = max(0.0, 0.4 * (1 - (pause_s - dead) / dead))
    return Trait(False, round(score, 2), PauseVerdict.DEAD_AIR,
                 f"{shown} of silence leaves the customer in dead air.")


def where_in_turn(time_s: float, customer_lines: Sequence[TimedSpan]) -> str:
    """Which of the customer's lines (numbered from 1), or which pause, a moment falls in."""
    for number, line in enumerate(customer_lines, start=1):
        if time_s < line.start_s:
            if number == 1:
                return "before the customer spoke"
            return f"the customer's pause after line {number - 1}"
        if time_s <= line.end_s:
            return f"line {number}"
    return "after the customer finished"


def is_acknowledgement(utterance: TimedSpeech, settings: ScoringSettings) -> bool:
    """Short, and no word that turns it into a cut-in ("but", "wait", a question).

    In a very short remark a question word is far more often the recognizer
    mishearing "okay" or "I see" in a live room ("who i", "are they") than a
    real question, so there only words that stop the customer count.
    """
    said = words(utterance.text)
    duration = utterance.end_s - utterance.start_s
    if duration > settings.backchannel_max_s:
        return False
    if len(said) > settings.backchannel_max_words:
        return False
    if duration <= _MURMUR_S and len(said) <= 2:
        return not any(word in _STOPPING_WORDS for word in said)
    return not any(word in lexicon.CUT_IN_WORDS for word in said)


def find_overlaps(utterances: Sequence[TimedSpeech], customer_lines: Sequence[TimedSpan],
                  reply: TimedSpan | None, settings: ScoringSettings) -> tuple[list[Overlap], list[Overlap]]:
    """Interruptions and acknowledgements: speech with words that began before the customer had finished."""
    interruptions: list[Overlap] = []
    backchannels: list[Overlap] = []
    if not customer_lines:
        return interruptions, backchannels
    customer_end = customer_lines[-1].end_s
    for utterance in utterances:
        if utterance.start_s >= customer_end - settings.overlap_tolerance_s:
            continue
        if not words(utterance.text):
            continue  # sound with no words is never an acknowledgement; the listener reports it as a doubt
        found = Overlap(utterance.start_s, utterance.end_s, utterance.text,
                        where_in_turn(utterance.start_s, customer_lines))
        in_reply = reply is not None and utterance.end_s > reply.start_s
        if in_reply:
            interruptions.append(found)  # the reply itself started over the customer
        elif is_acknowledgement(utterance, settings):
            backchannels.append(found)
        else:
            interruptions.append(found)
    return interruptions, backchannels


def score_interruptions(interruptions: Sequence[Overlap], backchannels: Sequence[Overlap]) -> Trait:
    details = {"count": len(interruptions), "backchannels": len(backchannels)}
    noted = ""
    if backchannels:
        first = backchannels[0]
        said = f"'{first.text}'" if first.text else "a short acknowledgement"
        noted = f" Your {said} during {first.during} showed you were listening."
    if not interruptions:
        return Trait(True, 1.0, TurnTakingVerdict.NONE, "You let the customer finish." + noted, details)
    first = interruptions[0]
    said = f": '{first.text}'" if first.text else ""
    more = f" ({len(interruptions)} times in all)" if len(interruptions) > 1 else ""
    return Trait(False, round(1 / (1 + len(interruptions)), 2), TurnTakingVerdict.INTERRUPTED,
                 f"You cut in at {first.start_s:.1f} s during {first.during}{said}{more}." + noted, details)
