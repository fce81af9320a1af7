"""Reading a reply against the customer's complaint: what it restates, echoes, explains away, offers.

Restating a concern is a claim about meaning, and words alone mislead in
four ways, each met by a structural check rather than a list of examples:

* **Echoes.** Saying the customer's sentence back ("you paid extra for express
  delivery") carries all their words and none of the trainee's. Echoes are
  found on person- and tense-folded words ("I was" = "you were", "my" =
  "your"), in runs of three or more, per customer sentence and per clause of
  the reply: a sentence mostly echoed, a clause mostly made of echo, or a
  reply whose statements are mostly echo earns nothing for those words; in a
  reply that is more than half echo, the customer's words outside the runs
  (two half sentences said back, reordered) are not its own words either.
* **Explanations.** "The warehouse was short of drivers, that's why" names
  the problem only to account for it. A piece of the reply is an explanation
  when it carries a cause marker ("because", "due to", "that's why") over
  content the customer never said, a generaliser ("for everyone", "this time
  of year"), a habit ("the app does that", "usually", "always" over news the
  customer never gave), or a stock phrase (``lexicon.DISMISSALS``: "delays
  happen", the problem made small, "it isn't that long", or the customer's
  worry waved off, "don't worry", "I wouldn't worry"). A cause told back
  under a reflection ("so you lost the takings because the machines were
  down") is the customer's own account, not an excuse, when it carries
  something the customer said.
* **Offers.** "I can refund the fee" shares the customer's nouns but promises
  instead of reflecting, as "I've refunded the fee" reports the fix made; an
  offer's words restate nothing.
* **Wrong concerns.** "So you'd like to change the delivery address" is
  shaped as a reflection and shares nouns, but most of what it attributes to
  the customer is new (a wish is wrong when the customer voiced none, or
  another one, also said as a cleft: "what you really want is"). Topic nouns
  common to the customer's sentences weigh little; a reflective clause whose
  content is mostly new is a wrong concern. So is one that tells the story
  otherwise in the customer's own nouns (:func:`_misread`): an event they
  said never happened told as happening ("so the engineer came out" to "your
  engineer hasn't turned up"), the opposite of their word ("a different
  fault"), a cause the trainee joined ("and that's why the fare went up"), a
  part granted as gone right ("so the room was fine, but").
* **The trainee's own story.** "I had exactly this with my own supplier last
  year" shares the customer's nouns and restates nothing of theirs.

And one in the other direction: a restatement in quite different words ("it
let you down exactly when it mattered most") shares few words but the same
*moves* of a complaint (something failed, the customer did their part, it
mattered, nobody said, it happened again). Moves shared with the customer
are one more piece of evidence.

:func:`read_reply` gathers all of this as a :class:`Reading`; its
:meth:`Reading.features` feed the paraphrase decision.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache
from typing import Final

from tutor.scenarios import Scenario
from tutor.scoring import lexicon
from tutor.scoring.moves import feelings_named, question_kind
from tutor.scoring.text import (
    Clause,
    clauses,
    concept_spans,
    content_concepts,
    is_content,
    person_neutral,
    sentences,
    similar,
    stem,
    swap_person,
    words,
)

COPY_RUN: Final = 3  # words copied in a row from the customer count as an echo
PARROT_SHARE: Final = 0.6  # a customer sentence this much echoed is parroted
CLAUSE_ECHO_SHARE: Final = 0.6  # a clause of the reply this much echo is parroting too
REPLY_ECHO_SHARE: Final = 0.5  # statements this much echo overall: every echo is discounted
RESTATED_COVERAGE: Final = 0.5  # share of a concern's content the reply must carry
LONG_CONCERN_WEIGHT: Final = 2.0
QUESTIONS_RESTATE = False
TOPIC_WEIGHT = 1.0
NOVEL_SHARE: Final = 0.5  # a piece this much new content is not about what the customer said
_GENERIC_WEIGHT: Final = 0.5  # "not", "day", "still" carry less meaning than "refund"
_GENERIC: Final = frozenset({"nobody", "day", "hour", "again", "late"})
_CARRIES_THE_STORY: Final = 4  # ideas of the customer's in one piece
_DISMISSALS: Final = tuple(re.compile(pattern) for pattern in lexicon.DISMISSALS)
_HABIT_PATTERNS: Final = tuple(re.compile(pattern) for pattern in lexicon.HABIT_PATTERNS)
_COMPARISON: Final = re.compile(r"\b(than|times|as much as|compared (to|with))\b")
_NEGATIONS: Final = frozenset({"not", "no", "nothing", "never", "nobody", "none"})
_OWNED: Final = ("us", "we", "our", "me", "i", "my", "ours")
_NOT_REFUSALS: Final = frozenset({"imagine", "believe", "begin", "blame", "stand", "think", "help"})
_FREQUENCIES: Final = frozenset({"always", "only ever"})
_NOMINAL_CAUSES: Final = frozenset({"because of", "due to", "owing to", "as a result of", "thanks to",
                                    "caused by"})
_CAUSE_ENDS: Final = frozenset({"so", "and", "but", "which", "then"})
_FAULTS: Final = frozenset({"mistake", "mistakes", "fault", "error", "errors", "wrong", "mess", "failure",
                            "failed", "forgot", "missed", "lost", "down", "let", "oversight", "blame"})
_CAUSE_HEDGE: Final = re.compile(r" (that|which) is (?:basically|probably|really|just|exactly|partly|mainly|"
                                 r"mostly|actually|simply|obviously|likely) (why|because) ")
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

    def weight(self, concepts: set[str] | list[str] | tuple[str, ...]) -> float:
        return sum(_GENERIC_WEIGHT if c in _GENERIC else 1.0 for c in set(concepts))


@dataclass(frozen=True)
class Complaint:
    """What the customer said, prepared once per scenario."""

    concerns: tuple[Concern, ...]
    sentences: tuple[tuple[str, ...], ...]  # person-folded words of each customer sentence
    raw_sentences: tuple[str, ...]
    concepts: frozenset[str]  # every content concept the customer used, person swapped
    topic: frozenset[str]  # concepts in most of the customer's sentences: the subject, not the concern
    moves: frozenset[str]
    said: str  # everything the customer said, as lower-case words with a leading space
    wishes: bool  # the customer said what they want ("I want a refund", "I need it by Friday")


@dataclass
class Reading:
    """Everything the paraphrase decision looks at, with the words behind it."""

    words: list[str]
    pieces: list[Piece]
    restated: list[tuple[Concern, float]] = field(default_factory=list)
    partial: float = 0.0  # best coverage of any concern by the reply's own words
    loose: float = 0.0  # best coverage counting echoed and offered words too
    parroted: list[str] = field(default_factory=list)
    echoed_phrases: list[str] = field(default_factory=list)  # the reply's words copied in runs, in order
    echo_share: float = 0.0  # share of the statements' content words that are echo
    explanation: str | None = None
    offer: str | None = None
    wrong: str | None = None  # a reflective clause about something the customer did not say
    shared_moves: tuple[str, ...] = ()
    novel_share: float = 0.0  # share of the statements' own content the customer never said
    reflective_opening: str | None = None
    misread: str | None = None  # the words by which a reflection tells the story otherwise (_misread)

    @property
    def only_questions(self) -> bool:
        return bool(self.pieces) and all(p.role in (Role.OPEN_QUESTION, Role.CLOSED_QUESTION)
                                         for p in self.pieces)


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
    # restating the first must not be credited as restating the second
    said = [concern(part) for s in raw for part in _CONCERN_SPLIT.split(s) if part.strip()]
    said = [c for c in said if len(c.concepts) >= 2]
    everything = [c for s in said for c in s.concepts] + [c for p in points for c in p.concepts]
    counts = {c: sum(c in s.concepts for s in said) for c in set(everything)}
    topic = frozenset(c for c, n in counts.items() if len(said) >= 3 and n >= max(2, len(said) * 0.6))
    if points:
        # trainees restate what they heard, not the authored summary: a sentence of the
        # customer's that shares content with a key point is another way to restate it
        def shared(a: Concern, b: Concern) -> int:
            return len({c for c in a.concepts if c not in _GENERIC} & set(b.concepts))

        linked = []
        for sentence in said:
            best = max(points, key=lambda point: shared(point, sentence))
            if shared(best, sentence):
                linked.append(Concern(sentence.text, sentence.concepts, best.point))
        concerns = tuple(points + linked)
    else:
        concerns = tuple(said)
    customer_words = [w for s in raw for w in swap_person(words(s))]
    return Complaint(concerns=concerns,
                     sentences=tuple(tuple(person_neutral(words(s))) for s in raw),
                     raw_sentences=raw,
                     concepts=frozenset(everything) | frozenset(content_concepts(customer_words)),
                     topic=topic,
                     moves=frozenset(moves_in(customer_words)),
                     said=" " + " ".join(customer_words),
                     wishes=bool(set(lexicon.WISH_WORDS) & set(customer_words))
                     or " would like " in f" {' '.join(customer_words)} ")


@lru_cache(maxsize=4096)
def _feeling_word(word: str) -> bool:
    return word in ("feel", "felt", "feeling", "feelings") or bool(feelings_named(word))


def concerns_of(scenario: Scenario) -> tuple[Concern, ...]:
    return complaint_of(scenario).concerns


def moves_in(tokens: list[str]) -> list[str]:
    """The moves of a complaint these words make (lexicon.MOVES), in order found."""
    joined = " " + " ".join(tokens) + " "
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
        if clause.question:
            role = Role.OPEN_QUESTION if question_kind(clause) == "open" else Role.CLOSED_QUESTION
            out.append(Piece(tuple(tokens), start, role))
        else:
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
                out.append(Piece(tuple(piece), start + a, role))
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
        return True
    if head in ("and", "so", "then") and following in lexicon.SUBJECT_STARTS:
        # "so let me check" starts an offer; "so let down" goes on describing
        return following != "let" or (index + 2 < len(tokens) and tokens[index + 2] in ("me", "us"))
    if " ".join(tokens[index:index + 3]) in ("that is why", "which is why", "that is because"):
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


def _subject(tokens: tuple[str, ...]) -> str:
    for token in tokens:
        if token not in lexicon.FILLERS and token not in ("because", "cause", "due", "owing", "of", "to",
                                                         "since", "as", "a", "result"):
            return token
    return ""


def read_reply(reply: str, scenario: Scenario) -> Reading:
    """Read ``reply`` against what the customer said in ``scenario``."""
    complaint = complaint_of(scenario)
    parts = clauses(reply)
    all_words = [w for c in parts for w in c.tokens]
    pieces = pieces_of(parts)
    reading = Reading(all_words, pieces)
    if not all_words:
        return reading
    reading.reflective_opening = _reflective_opening(all_words)
    statement_idx = [i for p in pieces if p.role in (Role.STATEMENT, Role.OFFER) for i in p.indexes]

    # echoes, on person- and tense-folded words
    folded = _as_the_customer_said(person_neutral(all_words), complaint)
    runs: list[tuple[int, set[int]]] = []  # (customer sentence, reply indexes echoed)
    for number, sentence in enumerate(complaint.sentences):
        if len(sentence) < COPY_RUN:
            continue
        matcher = SequenceMatcher(None, folded, list(sentence), autojunk=False)
        # a run of function words round one noun ("the nursery was") is grammar, not an echo
        blocks = [b for b in matcher.get_matching_blocks()
                  if b.size >= COPY_RUN and sum(is_content(w) for w in sentence[b.b: b.b + b.size]) >= 2]
        echoed = {i for b in blocks for i in range(b.a, b.a + b.size)}
        if echoed:
            share = sum(b.size for b in blocks) / len(sentence)
            runs.append((number, echoed))
            if share >= PARROT_SHARE:
                reading.parroted.append(" ".join(words(complaint.raw_sentences[number])))
    copied: set[int] = set()
    for number, echoed in runs:
        text = " ".join(words(complaint.raw_sentences[number]))
        if text in reading.parroted:
            copied |= echoed
            continue
        for piece in pieces:
            inside = echoed & set(piece.indexes)
            content = [i for i in piece.indexes if is_content(all_words[i])]
            echoed_content = len(inside & set(content))
            # "on a special weekend" quotes a detail; a clause of three echoed ideas is an echo
            if echoed_content >= 3 and echoed_content / len(content) >= CLAUSE_ECHO_SHARE:
                copied |= inside
                if text not in reading.parroted:
                    reading.parroted.append(text)
    statement_content = [i for i in statement_idx if is_content(all_words[i])]
    any_echo = {i for _, echoed in runs for i in echoed}
    reading.echoed_phrases = _phrases(all_words, any_echo)
    if statement_content:
        reading.echo_share = len(any_echo & set(statement_content)) / len(statement_content)
        if reading.echo_share >= REPLY_ECHO_SHARE:
            copied |= any_echo
            if reading.echo_share > REPLY_ECHO_SHARE:
                # a reply that is mostly the customer's sentences said back (in runs, reordered,
                # half of each) copies the rest of their words too: they are not its own either
                said = set(person_neutral(complaint.said.split()))
                copied |= {i for i in statement_content if folded[i] in said}
            # the sentence echoed most is the one to name in the feedback
            for number, _ in sorted(runs, key=lambda run: -len(run[1])):
                text = " ".join(words(complaint.raw_sentences[number]))
                if text not in reading.parroted:
                    reading.parroted.append(text)

    # explanations, offers, wrong concerns: piece by piece
    reading.explanation = _stock_dismissal(all_words)
    novel_total = own_total = 0
    for number, piece in enumerate(pieces):
        if piece.role in (Role.OPEN_QUESTION, Role.CLOSED_QUESTION):
            continue
        concepts = [c for c in content_concepts([w for i, w in zip(piece.indexes, piece.tokens, strict=True)
                                                 if i not in copied])]
        novel = [c for c in concepts if not any(similar(c, k) for k in complaint.concepts)]
        if piece.role is Role.OFFER:
            reading.offer = reading.offer or piece.text
            continue
        if _own_story(piece.tokens):
            pieces[number] = Piece(piece.tokens, piece.start, Role.OWN_STORY)
            continue
        novel_total += len(novel)
        own_total += len(concepts)
        reason = _explains(piece, pieces[number - 1] if number else None, complaint)
        if reason and not reading.explanation:
            reading.explanation = reason
        if reason:
            pieces[number] = Piece(piece.tokens, piece.start, Role.EXPLANATION)
            continue
        # "so you want to know why ..." puts a wish in the mouth of a customer who voiced none
        # "so you'd like to rebook" to a customer who wants their money back: a wish they voiced,
        # but not this one, is put in their mouth all the same
        unvoiced_wish = _wishes(piece.tokens) and (
            not complaint.wishes or _mostly_new(piece.tokens, complaint))
        misread = _misread(number, pieces, complaint)
        reading.misread = reading.misread or misread
        # a problem word the customer never used ("damaged") makes a wrong concern of a short
        # reflection; in one that carries much of what they said ("the special weekend you paid
        # extra for spoiled by the wrong room") it is the trainee's word for their problem
        carried = len(concepts) - len(novel)
        new_problem = carried < _CARRIES_THE_STORY and _new_problem(piece, complaint)
        if unvoiced_wish or misread or new_problem:
            reading.wrong = reading.wrong or piece.text
            pieces[number] = Piece(piece.tokens, piece.start, Role.OTHER_CONCERN)
    reading.novel_share = novel_total / own_total if own_total else 0.0

    # restatement: concerns carried by the reply's own words
    own = _own_words(all_words, pieces, copied)
    own_concepts = content_concepts(own)
    loose_concepts = content_concepts(all_words)
    for concern in complaint.concerns:
        matched = [c for c in concern.concepts if any(similar(c, r) for r in own_concepts)]
        total = concern.weight(concern.concepts) or 1.0
        weight = concern.weight([c for c in matched if c not in complaint.topic]) + \
            TOPIC_WEIGHT * concern.weight([c for c in matched if c in complaint.topic])
        coverage = concern.weight(matched) / total
        needed = min(2, len(concern.concepts))
        # a long concern is restated by its two or three strongest ideas, not by half of it
        enough = min(RESTATED_COVERAGE * total, LONG_CONCERN_WEIGHT)
        # "not" and "late" alone restate nothing: at least one idea of the concern's own must be there
        specific = any(c not in _GENERIC for c in matched)
        if weight >= enough and len(matched) >= needed and specific:
            reading.restated.append((concern, coverage))
        reading.partial = max(reading.partial, coverage)
        loose = [c for c in concern.concepts if any(similar(c, r) for r in loose_concepts)]
        reading.loose = max(reading.loose, concern.weight(loose) / total)
    reading.shared_moves = tuple(m for m in dict.fromkeys(moves_in(own)) if m in complaint.moves)
    return reading


def _as_the_customer_said(folded: list[str], complaint: Complaint) -> list[str]:
    """The reply's words, each as the customer said it when it is the same word in another
    form ("grabbed" for "grab") or misheard near it in spelling ("parcells"), so an echo is
    found however the recogniser spelled it. Other words for the same idea stay apart: those
    are the trainee's own.
    """
    vocabulary = _customer_vocabulary(complaint.sentences)
    out = []
    for word in folded:
        if word in vocabulary or not is_content(word):
            out.append(word)
            continue
        match = vocabulary.get("=" + stem(word)) or next(
            (said for said in vocabulary if not said.startswith("=") and similar(word, said)), None)
        out.append(match or word)
    return out


@lru_cache(maxsize=64)
def _customer_vocabulary(sentences: tuple[tuple[str, ...], ...]) -> dict[str, str]:
    """Every word the customer said (to itself) and each content word's stem (to the word)."""
    vocabulary = {w: w for sentence in sentences for w in sentence}
    vocabulary |= {"=" + stem(w): w for sentence in sentences for w in sentence if is_content(w)}
    return vocabulary


