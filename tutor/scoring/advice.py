"""One better sentence for this scenario, aimed at the habit that most needs it.

The scenario's ``model_answer`` is the first source. A trainer's scenario may have none, so a
paraphrase is also composed from what the trainer did write: the ``key_points`` (notes about
the customer, "lost a day's pay waiting in") turned into clauses said to the customer, else the
first sentence of the complaint with its greeting dropped and its persons swapped ("I paid" ->
"you paid", "your engineer" -> "our engineer"). The text keeps the author's case and
contractions: it is shown on screen as well as spoken.

A composed paraphrase is offered only after the station's own paraphrase judge has read it:
of a few drafts (:func:`paraphrase_drafts`), the first it passes without doubt is said, because
a suggestion the station would itself mark unsure or fail teaches the trainee nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Final

from tutor.scenarios import Scenario
from tutor.scoring.moves import feelings_named, question_kind, score_empathy, score_open_question
from tutor.scoring.paraphrase import score_paraphrase
from tutor.scoring.result import Trait
from tutor.scoring.text import Clause, clauses, sentences, words

_DEFAULT_QUESTION: Final = "What would help most right now?"


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
        feeling = scenario.emotions[0] if scenario.emotions else "frustrated"
        return f"I can see why you'd feel {feeling}."
    return composed_paraphrase(scenario)


def answer_doubts(scenario: Scenario) -> list[tuple[str, str]]:
    """Where the station would mark down what it suggests for ``scenario``, as (the scenario key
    the suggestion comes from, why): a model answer it does not pass, without doubt, for a
    habit the answer shows (restating always; the feeling when it names one; an open question
    when it asks), or, with no model answer, a suggestion composed from the key points that it
    does not pass without doubt. A trainer checks this before trainees hear "Try saying ..."
    and are then told the same words missed."""
    if not scenario.model_answer:
        suggestion = composed_paraphrase(scenario)
        trait = score_paraphrase(suggestion, scenario)
        if trait.passed and trait.reliable:
            return []
        source = "key_points" if scenario.key_points else "lines"
        built = f"the suggestion built from the {source} (\"{suggestion}\")"
        return [(source, f"no model_answer, and {_verdict_on(trait, built)}; add a model_answer")]
    answer = scenario.model_answer
    doubts = []
    trait = score_paraphrase(answer, scenario)
    if not (trait.passed and trait.reliable):
        heard = "would hear that the station could not tell" if not trait.reliable else "would be marked down"
        doubts.append(("model_answer", f"{_verdict_on(trait, 'the model_answer')}; trainees told to say "
                                       f"it {heard}"))
    if scenario.emotions and feelings_named(answer.lower()):
        trait = score_empathy(answer, scenario.emotions)
        if not trait.passed:
            doubts.append(("model_answer", "the station does not count the feeling the model_answer "
                                           f"names as the customer's ({_why(trait)})"))
    if any(c.question for c in clauses(answer)):
        trait = score_open_question(answer)
        if not trait.passed:
            doubts.append(("model_answer", "the station does not count the model_answer's question as "
                                           f"an open one ({_why(trait)})"))
    return doubts or _suggested_sentence_doubts(scenario)


def _suggested_sentence_doubts(scenario: Scenario) -> list[tuple[str, str]]:
    """The same for the one sentence of a model answer the station says for each habit ("Try
    saying ..."): a trainee repeats that sentence alone."""
    doubts = []
    restating = example_sentence(scenario, "paraphrase")
    if restating != scenario.model_answer.strip():  # the whole answer is judged already
        trait = score_paraphrase(restating, scenario)
        if not (trait.passed and trait.reliable):
            sentence = f'the sentence of the model_answer it suggests for restating ("{restating}")'
            doubts.append(("model_answer", _verdict_on(trait, sentence)))
    feeling = example_sentence(scenario, "empathy")
    trait = score_empathy(feeling, scenario.emotions)
    if not trait.passed:
        doubts.append(("model_answer", f"the station does not count \"{feeling}\", which it suggests for "
                                       f"naming the feeling, as the customer's ({_why(trait)})"))
    return doubts


def _verdict_on(trait: Trait, what: str) -> str:
    """What the station makes of ``what``, a paraphrase it does not pass without doubt."""
    if not trait.reliable:
        return f"the station cannot tell whether {what} restates the customer (a close call)"
    return f"the station does not pass {what} as restating the customer: {_why(trait)}"


def _why(trait: Trait) -> str:
    return (trait.reason[:1].lower() + trait.reason[1:]).rstrip(".")


def _ending(sentence: str, mark: str) -> str:
    sentence = sentence.strip()
    return sentence if sentence[-1:] in ".!?" else sentence + mark


# --- a paraphrase composed when the scenario has no model answer ---------------------------

_SUBJECT_VERBS: Final = {  # a note's first word said about the customer -> said to them
    "wants": "want", "needs": "need", "has": "have", "hasn't": "haven't", "is": "are",
    "isn't": "aren't", "was": "were", "wasn't": "weren't", "does": "do", "doesn't": "don't",
    "feels": "feel", "thinks": "think", "keeps": "keep", "says": "say", "hopes": "hope",
    "expects": "expect", "can": "can", "can't": "can't", "cannot": "can't", "could": "could",
    "couldn't": "couldn't", "won't": "won't", "will": "will", "didn't": "didn't", "did": "did",
    "never": "never", "had": "had", "would": "would", "wouldn't": "wouldn't", "still": "still",
    "already": "already", "just": "just",
}
_PAST_IRREGULAR: Final = frozenset({
    "paid", "told", "felt", "went", "came", "sent", "bought", "brought", "got", "gave", "took",
    "made", "said", "saw", "left", "kept", "lost", "spent", "heard", "thought", "knew", "broke",
    "held", "ran", "shut", "had", "did", "put", "let", "set", "hit", "cut", "rang", "wrote", "fell",
})
_FINITE: Final = frozenset({
    "is", "are", "was", "were", "has", "have", "had", "did", "does", "do", "can", "could", "will",
    "would", "isn't", "aren't", "wasn't", "weren't", "hasn't", "haven't", "hadn't", "didn't",
    "doesn't", "don't", "can't", "couldn't", "won't", "wouldn't", "never",
}) | _PAST_IRREGULAR
_DETERMINERS: Final = frozenset({
    "the", "a", "an", "no", "your", "their", "his", "her", "its", "this", "that", "these", "those",
    "every", "each", "some", "nothing", "nobody", "noone", "someone", "everyone", "everything",
    "you", "they", "she", "he", "it", "there", "one", "two", "three", "both", "all", "my", "our",
})
_GREETING: Final = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|good\s+(?:morning|afternoon|evening)|yes|yeah|right|look|listen|"
    r"um+|uh+|er+|so|okay|ok|well|excuse\s+me|sorry)(?:\s+there)?\b[\s,.!:;-]*)+", re.IGNORECASE)
