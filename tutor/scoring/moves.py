"""Two more listening moves: acknowledging the customer's feeling, and asking an open question.

Acknowledging means naming or validating the feeling ("no wonder you're
annoyed", "that sounds exhausting"); an apology for "the inconvenience" or a
bare "I understand" names nothing. An open question invites the customer to
say more in their own words; asking for a fact (a date, a number) or a yes/no
question does not.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from tutor.scoring import lexicon
from tutor.scoring.result import Trait
from tutor.scoring.text import Clause, clauses, stem


@lru_cache(maxsize=1)
def _feeling_patterns() -> tuple[re.Pattern[str], ...]:
    # a stem ("worr-") finds any word it starts; a word or phrase matches whole only
    return tuple(re.compile(rf"\b{re.escape(f[:-1])}\w*" if f.endswith("-") else rf"\b{re.escape(f)}\b")
                 for f in lexicon.FEELINGS)


# a feeling whose subject is the trainee ("I'm worried the block might take hours") or a
# third party ("the drivers are really stressed") is not the customer's
_SOMEONE_ELSE: Final = re.compile(
    r"\b(i am|i was|we are|we were|they are|they were|he is|she is|staff are|\w+s are|\w+s were)"
    r"( (really|very|so|quite|a bit|a little|also|too|all|just|getting|feeling|pretty|rather|"
    r"extremely|incredibly|totally|absolutely))* $")


def feelings_named(text: str) -> list[str]:
    """Feeling words in ``text`` that name the customer's feeling, as said."""
    found: list[str] = []
    for pattern in _feeling_patterns():
        found.extend(match.group(0) for match in pattern.finditer(text)
                     if not _SOMEONE_ELSE.search(text[max(0, match.start() - 40): match.start()]))
    return list(dict.fromkeys(found))


def score_empathy(reply: str, customer_emotions: tuple[str, ...] = ()) -> Trait:
    joined = " ".join(" ".join(c.tokens) for c in clauses(reply))
    if not joined:
        return Trait(False, 0.0, "none", "Nothing was said to acknowledge how the customer feels.")
    validation = next((v for v in lexicon.VALIDATIONS if re.search(rf"\b{re.escape(v)}\b", joined)), None)
    named = feelings_named(joined)
    brushed_off = next((d for d in lexicon.FEELING_DISMISSALS if re.search(rf"\b{re.escape(d)}\b", joined)),
                       None)
    if brushed_off and not validation and _all_feelings_inside(joined, named, brushed_off):
        return Trait(False, 0.2, "brushed_off",
                     f"'{brushed_off}' talks the feeling away instead of acknowledging it.",
                     {"feelings": named})
    if named or validation:
        hit = named[0] if named else validation
        matches_customer = bool(customer_emotions) and any(
            stem(e.split()[0])[:5] in " ".join(stem(w) for w in joined.split()) for e in customer_emotions)
        score = 1.0 if (named and validation) or matches_customer else 0.85
        return Trait(True, score, "acknowledged", f"You acknowledged the feeling: '{hit}'.",
                     {"feelings": named, "validation": validation})
    apology = re.search(r"\b(sorry|apologi[sz]e|apologies)\b", joined)
    if apology:
        return Trait(False, 0.2, "apology_only",
                     "An apology alone does not name how the customer feels.", {"feelings": []})
    return Trait(False, 0.0, "not_acknowledged", "The customer's feelings were not acknowledged.",
                 {"feelings": []})


def _all_feelings_inside(joined: str, named: list[str], dismissal: str) -> bool:
    """Is every feeling word part of the brush-off ("sorry for any frustration")?"""
    start = joined.find(dismissal)
    window = joined[max(0, start - 30): start + len(dismissal) + 30]
    return all(feeling in window for feeling in named)


def question_kind(clause: Clause) -> str:
    """'open', 'fact', 'yes_no' or 'none' for one clause."""
    tokens = list(clause.tokens)
    text = " ".join(tokens)
    if any(re.search(rf"\b{re.escape(i)}\b", text) for i in lexicon.INVITATIONS) and (
            clause.question or text.startswith(("tell", "talk", "walk", "take", "help me", "i would love",
                                                 "i would like to hear", "please tell"))):
        return "open"
    if not clause.question:
        return "none"
    head = tokens[0] if tokens else ""
    if head in ("when", "where", "which", "who", "whose"):
        return "fact"
    if head in ("what", "how", "why"):
        nearby = tokens[1:6]
        if head == "how" and len(tokens) > 1 and tokens[1] in ("much", "many", "long", "often", "old", "far",
                                                                "soon"):
            return "fact"
        if any(t in lexicon.FACT_WORDS for t in nearby) and not any(
                text.startswith(o) for o in ("what would", "what difference", "what impact", "what effect")):
            return "fact"
        return "open"
    return "yes_no"


def score_open_question(reply: str) -> Trait:
    kinds = [(question_kind(c), c) for c in clauses(reply)]
    open_ones = [c.text for kind, c in kinds if kind == "open"]
    closed = [(kind, c.text) for kind, c in kinds if kind in ("fact", "yes_no")]
    if open_ones:
        return Trait(True, 1.0, "open", f"'{open_ones[0]}' invites the customer to say more.",
                     {"questions": open_ones + [t for _, t in closed]})
    if closed:
        kind, text = closed[0]
        what = "asks for a fact" if kind == "fact" else "can be answered yes or no"
        return Trait(False, 0.3, kind, f"'{text}' {what}; an open question lets the customer explain.",
                     {"questions": [t for _, t in closed]})
    return Trait(False, 0.0, "no_question", "No question invited the customer to say more.",
                 {"questions": []})