def _phrases(all_words: list[str], indexes: set[int]) -> list[str]:
    """Consecutive runs of the given word indexes, as text, in the reply's order."""
    phrases: list[list[str]] = []
    previous = -2
    for index in sorted(indexes):
        if index != previous + 1:
            phrases.append([])
        phrases[-1].append(all_words[index])
        previous = index
    return [" ".join(phrase) for phrase in phrases]


def _own_words(all_words: list[str], pieces: list[Piece], copied: set[int]) -> list[str]:
    """The reply's own restating words: its statements, less echoes.

    A question asks instead of reflecting, even an open one that mentions the
    customer's topic ("can you tell me more about what the engineer did");
    offers and explanations restate nothing.
    """
    out: list[str] = []
    for piece in pieces:
        if piece.role is Role.STATEMENT or (QUESTIONS_RESTATE and piece.role is Role.OPEN_QUESTION):
            out.extend(all_words[i] for i in piece.indexes if i not in copied)
        out.append("|")  # keeps phrases from joining across pieces
    return out


def _explains(piece: Piece, previous: Piece | None, complaint: Complaint) -> str | None:
    """The phrase by which this piece explains the problem instead of reflecting it, if any."""
    text = f" {piece.text} "
    reflective = _reflects(piece.tokens) or (previous is not None and _reflects(previous.tokens))
    for phrase in (*lexicon.GENERALISERS, *lexicon.HABITS):
        if f" {phrase} " not in text:
            continue
        before = text.split(f" {phrase} ", 1)[0].split()
        # "what you'd usually pay" is the customer's habit, not an excuse; "if I have this
        # right, you agreed to the surgery" tells their story back
        said_before = f" {' '.join(before)} "
        framed = reflective or any(f" {frame} " in said_before for frame in lexicon.REFLECTIVE_FRAMES)
        # "three times what it usually costs" compares with the customer's normal, even when
        # the recogniser has lost the "you"
        compared = bool(_COMPARISON.search(" ".join(before[-5:])))
        if _subject(piece.tokens) in ("you", "your") or {"you", "your"} & set(before[-5:]) or compared or (
                framed and "you" in phrase.split()):
            continue
        # "so the bus is always late" tells the customer's story back; "glass items are always a
        # risk on narrow stairs" brings in news to account for it
        if phrase in _FREQUENCIES and not _mostly_new(piece.tokens, complaint):
            continue
        # "it doesn't usually take this long", "nothing you could point to would explain it": a
        # habit or an explanation denied says the problem is out of the ordinary, which is the
        # customer's point, not an excuse
        if _NEGATIONS & set(before[-6:]):
            continue
        return phrase
    consequence = _consequence_of(piece, previous, complaint)
    if consequence:
        return consequence
    for pattern in _HABIT_PATTERNS:
        found = pattern.search(piece.text)
        if found and _subject(piece.tokens) not in ("you", "your"):
            return found.group(0)
    # "that's basically why", "which is probably because": a hedge does not change the cause
    text = _CAUSE_HEDGE.sub(r" \1 is \2 ", text)
    for marker in lexicon.CAUSES:
        if f" {marker} " not in text:
            continue
        after = text.split(f" {marker} ", 1)[1].split()
        before = text.split(f" {marker} ", 1)[0].split()
        cause = after if after else before
        if marker in ("that is why", "which is why"):
            # "X, that's why Y": the cause is what came before, in this piece or the last one
            cause = before if content_concepts(before) else list(previous.tokens) if previous else []
            after = [] if cause is before or not cause else after
        if cause is after and marker in _NOMINAL_CAUSES:
            # "because of a conference this weekend, so reception had no rooms": a cause named by
            # a noun ends where the next clause starts
            cut = next((i for i, t in enumerate(after) if i and t in _CAUSE_ENDS), len(after))
            cause = after = after[:cut]
        # "because of us", "due to our mistake": a cause the company owns is an apology's reason,
        # not an excuse; "because you paid extra" is the customer's own story. "Our fitters are
        # booked back to back" owns nothing: it excuses by the company's circumstances
        subject = _subject(tuple(cause))
        owned_fault = subject in _OWNED and (subject != "our" or bool(_FAULTS & set(cause)))
        if subject in ("you", "your", "yourself") or owned_fault:
            continue
        concepts = content_concepts(cause)
        novel = [c for c in concepts if not any(similar(c, k) for k in complaint.concepts)]
        # "so you lost eight hundred because the machines were down" reflects the customer's
        # account of the cause; only a cause with nothing of theirs in it explains it away
        reflected = reflective and len(novel) < len(concepts)
        if concepts and len(novel) / len(concepts) >= NOVEL_SHARE and not reflected:
            shown = " ".join((cause if cause is after else cause[-5:]) [:6])
            return f"{marker} {shown}" if cause is after else f"{shown} {marker}"
    return None