_PLEASE: Final = re.compile(r"[\s,]*\bplease\b", re.IGNORECASE)
_TOKEN: Final = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|[^A-Za-z]+")
# the customer's words as the trainee says them back: the customer becomes "you", the company
# ("you", "your") becomes "we"
_CUSTOMER_TO_TRAINEE: Final = {
    "i": "you", "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll", "me": "you",
    "my": "your", "mine": "yours", "myself": "yourself", "we": "you", "we're": "you're",
    "we've": "you've", "we'd": "you'd", "we'll": "you'll", "us": "you", "our": "your",
    "ours": "yours", "ourselves": "yourselves", "am": "are", "your": "our", "yours": "ours",
    "you're": "we're", "you've": "we've", "you'd": "we'd", "you'll": "we'll",
    "yourself": "ourselves", "yourselves": "ourselves",
}
_THIRD_TO_SECOND: Final = {"they": "you", "them": "you", "their": "your", "theirs": "yours",
                           "themselves": "yourselves", "they're": "you're", "they've": "you've"}
_OBJECT_AFTER: Final = frozenset({
    "to", "for", "with", "at", "from", "about", "by", "of", "told", "called", "rang", "asked",
    "paid", "gave", "sent", "emailed", "contacted", "phoned", "trusted", "chose", "than", "like",
})
_FEELING_WORDS: Final = (  # an emotion the scenario names -> how the situation sounds
    (("worr", "anxi", "afraid", "scared", "frighten", "nervous", "confus", "shock"), "worrying"),
    (("upset", "sad", "disappoint", "let down", "hurt"), "disappointing"),
    (("embarrass", "humiliat"), "embarrassing"),
    (("stress", "exhaust", "tired", "desperate", "overwhelm"), "stressful"),
)


