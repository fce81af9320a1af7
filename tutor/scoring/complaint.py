"""What the customer said, read once per scenario, and the pieces a reply is cut into.

:func:`complaint_of` prepares a scenario's :class:`Complaint` once: its
concerns (the authored key points, and each clause of the customer's lines
that shares content with one; without key points, each clause; not how the
customer feels, "I'm worn out", which is the emotion judgement's, nor a part
they grant went right, "the roof itself is fine"), the words of
each sentence folded for person and tense, the *moves* of a
complaint the customer made (something failed, they did their part, it
mattered, nobody said, it happened again) and whether they voiced a wish.

:func:`pieces_of` cuts a reply into pieces (:class:`Piece`), each with one job
(:class:`Role`): a clause, split further at "but", "because", "and I ..." and
at promises. A statement asked only by its question mark is read as a statement
(:attr:`Piece.checked`), as recognised speech, which has no marks, always was.
**Offers**: "I can refund the fee" shares the customer's nouns but
promises instead of reflecting, as "I've refunded the fee" reports the fix
made; an offer's words restate nothing, and neither does what the fix will
bring about ("so it can't be cancelled again"). Which of the remaining
statements only look like restatements is :mod:`tutor.scoring.lookalikes`'s
part; :mod:`tutor.scoring.restating` reads the reply as a whole.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Final

from tutor.scenarios import Scenario
from tutor.scoring import lexicon
from tutor.scoring.moves import feelings_named, question_kind
from tutor.scoring.text import (
    Clause,
    content_concepts,
    person_neutral,
    sentences,
    similar,
    swap_person,
    words,
)

_GENERIC_WEIGHT: Final = 0.5  # "day", "again", "late" carry less meaning than "refund"
# ideas common to any complaint: they weigh half, and never restate a concern alone
GENERIC_CONCEPTS: Final = frozenset({"nobody", "day", "hour", "again", "late"})
_NOT_REFUSALS: Final = frozenset({"imagine", "believe", "begin", "blame", "stand", "think", "help"})
_CHECKING: Final = re.compile(r"let me (just )?(check|make sure|see if|be sure)( that| if)? (i|we)\b")


class Role(StrEnum):
    """What a piece of a reply does."""

    STATEMENT = "statement"
    OPEN_QUESTION = "open_question"
    CLOSED_QUESTION = "closed_question"
    OFFER = "offer"
    EXPLANATION = "explanation"
    OTHER_CONCERN = "other_concern"  # reflection-shaped, about something the customer did not say
    OWN_STORY = "own_story"  # the trainee's own experience ("I had this with my supplier last year")


@dataclass(frozen=True)
class Piece:
    """A stretch of a reply with one job: a clause, or part of one split at a conjunction."""

    tokens: tuple[str, ...]
    start: int  # index of the first token in the whole reply
    role: Role
    checked: bool = False  # a statement asked by its question mark alone ("so you'd like a refund?")

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    @property
    def indexes(self) -> range:
        return range(self.start, self.start + len(self.tokens))


@dataclass(frozen=True)
class Concern:
    """One thing the customer is unhappy about, as text and as content concepts."""

    text: str
    concepts: tuple[str, ...]
    point: str = ""  # the authored key point this stands for, if any
    fresh: tuple[str, ...] = ()
    """In a later turn, its concepts the customer had not said before (Scenario.said_before): when
    there are any, restating it takes one of them."""

    def weight(self, concepts: set[str] | list[str] | tuple[str, ...]) -> float:
        return sum(_GENERIC_WEIGHT if c in GENERIC_CONCEPTS else 1.0 for c in set(concepts))


@dataclass(frozen=True)
class Complaint:
    """What the customer said, prepared once per scenario."""

    concerns: tuple[Concern, ...]
    sentences: tuple[tuple[str, ...], ...]  # person-folded words of each customer sentence
    raw_sentences: tuple[str, ...]
    concepts: frozenset[str]  # every content concept the customer used, person swapped
    moves: frozenset[str]
    said: str  # everything the customer said, as lower-case words with a leading space
    wishes: bool  # the customer said what they want ("I want a refund", "I need it by Friday")
    before: frozenset[str] = frozenset()  # in a later turn, the ideas the customer said before it


_CONCERN_SPLIT: Final = re.compile(r",\s*(?:and|but|so)\s+|;\s*|\s+but\s+", re.IGNORECASE)


@lru_cache(maxsize=64)
def complaint_of(scenario: Scenario) -> Complaint:
    """The customer's concerns: authored key points, else each sentence of their lines."""
    def concern(text: str) -> Concern:
        # how the customer felt ("I felt intimidated", "I'm heartbroken") is for the empathy
        # judgement: naming it back acknowledges the feeling, it does not restate the concern
        said = [w for w in swap_person(words(text)) if not _feeling_word(w)]
        return Concern(text, tuple(dict.fromkeys(content_concepts(said))), text)

    raw = tuple(s for line in scenario.lines for s in sentences(line.text))
    points = [concern(text) for text in scenario.key_points]
    # "I paid extra for express delivery, and nobody told me it was running late" is two concerns:
    # restating the first must not be credited as restating the second. "I'm worn out", "I just
    # feel like nobody's listening": how the customer feels is theirs to hear named (the empathy
    # judgement), not a concern to restate
    said = [concern(part) for s in raw for part in _CONCERN_SPLIT.split(s)
            if part.strip() and not _reports_a_feeling(part) and not _grants(swap_person(words(part)))]
    said = [c for c in said if len(c.concepts) >= 2]
    everything = [c for s in said for c in s.concepts] + [c for p in points for c in p.concepts]
    if points:
        # trainees restate what they heard, not the authored summary: a sentence of the
        # customer's that shares content with a key point is another way to restate it
        def shared(a: Concern, b: Concern) -> int:
            return len({c for c in a.concepts if c not in GENERIC_CONCEPTS} & set(b.concepts))

        linked = []
        for sentence in said:
            best = max(points, key=lambda point: shared(point, sentence))
            # a later turn is short and says one new thing ("it renews on Friday. I don't want to be
            # charged for another month"): each of its sentences is a way to say it back
            if shared(best, sentence) or scenario.said_before:
                linked.append(Concern(sentence.text, sentence.concepts, best.point))
        concerns = tuple(points + linked)
    else:
        concerns = tuple(said)
    before: list[str] = []
    if scenario.said_before:
        # a later turn: "her party is on Saturday" is restated by what is new in it, not by the
        # present and the birthday the opening already told
        before = content_concepts([w for text in scenario.said_before for w in swap_person(words(text))])
        concerns = tuple(dataclasses.replace(c, fresh=tuple(k for k in c.concepts if k not in GENERIC_CONCEPTS
                                                            and not any(similar(k, b) for b in before)))
                         for c in concerns)
    customer_words = [w for s in raw for w in swap_person(words(s))]
    return Complaint(concerns=concerns,
                     sentences=tuple(tuple(person_neutral(words(s))) for s in raw),
                     raw_sentences=raw,
                     # in a later turn, what the customer said before it is theirs too: not news
                     concepts=frozenset(everything) | frozenset(content_concepts(customer_words))
                     | frozenset(before),
                     moves=frozenset(moves_in(customer_words)),
                     said=" " + " ".join(customer_words),
                     wishes=bool(set(lexicon.WISH_WORDS) & set(customer_words))
                     or " would like " in f" {' '.join(customer_words)} ",
                     before=frozenset(before) - GENERIC_CONCEPTS)