def _mostly_new(tokens: tuple[str, ...], complaint: Complaint) -> bool:
    """Is most of this stretch's content something the customer never said?"""
    concepts = content_concepts(list(tokens))
    novel = [c for c in concepts if not any(similar(c, k) for k in complaint.concepts)]
    return bool(concepts) and len(novel) / len(concepts) >= NOVEL_SHARE


def _consequence_of(piece: Piece, previous: Piece | None, complaint: Complaint) -> str | None:
    """ "The other couple booked first, so the system picked one": the problem as a result of news.

    A piece that starts "so the ...", "so they ..." after a statement whose content the
    customer never said accounts for the problem by that statement, as "because" would; "so
    you had to take the day off" goes on with the customer's story, "so it would be there on
    the day" states a purpose, and a cause the customer gave ("the engineer never came, so
    the day was wasted") is theirs.
    """
    if (previous is None or previous.role is not Role.STATEMENT or len(piece.tokens) < 2
            or piece.tokens[0] != "so" or piece.tokens[1] in ("you", "your", "i", "we", "let")):
        return None
    if _reflects(previous.tokens) or _subject(previous.tokens) in ("you", "your", *_OWNED):
        return None
    # "you paid for express so it would be there": a purpose, not a result
    if {"would", "could", "can", "might", "will"} & set(piece.tokens[1:4]) or piece.tokens[1] == "that":
        return None
    concepts = content_concepts(list(previous.tokens))
    novel = [c for c in concepts if not any(similar(c, k) for k in complaint.concepts)]
    if len(concepts) >= 2 and len(novel) / len(concepts) >= NOVEL_SHARE:
        return f"{' '.join(previous.tokens[-5:])} so"
    return None


