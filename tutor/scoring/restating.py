"""Reading a reply against the customer's complaint: what it restates, echoes, explains away, offers.

Restating a concern is a claim about meaning, and words alone mislead. What
the customer said, and how a reply is cut into pieces with one job each (a
statement, a question, an offer), is :mod:`tutor.scoring.complaint`; the ways
a piece looks like a restatement without being one (explanations, wrong
concerns and misreadings, the trainee's own story) are
:mod:`tutor.scoring.lookalikes`. This module reads the whole reply:

* **Echoes.** Saying the customer's sentence back ("you paid extra for express
  delivery") carries all their words and none of the trainee's. Echoes are
  found on person- and tense-folded words ("I was" = "you were", "my" =
  "your"), in runs of three or more, per customer sentence and per clause of
  the reply: a sentence mostly echoed, a clause mostly made of echo, or a
  reply whose statements are mostly echo earns nothing for those words; in a
  reply that is more than half echo, the customer's words outside the runs
  (two half sentences said back, reordered) are not its own words either.
* **Own words.** A concern is restated when the reply's own words (its
  statements, less echoes; not its questions, offers or explanations) carry
  enough of its content, matched by synonym group, stem or a near miss in
  spelling: half of it, or its two strongest ideas when it is long, at least
  one of them specific to it. In a later turn of a conversation that says
  something new, one of them must be new: the opening said back again
  restates nothing of the turn (:attr:`Reading.says_before_again`).
* **A reflection, then an excuse.** "So it's been up since June despite six
  calls - to be fair, if you'd signed the form ..." said the concern back
  before the blame began: the words before the excuse are read as a reply of
  their own (:attr:`Reading.before_excuse`), and the excuse does not unsay
  them. The company's own news before "so" is the excuse's premise, not a
  reflection.

And one in the other direction: a restatement in quite different words ("it
let you down exactly when it mattered most") shares few words but the same
*moves* of a complaint (something failed, the customer did their part, it
mattered, nobody said, it happened again). Moves shared with the customer
are one more piece of evidence.

:func:`read_reply` gathers all of this as a :class:`Reading`; the numbers of
:func:`features` feed the paraphrase decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Final

from tutor.scenarios import Scenario
from tutor.scoring import lexicon, lookalikes
from tutor.scoring.complaint import (
    GENERIC_CONCEPTS,
    Complaint,
    Concern,
    Piece,
    Role,
    complaint_of,
    moves_in,
    pieces_of,
)
from tutor.scoring.moves import feelings_named
from tutor.scoring.text import clauses, content_concepts, is_content, person_neutral, similar, stem, words

COPY_RUN: Final = 3  # words copied in a row from the customer count as an echo
PARROT_SHARE: Final = 0.6  # a customer sentence this much echoed is parroted
CLAUSE_ECHO_SHARE: Final = 0.6  # a clause of the reply this much echo is parroting too
REPLY_ECHO_SHARE: Final = 0.5  # statements this much echo overall: every echo is discounted
RESTATED_COVERAGE: Final = 0.5  # share of a concern's content the reply must carry
LONG_CONCERN_WEIGHT: Final = 2.0
_CARRIES_THE_STORY: Final = 4  # ideas of the customer's in one piece


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
    explanation_at: int = 0  # index of the first word of the (first) explanation
    said_before_excuse: Reading | None = None  # the words before the explanation, read alone
    before_excuse: Reading | None = None  # the same, where the rules find a reflection in them
    says_before_again: bool = False  # in a later turn, only what the customer had said before it
    offer: str | None = None
    wrong: str | None = None  # a reflective clause about something the customer did not say
    shared_moves: tuple[str, ...] = ()
    novel_share: float = 0.0  # share of the statements' own content the customer never said
    reflective_opening: str | None = None
    misread: str | None = None  # words by which a reflection tells the story otherwise (lookalikes.misread)
    carried: int = 0  # distinct ideas of the customer's own (not generic) the reply's own words carry

    @property
    def only_questions(self) -> bool:
        return bool(self.pieces) and all(p.role in (Role.OPEN_QUESTION, Role.CLOSED_QUESTION)
                                         for p in self.pieces)


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
    stock = lookalikes.stock_dismissal(all_words)
    if stock:
        reading.explanation = stock[0]
    explained_from = len(all_words)  # where the first explanation starts
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
        if lookalikes.own_story(piece.tokens):
            pieces[number] = Piece(piece.tokens, piece.start, Role.OWN_STORY)
            continue
        novel_total += len(novel)
        own_total += len(concepts)
        explained = lookalikes.explains(piece, pieces[number - 1] if number else None, complaint)
        if explained and _premise_of_a_fix(pieces, number):
            explained = None
        reason = explained[0] if explained else None
        if explained:
            # "the depot was short of vans, so ...": the explanation starts with its premise. The
            # phrase named is a stock one if the reply has one, else the first; where it starts is
            # wherever the first one does
            reading.explanation = reading.explanation or explained[0]
            explained_from = min(explained_from, pieces[number - 1].start if explained[1] and number
                                 else piece.start + _told_first(piece, explained[0]))
        if reason:
            pieces[number] = Piece(piece.tokens, piece.start, Role.EXPLANATION)
            continue
        # "so you want to know why ..." puts a wish in the mouth of a customer who voiced none
        # "so you'd like to rebook" to a customer who wants their money back: a wish they voiced,
        # but not this one, is put in their mouth all the same
        unvoiced_wish = lookalikes.wishes(piece.tokens) and (
            not complaint.wishes or lookalikes.mostly_new(piece.tokens, complaint))
        misread = lookalikes.misread(number, pieces, complaint)
        reading.misread = reading.misread or misread
        # a problem word the customer never used ("damaged") makes a wrong concern of a short
        # reflection; in one that carries much of what they said ("the special weekend you paid
        # extra for spoiled by the wrong room") it is the trainee's word for their problem
        carried = len(concepts) - len(novel)
        new_problem = carried < _CARRIES_THE_STORY and lookalikes.new_problem(piece, complaint)
        if unvoiced_wish or misread or new_problem:
            reading.wrong = reading.wrong or piece.text
            pieces[number] = Piece(piece.tokens, piece.start, Role.OTHER_CONCERN)
    reading.novel_share = novel_total / own_total if own_total else 0.0
    if stock:
        # the piece a stock phrase stands in explains; it restates nothing from the phrase on
        explained_from = min(explained_from, _explanation_start(pieces, stock[1]))
    if stock or any(p.start < explained_from < p.start + len(p.tokens) for p in pieces):
        pieces[:] = [part for p in pieces for part in _cut_at(p, explained_from)]
    reading.explanation_at = explained_from if reading.explanation else 0

    # restatement: concerns carried by the reply's own words
    own = _own_words(all_words, pieces, copied)
    own_concepts = content_concepts(own)
    loose_concepts = content_concepts(all_words)
    carried_ideas: set[str] = set()
    for concern in complaint.concerns:
        coverage, restated = _carried(concern, own_concepts)
        if restated:
            reading.restated.append((concern, coverage))
        reading.partial = max(reading.partial, coverage)
        if coverage:
            carried_ideas |= {c for c in concern.concepts if c not in GENERIC_CONCEPTS
                              and any(similar(c, r) for r in own_concepts)}
        loose = [c for c in concern.concepts if any(similar(c, r) for r in loose_concepts)]
        reading.loose = max(reading.loose, concern.weight(loose) / (concern.weight(concern.concepts) or 1.0))
    reading.carried = len(carried_ideas)
    # a later turn that says something new, answered with what the customer said before it ("the
    # present came after the birthday" to "her party is on Saturday"): nothing of this turn is said back
    # (a turn whose own key points are all old news, such as an escalation that repeats the opening,
    # is restated by the old news)
    fresh = [c for c in complaint.concerns if c.fresh]
    new_points = any(c.fresh for c in complaint.concerns if c.text == c.point)
    reading.says_before_again = new_points and not reading.restated and not any(
        _carried(c, own_concepts)[0] for c in fresh) and any(similar(o, b) for o in own_concepts
                                                               for b in complaint.before)
    if reading.explanation and reading.explanation_at:
        # "so it's been up since June despite six calls - to be fair, if you'd signed the form...":
        # what was said back before the blame began is judged as a reply of its own; the blame does
        # not unsay it. Only the customer's story counts: a reflection ("so it's been up since
        # June", "so you were cut off"), or words to the customer in which the rules find their
        # concern ("sewage has come up in your garden three times"); the company's own news
        # before an excuse ("the hotel was full, so", "the units come from our supplier, that's
        # why") is its premise
        reflected = any(p.role in _SAID_BACK and (lookalikes.reflects(p.tokens)
                                                  or _tells_their_story(p.tokens))
                        for p in pieces if p.start + len(p.tokens) <= reading.explanation_at)
        said_back = reading.said_before_excuse = read_reply(" ".join(all_words[:reading.explanation_at]),
                                                            scenario)
        if reflected or (said_back.restated and not said_back.explanation
                         and not _ADDRESSED.isdisjoint(all_words[:reading.explanation_at])):
            reading.before_excuse = said_back
    reading.shared_moves = tuple(m for m in dict.fromkeys(moves_in(own)) if m in complaint.moves)
    return reading


def _tells_their_story(tokens: tuple[str, ...]) -> bool:
    """ "You paid for a console and got an empty box", "so it cut out again within the hour", "okay,
    so he turned up after the ceremony": what happened to the customer, told back, whatever frame
    it comes in."""
    opening = lookalikes.opening_of(tokens)
    granted = opening.startswith(_GRANTED) or any(
        opening.startswith(f"{verb} {subject} ") for verb in _GRANTING for subject in _CLAUSE_SUBJECTS)
    if granted and not feelings_named(" ".join(tokens)):
        # "I get that the bag was two poles short", "I understand she was put on the young horse";
        # not "I can see you're upset"
        return True
    return opening.startswith(_TOLD_BACK) or (
        len(tokens) > 1 and tokens[0] == "you" and (tokens[1].endswith("ed") or tokens[1] in _STORY_VERBS))


_ADDRESSED: Final = frozenset({"you", "your", "yours", "yourself"})  # words spoken to the customer
_TOLD_BACK: Final = ("so it ", "so its ", "so nobody ", "so no one ", "so they ", "so he ", "so she ",
                     "so there ", "so we ", "so our ")
# a reflection the rules took for another concern ("so the skip's damaged your drive" to a cracked
# drive) is still one said back before the excuse: whether it restates is the decision's to weigh
_SAID_BACK: Final = (Role.STATEMENT, Role.OTHER_CONCERN)
# the customer's account granted before an excuse: "I get that the bag was two poles short. The
# thing is, ..."
_GRANTED: Final = ("i get that ", "i can see ", "i see that ", "i understand that ", "i know that ",
                   "i appreciate that ", "i hear that ", "i realise that ", "i realize that ")
# the same without "that": a granting verb straight before the clause's subject
_GRANTING: Final = tuple(frame.removesuffix(" that ").strip() for frame in _GRANTED)
_CLAUSE_SUBJECTS: Final = ("she", "he", "they", "it", "the", "your", "you", "nobody", "no one", "there")
_STORY_VERBS: Final = frozenset({"were", "have", "had", "got", "paid", "went", "came", "lost", "sent",
                                 "bought", "told", "spent", "left", "took", "gave", "made", "found", "saw",
                                 "heard"})


def _premise_of_a_fix(pieces: list[Piece], number: int) -> bool:
    """ "Since the fault came straight back, I'll arrange a collection": a cause that leads into
    the trainee's own fix is why they act, the customer's problem said back, not an excuse."""
    piece = pieces[number]
    return piece.tokens[0] in _PREMISES and number + 1 < len(pieces) and pieces[number + 1].role is Role.OFFER


_PREMISES: Final = frozenset({"since", "because", "as", "seeing", "given", "now"})


def _told_first(piece: Piece, phrase: str) -> int:
    """Where in ``piece`` an excuse named by ``phrase`` begins: at its own clause when the piece
    first tells the customer's story back ("so it's been out for delivery for five days | that's
    usually the courier"), else at the piece's start."""
    said = " ".join(piece.tokens)
    if f" {phrase} " not in f" {said} " or not (lookalikes.reflects(piece.tokens)
                                                 or _tells_their_story(piece.tokens)):
        return 0
    at = len(f" {said} ".split(f" {phrase} ", 1)[0].split())
    # the clause the excuse is said in opens with its subject, a few words before the phrase
    subject = next((i for i in range(at - 1, max(at - 4, 0), -1) if piece.tokens[i] in _NEW_SUBJECTS), None)
    return subject if subject is not None and subject >= _TOLD_WORDS else 0


