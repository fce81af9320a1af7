"""Reflective listening: did the reply restate the customer's concern in the trainee's own words?

The customer's concerns are the scenario's authored key points where it has
them, else the sentences of the customer's lines. A concern counts as
restated when enough of its content (by synonym group, stem or a near miss in
spelling) appears in the reply's statements. Words copied from the customer
in runs of three or more are taken out first, so parroting earns nothing;
questions are left out, because asking is not reflecting; and a reply that
names the problem only to explain it away fails outright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Final

from tutor.scenarios import Scenario
from tutor.scoring import lexicon
from tutor.scoring.moves import question_kind
from tutor.scoring.result import Trait
from tutor.scoring.text import Clause, clauses, content_concepts, sentences, similar, swap_person, words

RESTATED_COVERAGE: Final = 0.5  # share of a concern's content the reply must carry
LONG_CONCERN_WEIGHT: Final = 2.0
COPY_RUN: Final = 3  # words copied in a row from the customer count as parroting
PARROT_SHARE: Final = 0.6  # a customer sentence this much copied is parroted
_GENERIC_WEIGHT: Final = 0.5  # "not", "day", "still" carry less meaning than "refund"
_GENERIC: Final = frozenset({"nobody", "day", "hour", "again", "late"})
_DISMISSALS: Final = tuple(re.compile(pattern) for pattern in lexicon.DISMISSALS)


@dataclass(frozen=True)
class Concern:
    """One thing the customer is unhappy about, as text and as content concepts."""

    text: str
    concepts: tuple[str, ...]
    point: str = ""  # the authored key point this stands for, if any

    def weight(self, concepts: set[str] | list[str] | tuple[str, ...]) -> float:
        return sum(_GENERIC_WEIGHT if c in _GENERIC else 1.0 for c in set(concepts))


@lru_cache(maxsize=64)
def concerns_of(scenario: Scenario) -> tuple[Concern, ...]:
    """The customer's concerns: authored key points, else each sentence of their lines."""
    def concern(text: str) -> Concern:
        return Concern(text, tuple(dict.fromkeys(content_concepts(swap_person(words(text))))), text)

    points = [concern(text) for text in scenario.key_points]
    said = [concern(s) for line in scenario.lines for s in sentences(line.text)]
    said = [c for c in said if len(c.concepts) >= 2]
    if not points:
        return tuple(said)
    # trainees restate what they heard, not the authored summary: a sentence of the
    # customer's that shares content with a key point is another way to restate it
    def shared(a: Concern, b: Concern) -> int:
        return len({c for c in a.concepts if c not in _GENERIC} & set(b.concepts))

    linked = []
    for sentence in said:
        best = max(points, key=lambda point: shared(point, sentence))
        if shared(best, sentence):
            linked.append(Concern(sentence.text, sentence.concepts, best.point))
    return tuple(points + linked)


def customer_sentences(scenario: Scenario) -> list[list[str]]:
    return [words(s) for line in scenario.lines for s in sentences(line.text)]


def copied_spans(reply: list[str], scenario: Scenario) -> tuple[set[int], list[str]]:
    """Indexes of reply words that echo a customer's sentence, and the sentences echoed."""
    copied: set[int] = set()
    parroted: list[str] = []
    for sentence in customer_sentences(scenario):
        if len(sentence) < COPY_RUN:
            continue
        for version in (swap_person(sentence), sentence):
            matcher = SequenceMatcher(None, reply, version, autojunk=False)
            blocks = [b for b in matcher.get_matching_blocks() if b.size >= COPY_RUN]
            # quoting a detail ("a queue out the door") is fine; echoing the sentence is not
            if sum(b.size for b in blocks) / len(sentence) >= PARROT_SHARE:
                parroted.append(" ".join(sentence))
                for block in blocks:
                    copied.update(range(block.a, block.a + block.size))
                break
    return copied, parroted


