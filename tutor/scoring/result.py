"""What the scorer returns: one judgement per habit, each with its reason and how far to trust it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Trait:
    """One habit judged: passed or not, a score from 0 to 1, and why.

    ``reliable`` is False when the station could not judge this habit with
    confidence (a noisy room, other voices, recognition it does not trust);
    ``unsure_reason`` then says why, and the habit is shown as not scored.
    """

    passed: bool
    score: float
    verdict: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict, compare=False)
    reliable: bool = True
    unsure_reason: str | None = None

    def unsure(self, why: str) -> Trait:
        """The same judgement, marked as one the station cannot vouch for."""
        return dataclasses.replace(self, reliable=False, unsure_reason=why)

    @property
    def shown(self) -> bool | None:
        """What the lights and reports show: passed, failed, or None when not scored."""
        return self.passed if self.reliable else None

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "score": self.score, "verdict": self.verdict,
                "reason": self.reason, **self.details, "reliable": self.reliable,
                "unsure_reason": self.unsure_reason}


@dataclass(frozen=True)
class Doubts:
    """Why parts of a round cannot be judged with confidence; None where they can.

    Worked out by the listening stage from what it measured of the room, so
    the scorer stays a pure function of times and text.
    """

    timing: str | None = None  # the pause
    overlaps: str | None = None  # interruptions and acknowledgements
    words: str | None = None  # what was said: paraphrase, emotion, open question