def _reflects(tokens: tuple[str, ...]) -> bool:
    """Is this piece shaped as a reflection of the customer ("so you ...", "you'd like to ...")?"""
    return _opening(tokens).startswith(lexicon.REFLECTIVE_FRAMES)


def _new_problem(piece: Piece, complaint: Complaint) -> str | None:
    """A problem this reflection names that the customer never reported, if any."""
    if not _reflects(piece.tokens) and not piece.text.startswith(("so the", "so your", "so it")):
        return None
    text = " " + piece.text
    for problem in lexicon.PROBLEMS:
        if f" {problem}" not in text or f" {problem}" in complaint.said:
            continue
        # "the noise kept you up" restates "the air conditioning rattles so loudly"
        said_as = [w for w in piece.tokens if w.startswith(problem.split()[0])]
        if not any(similar(c, k) for c in content_concepts(said_as) for k in complaint.concepts):
            return problem
    return None


# --- misreadings: a reflection that tells the customer's story otherwise -----------------------


def _misread(number: int, pieces: list[Piece], complaint: Complaint) -> str | None:
    """The words by which this piece tells the customer's story otherwise, if any.

    Four shapes, each a claim about what happened rather than a list of examples: an event
    the customer said never happened told as happening (:func:`_contradiction`), the opposite of
    a word of theirs (:func:`_opposite_of_theirs`), a cause the trainee
    joined to the story ("so the driver was late, and that's why the fare went up"), and a
    part granted as gone right that the customer never granted ("so the room was fine, but").
    """
    piece = pieces[number]
    previous = pieces[number - 1] if number else None
    following = pieces[number + 1] if number + 1 < len(pieces) else None
    contradiction = _contradiction(piece, complaint) or _opposite_of_theirs(piece.tokens, complaint)
    if contradiction:
        return contradiction
    framed = _reflects(piece.tokens) or piece.text.startswith(("so the", "so your", "so it"))
    if framed and following is not None and _INFERRED_LINK.match(following.text):
        return following.text
    if previous is not None and previous.role is Role.OTHER_CONCERN and _INFERRED_LINK.match(piece.text):
        return piece.text  # the link itself, after the reflection it was joined to
    conceded = [t for t in piece.tokens if t in _WENT_RIGHT and f" {t} " not in complaint.said + " "]
    if framed and conceded and following is not None and following.tokens[0] == "but":
        return " ".join(conceded)
    return None