MAX_DRAFTS: Final = 8  # each is judged whole: about 21 ms here, 80-135 ms on a Pi 4 core (README)


@functools.lru_cache(maxsize=64)
def composed_paraphrase(scenario: Scenario) -> str:
    """A spoken paraphrase for a scenario with no model answer: the first of
    :func:`paraphrase_drafts` the station's paraphrase judge passes without doubt (see
    :func:`first_passed`). Each draft judged costs one reading by the meaning model, and a
    scenario is practised many times a day, so its suggestion is worked out once."""
    return first_passed(paraphrase_drafts(scenario), scenario, score_paraphrase)


def first_passed(drafts: tuple[str, ...], scenario: Scenario,
                 judge: Callable[[str, Scenario], Trait]) -> str:
    """The first of ``drafts`` that ``judge`` passes without doubt, else the first it passes at
    all, else the first draft."""
    passed_with_doubt: str | None = None
    for draft in drafts:
        trait = judge(draft, scenario)
        if trait.passed and trait.reliable:
            return draft
        if trait.passed and passed_with_doubt is None:
            passed_with_doubt = draft
    return passed_with_doubt or drafts[0]


def paraphrase_drafts(scenario: Scenario) -> tuple[str, ...]:
    """Ways to restate the customer, best first, each followed by a sentence naming how it
    sounds ("That sounds really frustrating."): the first two key points said to the customer
    ("your flight ..."), then as written ("the flight ..."), then the other pairs of the first
    three, then each of those alone, then the first sentence of the complaint turned round.
    At most :data:`MAX_DRAFTS`."""
    yours = [clause for point in scenario.key_points if (clause := _point_as_clause(point, "your"))][:3]
    written = [clause for point in scenario.key_points if (clause := _point_as_clause(point))][:2]
    restated = [", and ".join(yours[:2]), ", and ".join(written)]
    restated += [f"{yours[first]}, and {yours[second]}" for first, second in ((0, 2), (1, 2))
                 if second < len(yours)]
    restated += [*yours, _first_complaint(scenario)]
    ending = f"That sounds really {_how_it_sounds(scenario.emotions)}."
    drafts = dict.fromkeys(f"So {text}. {ending}" for text in restated if text)
    return tuple(drafts)[:MAX_DRAFTS]


def prepare_advice(scenario: Scenario) -> None:
    """Work out the composed suggestion now, for a scenario with no model answer (the station
    calls this while the customer speaks: judging all the drafts takes up to about 1.4 s on a Pi)."""
    if not scenario.model_answer:
        composed_paraphrase(scenario)