_NEW_SUBJECTS: Final = frozenset({"that", "which", "this", "it", "they", "we", "there"})
_TOLD_WORDS: Final = 4  # the fewest words of story before the excuse's clause


def _cut_at(piece: Piece, index: int) -> list[Piece]:
    """A statement cut where an explanation starts at word ``index``: the words before it stay a
    statement ("so it's been up since June despite six calls"), the rest explains ("to be fair
    ..."). A piece read as an explanation from a clause inside it is cut the same way."""
    inside = piece.start < index < piece.start + len(piece.tokens)
    if not ((piece.role is Role.STATEMENT and (inside or index == piece.start))
            or (piece.role is Role.EXPLANATION and inside)):
        return [piece]
    cut = index - piece.start
    before = [Piece(piece.tokens[:cut], piece.start, Role.STATEMENT, piece.checked)] if cut else []
    return [*before, Piece(piece.tokens[cut:], index, Role.EXPLANATION, piece.checked)]


def _explanation_start(pieces: list[Piece], index: int) -> int:
    """Where the explanation with a word at ``index`` begins: there, or at the start of its piece
    when it leads it, or of the piece before when that piece goes on into it ("the school has loads
    of entries, so the odd one slips through": the news it rests on is part of the excuse)."""
    for number, piece in enumerate(pieces):
        if piece.start <= index < piece.start + len(piece.tokens):
            if number and piece.tokens[0] in _GOES_ON and index - piece.start <= 2:
                return pieces[number - 1].start
            return piece.start if index - piece.start <= 2 else index
    return index