_INFERRED_LINK: Final = re.compile(r"^(and |so )?(that|this) (is|has) (why|what|made|caused|pushed|led)\b"
                                   r"|^(and |so )?(that|this) (made|caused|pushed|led to|meant)\b")
_WENT_RIGHT: Final = frozenset({"fine", "okay", "good", "great", "fixed", "sorted", "worked", "finished",
                                "resolved", "perfect", "ok"})


# words that deny what stands in their scope, and words that close that scope ("nobody came and
# the parcel was late": "late" is not denied)
_DENIALS: Final = frozenset({"not", "never", "nobody", "no", "nothing", "none", "without", "neither", "nor",
                             "failed", "fails", "fail", "missed"})
_DENIED_AFTER: Final = frozenset({"nothing", "nobody", "none", "never", "no", "nowhere"})  # "heard nothing"
_SCOPE_ENDS: Final = frozenset({"and", "but", "so", "because", "when", "then", "until", "after", "before",
                                "since", "while", "which", "who", "that", "though", "although", "if", "or",
                                "|"})
# the events a service complaint turns on having happened or not: someone came, someone called
# (synonym groups of lexicon.SYNONYMS); other ideas are too often denied in passing ("I haven't
# had internet for nine days") for a denial to make them the customer's point
_EVENTS: Final = frozenset({"arrive", "tell", "callback"})
_NOT_FACTUAL: Final = frozenset({"to", "would", "will", "could", "can", "should", "might", "may", "must",
                                 "if", "want", "wanted", "like", "hoping", "expect", "expected", "supposed"})