def _point_as_clause(point: str, owner: str = "the") -> str | None:
    """A key point ("lost a day's pay waiting in") as a clause said to the customer ("you lost
    a day's pay waiting in"); None when the note has no verb to make a clause of, unless it
    starts with "no" ("there was no warning"). A note that starts with a thing ("flight
    cancelled", "the flight ...") gets ``owner`` before it."""
    tokens = _swap(point.strip().rstrip(".!?;,").replace("\u2019", "'"), _THIRD_TO_SECOND).split()
    if not tokens:
        return None
    first = tokens[0].lower()
    if first in _SUBJECT_VERBS:
        verb = _SUBJECT_VERBS[first]
        if verb in ("still", "already", "just", "never") and len(tokens) > 1 and tokens[1].endswith("ing"):
            return " ".join(["you're", verb, *tokens[1:]])
        return " ".join(["you", verb, *tokens[1:]])
    rest = tokens[1:]
    if first in _PAST_IRREGULAR or (first.endswith("ed") and not _has_verb(rest)):
        # "lost a day's pay" is something the customer did; "promised callbacks never
        # happened" starts with a participle used as an adjective
        return " ".join(["you", *tokens])
    if not _has_verb(tokens):
        if first == "no" and len(tokens) > 1:
            return " ".join(["there", "was", *tokens])  # "no warning about the delay"
        return None  # "nothing at the airport": a note, not something that happened
    if first == "the":
        tokens[0] = owner
    elif first not in _DETERMINERS and tokens[0][0].islower():
        tokens.insert(0, owner)
    return " ".join(tokens)


def _has_verb(tokens: list[str]) -> bool:
    """True when a note has a finite verb before any relative clause ("that didn't work")."""
    previous = ""
    for index, token in enumerate(tokens):
        word = token.lower()
        if word in ("that", "which", "who"):
            return False
        if (word in _FINITE and word != "left") or (
                index > 0 and word.endswith("ed") and previous not in ("not", "never", "no")):
            return True
        previous = word
    return False


def _first_complaint(scenario: Scenario) -> str:
    """The first sentence of the complaint worth restating, in the trainee's words."""
    fallback = ""
    for line in scenario.lines:
        for sentence in sentences(line.text) or [line.text]:
            if sentence.rstrip().endswith("?"):
                continue  # a question turned round is not a restatement
            text = _PLEASE.sub("", _GREETING.sub("", sentence.replace("\u2019", "'")))
            text = text.strip().rstrip(".!?\u2026 ,;:-").strip()
            fallback = fallback or text
            if len(text.split()) >= 3:
                return _lower_first(_swap(text, _CUSTOMER_TO_TRAINEE))
    return _lower_first(_swap(fallback, _CUSTOMER_TO_TRAINEE)) or "you've had a difficult time with this"


def _swap(text: str, persons: dict[str, str]) -> str:
    """``text`` with the persons swapped word by word, keeping everything else as written."""
    out: list[str] = []
    previous = ""
    for token in _TOKEN.findall(text):
        key = token.lower()
        if not key[:1].isalpha():
            out.append(token)
            continue
        if persons is _CUSTOMER_TO_TRAINEE and key == "you":
            swapped = "us" if previous in _OBJECT_AFTER else "we"
        elif persons is _CUSTOMER_TO_TRAINEE and key == "was" and previous in ("i", "we"):
            swapped = "were"
        else:
            swapped = persons.get(key, token)
        if swapped is not token and token[0].isupper() and key != "i":
            swapped = swapped[0].upper() + swapped[1:]
        out.append(swapped)
        previous = key
    return "".join(out)


def _lower_first(text: str) -> str:
    """The start of a sentence moved after "So": lower case, unless it is a name or "I"."""
    first = text.split(" ", 1)[0]
    if first.lower() in _CUSTOMER_TO_TRAINEE.values() or first.lower() in _DETERMINERS or (
            first[:1].isupper() and first[1:].islower() and first.lower() in _COMMON_STARTS):
        return text[:1].lower() + text[1:]
    return text


_COMMON_STARTS: Final = frozenset({
    "it", "it's", "this", "that", "there", "there's", "nobody", "nothing", "now", "when", "since",
    "after", "before", "last", "yesterday", "today", "on", "in", "at", "for", "once", "twice",
    "everyone", "everything", "someone", "the", "a", "an", "most", "half", "and", "but", "because",
    "three", "two", "four", "five", "six", "seven", "eight", "nine", "ten", "within", "every",
})


def _how_it_sounds(emotions: tuple[str, ...]) -> str:
    for emotion in emotions:
        for stems, sounds in _FEELING_WORDS:
            if any(emotion.lower().startswith(s) or s in emotion.lower() for s in stems):
                return sounds
    return "frustrating"