_GOES_ON: Final = frozenset({"so", "which", "that", "this", "and"})


def _carried(concern: Concern, own_concepts: list[str]) -> tuple[float, bool]:
    """How much of ``concern`` these concepts carry (its weighted share), and whether that restates it."""
    matched = [c for c in concern.concepts if any(similar(c, r) for r in own_concepts)]
    if concern.fresh and not set(matched) & set(concern.fresh):
        return 0.0, False  # only what the customer had already said, not what this turn adds
    total = concern.weight(concern.concepts) or 1.0
    weight = concern.weight(matched)
    needed = min(2, len(concern.concepts))
    # a long concern is restated by its two or three strongest ideas, not by half of it
    enough = min(RESTATED_COVERAGE * total, LONG_CONCERN_WEIGHT)
    # "not" and "late" alone restate nothing: at least one idea of the concern's own must be there
    specific = any(c not in GENERIC_CONCEPTS for c in matched)
    return weight / total, weight >= enough and len(matched) >= needed and specific


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


def _own_words(all_words: list[str], pieces: list[Piece], copied: set[int], until: int | None = None
               ) -> list[str]:
    """The reply's own restating words: its statements, less echoes (those before word ``until``).

    A question asks instead of reflecting, even an open one that mentions the
    customer's topic ("can you tell me more about what the engineer did");
    offers and explanations restate nothing.
    """
    out: list[str] = []
    for piece in pieces:
        if until is not None and piece.start >= until:
            break
        if piece.role is Role.STATEMENT:
            out.extend(all_words[i] for i in piece.indexes
                       if i not in copied and (until is None or i < until))
        out.append("|")  # keeps phrases from joining across pieces
    return out