# "express delivery", "the call": the idea named as a thing, not told as happening
_BEFORE_NOUN: Final = frozenset({"the", "a", "an", "for", "with", "of", "your", "my", "our", "their", "by",
                                 "express", "faster", "fast", "next", "on", "in", "any", "its", "this",
                                 "that", "no", "first", "one", "every"})
_OTHER_SENSE: Final = frozenset({"in", "into", "from", "across", "with", "over", "through", "at", "as", "of",
                                 "first", "back", "round", "around"})


def _denied(tokens: list[str] | tuple[str, ...], start: int, end: int) -> bool:
    """Is the idea at tokens[start:end] denied ("hasn't turned up", "nobody came", "heard nothing")?"""
    for back in range(start - 1, max(-1, start - 6), -1):
        if tokens[back] in _SCOPE_ENDS:
            break
        if tokens[back] in _DENIALS:
            return True
    return any(t in _DENIED_AFTER for t in tokens[end:end + 4])


@lru_cache(maxsize=64)
def _customer_polarity(scenario_said: tuple[tuple[str, ...], ...]) -> dict[str, frozenset[bool]]:
    """Each idea the customer voiced, with whether they asserted it, denied it, or both."""
    seen: dict[str, set[bool]] = {}
    for sentence in scenario_said:
        for start, end, idea in concept_spans(sentence):
            denied = _denied(sentence, start, end)
            seen.setdefault(idea, set()).add(denied)
            # the word itself too: "called" is denied where "told" in the same group was not
            seen.setdefault("=" + stem(sentence[start]), set()).add(denied)
    return {idea: frozenset(polarities) for idea, polarities in seen.items()}