def dismissal(text_words: list[str]) -> str | None:
    """The phrase that explains the problem away, if the reply has one."""
    joined = " ".join(text_words)
    for pattern in _DISMISSALS:
        found = pattern.search(joined)
        if not found:
            continue
        before = joined[max(0, found.start() - 30): found.start()]
        # "what happened" asks; "they said nothing could be done" reports what the customer heard
        if before.endswith("what ") or re.search(r"\b(said|told you|say|says|telling you)\b", before):
            continue
        return found.group(0)
    return None


def score_paraphrase(reply: str, scenario: Scenario) -> Trait:
    parts = clauses(reply)
    all_words = [w for c in parts for w in c.tokens]
    if not all_words:
        return Trait(False, 0.0, "none", "Nothing was said to restate the customer's concern.")
    copied, parroted = copied_spans(all_words, scenario)
    own = _own_statement_words(parts, copied)
    own_concepts = content_concepts(own)
    concerns = concerns_of(scenario)
    restated: list[tuple[Concern, float]] = []
    partial = 0.0
    for concern in concerns:
        matched = [c for c in concern.concepts if any(similar(c, r) for r in own_concepts)]
        total = concern.weight(concern.concepts) or 1.0
        coverage = concern.weight(matched) / total
        needed = min(2, len(concern.concepts))
        # a long concern is restated by its two or three strongest ideas, not by half of it
        enough = min(RESTATED_COVERAGE * total, LONG_CONCERN_WEIGHT)
        if concern.weight(matched) >= enough and len(matched) >= needed:
            restated.append((concern, coverage))
        partial = max(partial, coverage)
    restated_points = list(dict.fromkeys(c.point for c, _ in restated))
    missed = [c.point for c in concerns[: len(scenario.key_points) or None] if c.point not in restated_points]
    details = {"restated": restated_points, "missed": missed,
               "parroted": parroted, "reflective_opening": _reflective_opening(all_words)}
    dismissive = dismissal(all_words)
    if dismissive:
        details["dismissive"] = dismissive
        return Trait(False, round(min(0.3, partial * 0.3), 2), "dismissive",
                     f"'{dismissive}' explains the problem away instead of reflecting it back.",
                     details)
    if restated:
        share = len(restated_points) / max(1, len(restated_points) + len(missed))
        quality = sum(c for _, c in restated) / len(restated)
        score = 0.5 + 0.5 * min(1.0, 0.7 * share + 0.3 * quality + (0.2 if share >= 0.5 else 0.0))
        shown = " and ".join(f"'{point}'" for point in restated_points)
        also = f"; you could also reflect '{missed[0]}'" if missed else ""
        return Trait(True, round(score, 2), "restated", f"You restated {shown} in your own words{also}.",
                     details)
    if parroted:
        return Trait(False, round(min(0.3, partial * 0.4), 2), "parroted",
                     "You repeated the customer's words back; say it in your own words.", details)
    if all(c.question for c in parts):
        reason = "You asked a question but did not restate what the customer told you."
        verdict = "question_only"
    elif len([w for w in all_words if w not in lexicon.BACKCHANNELS]) <= 1:
        reason = "A bare acknowledgement does not show you heard the customer's concern."
        verdict = "acknowledgement_only"
    else:
        reason = (f"The customer's concern ('{concerns[0].point}') was not restated." if concerns
                  else "The customer's concern was not restated.")
        verdict = "not_restated"
    return Trait(False, round(0.45 * partial, 2), verdict, reason, details)


def _own_statement_words(parts: list[Clause], copied: set[int]) -> list[str]:
    """The reply's own words, less echoes and closed questions.

    "Did it not arrive on time?" asks instead of reflecting; "what's it been like
    having to wait in every day?" reflects inside an open question.
    """
    out: list[str] = []
    index = 0
    for clause in parts:
        counts = not clause.question or question_kind(clause) == "open"
        for token in clause.tokens:
            if counts and index not in copied:
                out.append(token)
            index += 1
        out.append("|")  # keeps phrases from joining across clauses
    return out


def _reflective_opening(tokens: list[str]) -> str | None:
    joined = " ".join(tokens)
    for cue in lexicon.REFLECTIONS:
        if re.search(rf"\b{re.escape(cue)}\b", joined):
            return cue
    return None