def _reflective_opening(tokens: list[str]) -> str | None:
    joined = " ".join(tokens)
    for cue in lexicon.REFLECTIONS:
        if re.search(rf"\b{re.escape(cue)}\b", joined):
            return cue
    return None


FEATURES: Final = ("restated", "coverage", "loose_coverage", "echo_share", "parroted", "explanation",
                   "offer", "wrong_concern", "moves", "novel_share", "reflective_opening",
                   "only_questions", "statement_words", "carried", "checked", "carrying_length")


def features(reading: Reading) -> tuple[float, ...]:
    """The reading as numbers, in the order of :data:`FEATURES`, for a fitted decision."""
    statements = [p for p in reading.pieces if p.role is Role.STATEMENT]
    statement_words = sum(len(p.tokens) for p in statements)
    checked_words = sum(len(p.tokens) for p in statements if p.checked)
    checked = checked_words / statement_words if statement_words else 0.0
    return (float(bool(reading.restated)), reading.partial, reading.loose, reading.echo_share,
            float(bool(reading.parroted)), float(reading.explanation is not None),
            float(reading.offer is not None), float(reading.wrong is not None),
            min(1.0, len(reading.shared_moves) / 3), reading.novel_share,
            float(reading.reflective_opening is not None), float(reading.only_questions),
            min(1.0, statement_words / 20), min(1.0, reading.carried / 3), checked,
            # length is evidence of a fuller restatement only where the statements carry something
            # of the customer's own (not "day" or "late" alone): a long reply that carries none of it
            # restates nothing
            min(1.0, statement_words / 20) if reading.carried or reading.shared_moves else 0.0)