def _contradiction(piece: Piece, complaint: Complaint) -> str | None:
    """An event this piece asserts that the customer only ever denied ("so the engineer came out"
    to "your engineer hasn't turned up"), as the words that assert it.

    Only the one direction: a reflection that denies what the customer asserted is often
    right in other words ("you were told a week" / "so nobody has told you anything since").
    """
    said = _customer_polarity(tuple(tuple(swap_person(words(s))) for s in complaint.raw_sentences))
    tokens = piece.tokens
    for start, end, idea in concept_spans(tokens):
        if idea not in _EVENTS:
            continue
        before = tokens[max(0, start - 3): start]
        following = tokens[end] if end < len(tokens) else ""
        # only a fact told as happening, by someone else: not "you'd like the engineer to come",
        # "you called us", "I can hear"; nor another sense ("water coming in", "heard of")
        if (set(before) & _NOT_FACTUAL or {"you", "i"} & set(before[-2:])
                or following in _OTHER_SENSE or (before and before[-1] in _BEFORE_NOUN)):
            continue
        polarities = said.get("=" + stem(tokens[start])) or next(
            (p for k, p in said.items() if similar(idea, k)), None)
        if polarities == frozenset({True}) and not _denied(tokens, start, end):
            return " ".join(tokens[max(0, start - 2): end + 1])
    return None


def _opposite_of_theirs(tokens: tuple[str, ...], complaint: Complaint) -> str | None:
    """ "A different fault" to a customer whose laptop does "exactly the same thing", "the drain
    inside" to one whose drain is outside: the opposite of a word they used, and not the word.
    """
    customer = set(complaint.said.split())
    for index, token in enumerate(tokens):
        opposite = _OPPOSITES.get(token)
        if opposite and opposite & customer and not _OPPOSITES[token] & set(tokens) and \
                not (_OPPOSITE_GROUP[token] & customer) and not _denied(tokens, index, index + 1):
            return " ".join(tokens[max(0, index - 2): index + 2])
    return None


_OPPOSITE_PAIRS: Final = ((frozenset({"same", "identical"}), frozenset({"different"})),
                          (frozenset({"inside"}), frozenset({"outside"})),
                          (frozenset({"more"}), frozenset({"less", "fewer"})),
                          (frozenset({"cheaper"}), frozenset({"dearer"})))