def _grants(said: list[str]) -> bool:
    """Does the customer grant here that something went right ("the roof itself is fine, no
    complaints there", "he's fine now, thank God")? Said back, that restates no concern."""
    joined = " " + " ".join(said) + " "
    # said as granted: "no complaints there", "thank God", "fine now"; not "the preview looked fine"
    # (the contrast the complaint turns on), "she said it would be fine" or "a parking fine"
    granted = any(f" {word} now " in joined for word in _WENT_RIGHT) or any(
        f" {phrase} " in joined for phrase in _GRANTING)
    cleared = joined
    for phrase in _GRANTING:
        cleared = cleared.replace(f" {phrase} ", " ")
    return bool(granted) and not _DENIED & set(cleared.split())


_WENT_RIGHT: Final = frozenset({"fine", "okay", "ok", "good", "great", "perfect", "sorted", "happy"})
_DENIED: Final = frozenset({"not", "never", "no", "nobody", "nothing", "none", "without", "nowhere"})
_GRANTING: Final = ("no complaints", "no complaint", "no problem", "no problems", "thank god",
                    "thank goodness", "no issue", "no issues")


def _reports_a_feeling(text: str) -> bool:
    """Is this the customer telling how they feel ("I'm worn out", "I just feel like nobody's
    taking me seriously", "I was terrified")? Said of themselves, with a feeling or after "feel".
    A feeling with what it is about ("I'm fed up of chasing it", "I'm furious that nobody rang")
    still names a concern: the feeling's words are left out of it (see :func:`complaint_of`)."""
    said = swap_person(words(text))
    while said and said[0] in _LEADS:
        said = said[1:]
    if said[:1] != ["you"]:
        return False
    joined = " ".join(said)
    named = feelings_named(joined)
    # what comes after the feeling ("... at the end of my tether" has none, "fed up of chasing it" has)
    rest = joined[joined.rfind(named[-1]) + len(named[-1]):].split() if named else said[2:]
    if _FEELING_ABOUT & set(rest):
        return False
    verb = [w for w in said[1:4] if w not in _LEADS]
    if verb[:1] and verb[0] in ("feel", "felt", "feeling"):
        return True
    return bool(verb[:1]) and verb[0] in ("are", "were", "have", "am", "get", "got") and bool(named)


