"""What the scorer returns: one judgement per habit, each with its reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Trait:
    """One habit judged: passed or not, a score from 0 to 1, and why."""

    passed: bool
    score: float
    verdict: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "score": self.score, "verdict": self.verdict,
                "reason": self.reason, **self.details}