# each word: the words opposite it, and the words of its own side
_OPPOSITES: Final = ({w: b for a, b in _OPPOSITE_PAIRS for w in a}
                     | {w: a for a, b in _OPPOSITE_PAIRS for w in b})
_OPPOSITE_GROUP: Final = ({w: a for a, b in _OPPOSITE_PAIRS for w in a}
                          | {w: b for a, b in _OPPOSITE_PAIRS for w in b})


def _own_story(tokens: tuple[str, ...]) -> bool:
    """Does this piece tell the trainee's own experience ("I had exactly this last year", "when my
    wifi went down I was so stressed", "I started a new job last year")?

    Told in the first person singular, in the past, with a verb of doing or being rather than of
    taking in what the customer said ("I heard", "I understand", "I got that").
    """
    opening = _opening(tokens).split()
    while opening and opening[0] in _STORY_LEAD:
        opening = opening[1:]
    if opening[:2] == ["my", "own"] or (opening[:1] == ["when"] and opening[1:2] in (["i"], ["my"])):
        return True
    if opening[:1] != ["i"]:
        return False
    verbs = [t for t in opening[1:4] if t not in _STORY_ADVERBS]
    verb = verbs[0] if verbs else ""
    if verb in ("was", "had", "used", "went", "lost", "got", "started", "did", "once", "remember") and \
            (verb != "got" or (len(verbs) > 1 and verbs[1] not in ("it", "that", "this", "you"))):
        return True
    return verb.endswith("ed") and verb not in _TAKING_IN and verb not in lexicon.NOT_OFFER_VERBS


_STORY_LEAD: Final = frozenset({"oh", "god", "gosh", "honestly", "yeah", "so", "um", "uh", "er", "well",
                                "and", "you", "know", "like", "look", "mate", "actually"})
_STORY_ADVERBS: Final = frozenset({"also", "too", "just", "actually", "once", "even", "really", "literally"})
# what the trainee did with the customer's account or for them: not a story of their own
_TAKING_IN: Final = frozenset({
    "heard", "understood", "gathered", "noticed", "realised", "realized", "learned", "learnt", "listened",
    "followed", "checked", "looked", "picked", "noted", "missed", "apologised", "apologized", "wanted",
    "needed", "asked", "called", "phoned", "rang", "booked", "arranged", "raised", "logged", "emailed",
    "passed", "escalated", "refunded", "credited", "spoke", "spoken", "talked", "sorted"})


def _wishes(tokens: tuple[str, ...]) -> bool:
    """Does this piece tell the customer what they want ("so you'd like to change the address")?

    Said as a cleft too: "so what you really want is", "what you'd like is" frame the same wish.
    """
    opening = _opening(tokens)
    cleft = _CLEFT.sub(r"\1you \3", opening)
    return opening.startswith(lexicon.WISH_FRAMES) or (
        cleft != opening and cleft.startswith(lexicon.WISH_FRAMES))


_CLEFT: Final = re.compile(r"^(so )?what you (really |actually |mainly |just |most )*(\w+ (like|to)|\w+)")


def _opening(tokens: tuple[str, ...]) -> str:
    """The first words of a piece after any leading fillers ("okay, right, so you ...")."""
    start = 0
    while start < len(tokens) and tokens[start] in ("okay", "ok", "right", "oh", "well", "and"):
        start += 1
    return " ".join(tokens[start:start + 8])


def _stock_dismissal(text_words: list[str]) -> str | None:
    """The stock phrase that explains the problem away, if the reply has one."""
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


def _reflective_opening(tokens: list[str]) -> str | None:
    joined = " ".join(tokens)
    for cue in lexicon.REFLECTIONS:
        if re.search(rf"\b{re.escape(cue)}\b", joined):
            return cue
    return None


FEATURES: Final = ("restated", "coverage", "loose_coverage", "echo_share", "parroted", "explanation",
                   "offer", "wrong_concern", "moves", "novel_share", "reflective_opening",
                   "only_questions", "statement_words")


def features(reading: Reading) -> tuple[float, ...]:
    """The reading as numbers, in the order of :data:`FEATURES`, for a fitted decision."""
    statement_words = sum(len(p.tokens) for p in reading.pieces if p.role is Role.STATEMENT)
    return (float(bool(reading.restated)), reading.partial, reading.loose, reading.echo_share,
            float(bool(reading.parroted)), float(reading.explanation is not None),
            float(reading.offer is not None), float(reading.wrong is not None),
            min(1.0, len(reading.shared_moves) / 3), reading.novel_share,
            float(reading.reflective_opening is not None), float(reading.only_questions),
            min(1.0, statement_words / 20))