_FEELING_ABOUT: Final = frozenset({"of", "about", "with", "that", "because", "at", "by"})


_LEADS: Final = frozenset({"and", "but", "so", "now", "honestly", "just", "still", "really", "i", "mean",
                           "been", "absolutely", "completely", "totally", "quite", "actually"})


@lru_cache(maxsize=4096)
def _feeling_word(word: str) -> bool:
    return word in ("feel", "felt", "feeling", "feelings") or bool(feelings_named(word))


def concerns_of(scenario: Scenario) -> tuple[Concern, ...]:
    return complaint_of(scenario).concerns


_LOOK_AFTER: Final = re.compile(r" (look|looks|looking|looked|taking care|take care) (after|of) ")


def moves_in(tokens: list[str]) -> list[str]:
    """The moves of a complaint these words make (lexicon.MOVES), in order found."""
    # "we'll look after you" cares for the customer; it tells of nothing coming too late
    joined = _LOOK_AFTER.sub(" ", " " + " ".join(tokens) + " ")
    found = []
    for move, phrases in lexicon.MOVES.items():
        if any(f" {phrase} " in joined for phrase in phrases):
            found.append(move)
    return found


def pieces_of(parts: list[Clause]) -> list[Piece]:
    """Clauses split further at conjunctions, each given its role."""
    out: list[Piece] = []
    start = 0
    for clause in parts:
        tokens = list(clause.tokens)
        # a statement asked only by its question mark checks an understanding by stating it: its
        # words restate as a statement's do (recognised speech, which has no marks, reads it so too)
        if clause.question and not clause.checking:
            role = Role.OPEN_QUESTION if question_kind(clause) == "open" else Role.CLOSED_QUESTION
            out.append(Piece(tuple(tokens), start, role))
        else:
            # "so you'd like a refund?" asks the customer to confirm; "just to check, you sat the exam
            # and got a zero?" frames the same mark as a reflection (lexicon.CHECK_FRAMES)
            joined = f" {clause.text} "
            asks_to_check = clause.checking and not any(f" {frame} " in joined
                                                        for frame in lexicon.CHECK_FRAMES)
            cuts = [0] + [i for i in range(1, len(tokens)) if _piece_starts(tokens, i)] + [len(tokens)]
            for a, b in itertools.pairwise(cuts):
                if b <= a:
                    continue
                piece = tokens[a:b]
                asked = _question_within(piece)
                if asked:
                    # "no wonder you're worried what would help you most": the statement before an
                    # open question said without a break goes on being a statement
                    out.append(Piece(tuple(piece[:asked]), start + a, Role.STATEMENT))
                    out.append(Piece(tuple(piece[asked:]), start + a + asked, Role.OPEN_QUESTION))
                    continue
                role = Role.OPEN_QUESTION if question_kind(Clause(tuple(piece), False)) == "open" \
                    else Role.OFFER if _is_offer(piece) or _goes_on_promising(piece, out) \
                    else Role.STATEMENT
                out.append(Piece(tuple(piece), start + a, role, checked=asks_to_check))
        start += len(tokens)
    return out


