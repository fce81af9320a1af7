"""One better sentence for this scenario, aimed at the habit that most needs it."""

from __future__ import annotations

from tutor.scenarios import Scenario
from tutor.scoring.moves import feelings_named, question_kind
from tutor.scoring.result import Trait
from tutor.scoring.text import Clause, clauses, sentences, swap_person, words

_DEFAULT_QUESTION = "What would help most right now?"


def better_sentence(scenario: Scenario | None, paraphrase: Trait | None, empathy: Trait | None,
                    open_question: Trait | None) -> str | None:
    """A sentence the trainee could have said, for the first habit not yet shown."""
    if scenario is None:
        return None
    for name, trait in (("paraphrase", paraphrase), ("empathy", empathy), ("question", open_question)):
        if trait is not None and not trait.passed:
            return example_sentence(scenario, name)
    return None


def example_sentence(scenario: Scenario, kind: str) -> str:
    """The scenario's model answer, split by what each sentence does; composed when it has none."""
    parts = sentences(scenario.model_answer) if scenario.model_answer else []
    for part in parts:
        said = words(part)
        clause = Clause(tuple(said), part.endswith("?") or any(c.question for c in clauses(part)))
        if kind == "question" and question_kind(clause) == "open":
            return _ending(part, "?")
        if kind == "empathy" and feelings_named(" ".join(said)) and not clause.question:
            return _ending(part, ".")
        if kind == "paraphrase" and not clause.question and not feelings_named(" ".join(said)):
            return _ending(part, ".")
    if kind == "question":
        return _DEFAULT_QUESTION
    if kind == "empathy":
        feeling = scenario.emotions[0] if scenario.emotions else "frustrating"
        return f"I can see why you'd feel {feeling}."
    if scenario.key_points:
        return f"So if I've got this right, {scenario.key_points[0]}."
    first = next((s for line in scenario.lines for s in sentences(line.text) if len(words(s)) > 4),
                 scenario.lines[0].text if scenario.lines else "")
    return f"So what I'm hearing is that {' '.join(swap_person(words(first)))}."


def _ending(sentence: str, mark: str) -> str:
    sentence = sentence.strip()
    return sentence if sentence[-1:] in ".!?" else sentence + mark