def _question_within(tokens: list[str]) -> int:
    """Where an open question found inside a statement starts, if not at its start (else 0).

    A statement piece is judged open when an invitation or a question that lost its question
    word is anywhere in it; the open question starts at the last word from which it still is.
    """
    if len(tokens) < 4 or question_kind(Clause(tuple(tokens), False)) != "open":
        return 0
    start = max((i for i in range(len(tokens)) if question_kind(Clause(tuple(tokens[i:]), False)) == "open"),
                default=0)
    # only a real statement before it: "okay so tell me more" is an invitation after fillers
    before = [t for t in tokens[:start] if t not in lexicon.FILLERS and t not in lexicon.BACKCHANNELS]
    return start if len(before) >= 2 else 0


def _goes_on_promising(tokens: list[str], before: list[Piece]) -> bool:
    """ "(I've rebooked you) so it can't be cancelled again", "(what I'll do is raise an order) and
    the contractor should call you": what the fix will bring about is part of the promise, not a
    restatement, however many of the customer's words it uses.
    """
    if not before or before[-1].role is not Role.OFFER or not tokens or tokens[0] not in ("so", "and"):
        return False
    return bool(_PROMISING & set(tokens[1:5])) or tokens[1:2] == ["that"]


_PROMISING: Final = frozenset({"will", "should", "can", "would", "could", "shall", "going"})


def _piece_starts(tokens: list[str], index: int) -> bool:
    head = tokens[index]
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    if head in lexicon.PIECE_BREAKS:
        # "even though you'd changed your email" concedes inside the customer's story; "though" alone
        # turns to something else
        return not (head == "though" and tokens[index - 1] == "even")
    if head in ("and", "so", "then") and following in lexicon.SUBJECT_STARTS:
        # "so let me check" starts an offer; "so let down" goes on describing
        return following != "let" or (index + 2 < len(tokens) and tokens[index + 2] in ("me", "us"))
    if " ".join(tokens[index:index + 3]) in ("that is why", "which is why", "this is why", "that is because"):
        return tokens[index - 1] not in ("and", "so", "then")  # "and that is why": cut at "and"
    # "not something we can control": an object, then a relative clause, not a promise
    # "so you let us know": the subject's own verb, not the trainee's promise
    return _is_offer(tokens[index:]) and tokens[index - 1] not in (
        "that", "what", "as", "if", "something", "anything", "nothing", "everything", "you", "they",
        "he", "she")


def _is_offer(tokens: list[str]) -> bool:
    """Does this stretch start by promising something ("I can refund", "let me check")?"""
    text = " ".join(tokens[:4])
    # "let me check I've got this right" checks an understanding; it promises nothing
    if _CHECKING.match(" ".join(tokens[:7])):
        return False
    if _done_for_them(tokens):
        return True
    for opener in lexicon.OFFER_OPENERS:
        if text.startswith(opener + " ") or text == opener:
            after = tokens[len(opener.split()):]
            # "I can't rebook you today" refuses what an offer would promise (and a recogniser
            # often hears "I can" as "I can't"): either way it is about the trainee, not a
            # reflection; "I can't imagine" is a feeling
            if len(after) > 1 and after[0] == "not" and opener.endswith(("can", "could", "will")):
                return after[1] not in lexicon.NOT_OFFER_VERBS and after[1] not in _NOT_REFUSALS
            # "we'd have had it down by now", "I could have sent it": what would have been, not a promise
            if after[:1] == ["have"] and opener.endswith(("would", "could")):
                return False
            return not after or after[0] not in lexicon.NOT_OFFER_VERBS
    return False


_ALREADY: Final = frozenset({"just", "already", "now", "also", "gone", "ahead", "and", "went"})
_DONE_IRREGULAR: Final = frozenset({"sent", "put", "made", "set", "given", "got", "taken", "written", "rung",
                                    "paid", "told"})
_NOT_DONE: Final = frozenset({"listened", "followed", "noticed", "realised", "realized", "worried",
                              "wondered", "learned", "learnt", "gathered", "experienced", "faced"})


def _done_for_them(tokens: list[str]) -> bool:
    """ "I've refunded the three items", "I have removed the block": the fix, already made.

    Said by the trainee in the first person singular, the trainee's own action; "we've
    cancelled on you twice" owns the company's failure, which is the customer's story.
    """
    if tokens[:2] != ["i", "have"]:
        return False
    rest = [t for t in tokens[2:5] if t not in _ALREADY]
    verb = rest[0] if rest else ""
    return ((verb.endswith("ed") or verb in _DONE_IRREGULAR) and verb not in lexicon.NOT_OFFER_VERBS
            and verb not in _NOT_DONE)
