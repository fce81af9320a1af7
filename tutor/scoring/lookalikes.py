"""The ways a reply looks like a restatement without being one.

Restating a concern is a claim about meaning, and words alone mislead: a piece
of a reply can carry the customer's words and still restate nothing of theirs.
Each way is met by a structural check rather than a list of examples:

* **Explanations** (:func:`explains`, :func:`stock_dismissal`). "The
  warehouse was short of drivers, that's why" names the problem only to
  account for it. A piece of the reply is an explanation when it carries a
  cause marker ("because", "due to", "that's why") over content the customer
  never said, a generaliser ("for everyone", "this time of year"), a habit
  ("the app does that", "usually", "always" over news the customer never
  gave), or a stock phrase (``lexicon.DISMISSALS``: "delays happen", the
  problem made small, "it isn't that long", or the customer's worry waved
  off, "don't worry", "I wouldn't worry", or the fault put on the customer or
  the rules, "with respect", "the terms do say", "the driver wouldn't have
  known"), or a result drawn from news the customer never gave ("the depot lost
  two vans, so nobody could come out"; "your road is in another area, so you
  wouldn't have been on the list"). A cause told back under a
  reflection ("so you lost the takings because the machines were down") is
  the customer's own account, not an excuse, when it carries something the
  customer said.
* **Wrong concerns** (:func:`wishes`, :func:`mostly_new`,
  :func:`new_problem`). "So you'd like to change the delivery address" is
  shaped as a reflection and shares nouns, but most of what it attributes to
  the customer is new (a wish is wrong when the customer voiced none, or
  another one, also said as a cleft: "what you really want is"). Topic nouns
  common to the customer's sentences weigh little; a reflective clause whose
  content is mostly new is a wrong concern. So is one that tells the story
  otherwise in the customer's own nouns (:func:`misread`): an event they
  said never happened told as happening ("so the engineer came out" to "your
  engineer hasn't turned up"), the opposite of their word ("a different
  fault"), a cause the trainee joined ("and that's why the fare went up"), a
  part granted as gone right ("so the room was fine, but").
* **The trainee's own story** (:func:`own_story`). "I had exactly this with my
  own supplier last year" shares the customer's nouns and restates nothing of
  theirs.

:mod:`tutor.scoring.restating` asks these of each piece of a reply.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from tutor.scoring import lexicon
from tutor.scoring.complaint import Complaint, Piece, Role
from tutor.scoring.moves import feelings_named, score_empathy
from tutor.scoring.text import concept_spans, content_concepts, similar, stem, swap_person, words

NOVEL_SHARE: Final = 0.5  # a piece this much new content is not about what the customer said
_DISMISSALS: Final = tuple(re.compile(pattern) for pattern in lexicon.DISMISSALS)
_HABIT_PATTERNS: Final = tuple(re.compile(pattern) for pattern in lexicon.HABIT_PATTERNS)
_COMPARISON: Final = re.compile(r"\b(than|times|as much as|compared (to|with))\b")
_NEGATIONS: Final = frozenset({"not", "no", "nothing", "never", "nobody", "none"})
_OWNED: Final = ("us", "we", "our", "me", "i", "my", "ours")
_FREQUENCIES: Final = frozenset({"always", "only ever", "everywhere"})
_NOMINAL_CAUSES: Final = frozenset({"because of", "due to", "owing to", "as a result of", "thanks to",
                                    "caused by"})
_CAUSE_ENDS: Final = frozenset({"so", "and", "but", "which", "then"})
# "X, that's why Y", "X, which is what pushed the cost up": the markers whose cause came before them
_CAUSE_BEFORE: Final = frozenset(m for m in lexicon.CAUSES
                                  if m.endswith(" why") or m.startswith("which is what"))
# "has been", "hasn't had", "ever": "since" after a perfect tells from when, not why
_PERFECT: Final = frozenset({"has", "have", "had", "been", "ever"})
_FAULTS: Final = frozenset({"mistake", "mistakes", "fault", "error", "errors", "wrong", "mess", "failure",
                            "failed", "forgot", "missed", "lost", "let", "oversight", "blame", "messed",
                            "botched", "delay", "delays", "cancellation", "cancellations", "blunder",
                            "slipped", "dropped"})
# the reason reported, not offered: "they claim they didn't know", "supposedly because the van was full",
# "turned you down saying there was no record", "then being told 'nothing we can do'". The trainee
# tells what the customer was told
_REASON_REPORTED: Final = re.compile(r"\b(said|told|say|says|saying|telling you|claims?|claimed|claiming|"
                                     r"supposedly|apparently|allegedly|reckons?|reckoned|insists?|insisted|"
                                     r"according to|(answer|response|reply|excuse) (was|is))\b")
# the customer's own choices: "you resigned because of the offer", "you booked it because it was
# in person" tell why they acted, which is their story, not the company's excuse
_CHOICES: Final = frozenset({"resigned", "quit", "booked", "chose", "picked", "bought", "ordered", "signed",
                             "switched", "moved", "cancelled", "joined", "applied", "agreed", "accepted",
                             "decided", "paid", "travelled", "drove", "came", "went", "left", "took", "gave",
                             "handed"})
_CAUSE_HEDGE: Final = re.compile(r" (that|which) is (?:basically|probably|really|just|exactly|partly|mainly|"
                                 r"mostly|actually|simply|obviously|likely) (why|because) ")


# --- explanations: the problem accounted for instead of reflected ------------------------------


def stock_dismissal(text_words: list[str]) -> tuple[str, int] | None:
    """The stock phrase that explains the problem away, if the reply has one (the first of
    ``lexicon.DISMISSALS`` found), and the index of the first word of the earliest such phrase."""
    joined = " ".join(text_words)
    found_at: list[tuple[int, str]] = []
    for pattern in _DISMISSALS:
        for found in pattern.finditer(joined):
            before = joined[max(0, found.start() - 30): found.start()]
            # "what happened" asks; "they said nothing could be done" reports what the customer heard
            if before.endswith("what ") or _REASON_REPORTED.search(before):
                continue
            found_at.append((found.start(), found.group(0)))
            break
    if not found_at:
        return None
    return found_at[0][1], len(joined[: min(found_at)[0]].split())


def explains(piece: Piece, previous: Piece | None, complaint: Complaint) -> tuple[str, bool] | None:
    """The phrase by which this piece explains the problem instead of reflecting it, if any, and
    whether the explanation began in the previous piece ("the depot was short of vans, so ...":
    its premise is part of it)."""
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
        # "so the bus is always late", "soot everywhere" tell the customer's story back; "glass items
        # are always a risk on narrow stairs" brings in news to account for it
        rest = tuple(t for t in piece.tokens if t not in phrase.split())
        if phrase in _FREQUENCIES and not mostly_new(rest, complaint):
            continue
        # "it doesn't usually take this long", "nothing you could point to would explain it": a
        # habit or an explanation denied says the problem is out of the ordinary, which is the
        # customer's point, not an excuse
        if _NEGATIONS & set(before[-6:]):
            continue
        if _REASON_REPORTED.search(" ".join(before[-4:])):
            continue  # "they claim it was only ever a formality": what the customer was told
        return phrase, False
    consequence = _consequence_of(piece, previous, complaint)
    if consequence:
        return consequence, True
    rebuttal = _rebuttal(piece, previous)
    if rebuttal:
        return rebuttal, False
    for pattern in _HABIT_PATTERNS:
        found = pattern.search(piece.text)
        if found and _subject(piece.tokens) not in ("you", "your"):
            return found.group(0), False
    # "that's basically why", "which is probably because": a hedge does not change the cause
    text = _CAUSE_HEDGE.sub(r" \1 is \2 ", text)
    for marker in lexicon.CAUSES:
        # "because of ..." is read as itself, its cause cut where the clause ends; "because" alone
        # looks past it
        found = re.search(re.escape(f" {marker} ") + ("(?!of )" if marker == "because" else ""), text)
        if found is None:
            continue
        before, after = text[:found.start()].split(), text[found.end():].split()
        cause = after if after else before
        if marker == "since the" and _PERFECT & set(before[-8:]):
            continue  # "she hasn't had any heat in that room since the fire was capped": since then
        if marker in _CAUSE_BEFORE:
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
        # booked back to back" and "we've only one attendant" own nothing: they excuse by the
        # company's circumstances
        subject = _subject(tuple(cause))
        owned_fault = subject in ("us", "me") or (subject in _OWNED and (
            bool(_FAULTS & set(cause)) or _failed_to_act(cause)))
        # "they supposedly didn't know", "saying there was no record": the reason as reported
        reported = _REASON_REPORTED.search(" ".join((*before[-3:], "|", *cause[:3])))
        clause = before if before or previous is None else list(previous.tokens)
        if subject in ("you", "your", "yourself") or owned_fault or reported or _chose(clause) \
                or _feels(clause):
            continue
        concepts = content_concepts(cause)
        novel = [c for c in concepts if not any(similar(c, k) for k in complaint.concepts)]
        # "so you lost eight hundred because the machines were down" reflects the customer's
        # account of the cause; only a cause with nothing of theirs in it explains it away
        reflected = reflective and len(novel) < len(concepts)
        if concepts and len(novel) / len(concepts) >= NOVEL_SHARE and not reflected:
            shown = " ".join((cause if cause is after else cause[-5:]) [:6])
            if cause is after:
                return f"{marker} {shown}", False
            return f"{shown} {marker}", cause is not before
    return None


def _failed_to_act(cause: list[str]) -> bool:
    """ "Because our fitters didn't tighten it": the company owns a thing it failed to do. "Because
    we didn't have the staff" or "we couldn't get the part" is a circumstance, an excuse."""
    if _OUTSIDERS & set(cause[:4]):
        return False  # "because our supplier didn't deliver": the fault put on someone else
    at = next((i for i, t in enumerate(cause) if t in ("not", "never")), None)
    return at is not None and at + 1 < len(cause) and cause[at + 1] not in _CIRCUMSTANCES


_OUTSIDERS: Final = frozenset({"supplier", "suppliers", "courier", "couriers", "partner", "partners",
                               "contractor", "contractors", "subcontractor", "subcontractors",
                               "manufacturer", "manufacturers", "maker", "makers", "agency", "landlord"})
_CIRCUMSTANCES: Final = frozenset({"have", "has", "had", "get", "got", "know", "knew", "receive", "received",
                                   "hear", "heard", "be", "been", "enough", "realise", "realize", "expect",
                                   "expected", "see", "saw", "find", "found", "manage", "managed"})


def _chose(clause: list[str]) -> bool:
    """Does the clause tell of a choice the customer made ("so you resigned", "you booked it")?"""
    at = next((i for i, t in enumerate(clause) if t == "you"), None)
    return at is not None and at + 1 < len(clause) and clause[at + 1] in _CHOICES


def _feels(clause: list[str]) -> bool:
    """Does the clause name how the customer feels ("you're worried", "so you feel let down")? Then
    a cause after it ("because the bill has doubled") is why they feel it: their story."""
    return "you" in clause[-6:] and bool(feelings_named(" ".join(clause[-6:])))


def _rebuttal(piece: Piece, previous: Piece | None) -> str | None:
    """ "I can hear you're upset, but we do send reminders": a feeling granted, then answered.

    After a piece that acknowledges the customer's feeling, "but" turns to the company's side:
    its rules, what it does or did, what would have helped. It explains the problem
    instead of reflecting it, whatever the words. "But you were promised an hour" goes on with
    the customer's story, "but the sofa should have come on Saturday" grants the failure, "but
    it was our fault" owns it, "but I'll sort it" offers a fix (judged as one) and "but what
    happened" asks: none of them rebuts.
    """
    if previous is None or piece.role is not Role.STATEMENT or len(piece.tokens) < 3 or \
            piece.tokens[0] not in _CONTRASTS or not _acknowledges_feeling(previous.tokens):
        return None
    # "but I can see you waited all day", "but the thing is": the trainee's own frame, then what it frames
    # (the customer told what they should have done is a stock dismissal: lexicon.DISMISSALS)
    rest = _LEADING_FRAMES.sub("", " ".join(t for t in piece.tokens[1:] if t not in _HEDGES))
    if len(rest.split()) < 3 or _subject(tuple(rest.split())) in ("you", "your", "yourself", "let") \
            or _FAILURE_GRANTED.search(rest) or _OWNS_IT.search(rest) or _SIDES_WITH_THEM.search(rest):
        return None
    # only the company's side told as the answer: its rules, what it does, what would have helped
    return " ".join(piece.tokens[:6]) if _COMPANY_SIDE.search(rest) else None


def _acknowledges_feeling(tokens: tuple[str, ...]) -> bool:
    """ "I can tell you're frustrated", "you must have been terrified", "I can see how disappointing
    that is": a feeling of the customer's granted, as the emotion judgement finds one (one
    lexicon of feelings, :mod:`tutor.scoring.moves`'s)."""
    return score_empathy(" ".join(tokens)).passed


_HEDGES: Final = frozenset({"really", "honestly", "unfortunately", "sadly", "actually", "well"})
_CONTRASTS: Final = frozenset({"but", "however", "though", "although"})
_LEADING_FRAMES: Final = re.compile(
    r"^((i (can |could |do )?(see|think|know|understand|appreciate|get|hear|guess|suppose|believe|"
    r"realise|realize|feel)|it (sounds|seems|looks) like|the (thing|truth|fact) is|to be fair|in fairness"
    r"|i am (afraid|sorry)) (that )?)+")
# the company's failure granted: "the sofa should have come", "it was supposed to", "it never came"
# ("trained never to" is a rule, not a failure)
_FAILURE_GRANTED: Final = re.compile(r"\b(should|ought to) (\w+ )?have\b|\bsupposed to\b|\bnever\b(?! to\b)"
                                     r"|\bstill\b|\blet you down\b|\bgot it wrong\b|\bmessed (it )?up\b"
                                     r"|\bfailed\b|\bdropped the ball\b")
# "but the good news is", "but I'll sort it", "but that's not good enough": on the customer's side
_SIDES_WITH_THEM: Final = re.compile(
    r"\bgood news\b|\b(i|we) (can|will|could|am going to|are going to)\b|\bnext step\b"
    r"|\b(understandable|unacceptable|not acceptable|not good enough|not okay|not ok|not right|not fair)\b")
# the company's side: its rules and practice ("we do send", "the doctor only calls", "isn't
# guaranteed", "set by the courier"), what would have helped, a cause
_COMPANY_SIDE: Final = re.compile(
    r"\b(?!you\b)\w+ (do|does|did) (\w+ )?\w+\b|\bonly\b|\bguarantee|\b(rules?|polic(y|ies)|terms"
    r"|procedures?|process)\b|\bwould have\b|\bbecause\b|\b(set|decided|controlled|handled|run) by\b"
    r"|\bup to (the|your|you|customers?)\b|\bdepends? on\b|\btechnically\b"
    # what staff may or must do ("our stewards can't ask", "they're trained never to"), the decision
    # put elsewhere ("the vendor makes the final call, not us")
    r"|\b(can not|cannot)\b|\b(trained|required|allowed|obliged|entitled|free|permitted) (never |not )?to\b"
    r"|\bnot (us|ours|me|mine)\b|\b(final|last) (say|call|word|decision)\b"
    # other customers held up against this one: "a lot of members leave valuables in lockers"
    r"|\b(a lot of|lots of|most|many|plenty of|the majority of) (our |other |the )?(customers|people|members|"
    r"clients|guests|users|passengers|patients|tenants|parents|students)\b")
_OWNS_IT: Final = re.compile(r"\b(not|never) (\w+ )?your (fault|doing|mistake)"
                             r"|\b(our|my) (fault|mistake|error)|\b(was|is) (ours|us|mine|me)\b")


def mostly_new(tokens: tuple[str, ...], complaint: Complaint) -> bool:
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
    if previous is None or previous.role is not Role.STATEMENT or len(piece.tokens) < 2 or \
            piece.tokens[0] != "so":
        return None
    # "(your side of the road is in another area) so you wouldn't have been on the list": what would
    # have been, drawn from news the customer never gave, accounts for what happened to them
    would_have = _WOULD_HAVE.match(" ".join(piece.tokens[1:6])) is not None
    # "so basically your busiest morning ...": a hedge or filler does not change who it is about
    about = _subject(tuple(t for t in piece.tokens[1:4] if t not in _RESULT_HEDGES) + piece.tokens[4:])
    if about in ("you", "your", "i", "we", "let") and not would_have:
        return None
    if _reflects(previous.tokens) or (_subject(previous.tokens) in ("you", "your", *_OWNED)
                                      and not (would_have and _subject(previous.tokens) == "your")):
        return None
    # "you paid for express so it would be there": a purpose, not a result; "so nobody could get out
    # to you", "so we couldn't deliver" say what could not happen, which is a result
    purpose = bool({"would", "could", "can", "might", "will"} & set(piece.tokens[1:4])) and \
        not {"nobody", "not", "never", "no"} & set(piece.tokens[1:5])
    if not would_have and (purpose or piece.tokens[1] == "that"):
        return None
    concepts = content_concepts(list(previous.tokens))
    novel = [c for c in concepts if not any(similar(c, k) for k in complaint.concepts)]
    if len(concepts) >= 2 and len(novel) / len(concepts) >= NOVEL_SHARE:
        return f"{' '.join(previous.tokens[-5:])} so"
    return None


_RESULT_HEDGES: Final = frozenset({"basically", "actually", "really", "just", "literally", "essentially",
                                   "effectively", "like"})
_WOULD_HAVE: Final = re.compile(r"^(you|it|they|he|she|we) (would|could) (not |never )?have\b")


def _subject(tokens: tuple[str, ...]) -> str:
    """The first word after fillers and cause words: who or what the stretch is about."""
    for token in tokens:
        if token not in lexicon.FILLERS and token not in ("because", "cause", "due", "owing", "of", "to",
                                                         "since", "as", "a", "result"):
            return token
    return ""


# --- wrong concerns: a reflection about something the customer did not say ----------------------


def wishes(tokens: tuple[str, ...]) -> bool:
    """Does this piece tell the customer what they want ("so you'd like to change the address")?

    Said as a cleft too: "so what you really want is", "what you'd like is" frame the same wish,
    wherever in the piece the cleft comes ("you've booked the lodge and what you're really after is").
    """
    opening = opening_of(tokens)
    cleft = _CLEFT.sub(r"\1you \3", opening)
    return opening.startswith(lexicon.WISH_FRAMES) or (
        cleft != opening and cleft.startswith(lexicon.WISH_FRAMES)) or bool(
        _WISH_CLEFT.search(" ".join(tokens)))


_CLEFT: Final = re.compile(r"^(so )?what you (really |actually |mainly |just |most )*(\w+ (like|to)|\w+)")
_WISH_CLEFT: Final = re.compile(r"\bwhat you (are |would |really |actually |mainly |just |most )*"
                                r"(after|want|wanted|like|need|hoping for|looking for) is\b")


def opening_of(tokens: tuple[str, ...]) -> str:
    """The first words of a piece after any leading fillers ("okay, right, so you ...")."""
    start = 0
    while start < len(tokens) and tokens[start] in ("okay", "ok", "right", "oh", "well", "and"):
        start += 1
    return " ".join(tokens[start:start + 8])


def _reflects(tokens: tuple[str, ...]) -> bool:
    """Is this piece shaped as a reflection of the customer ("so you ...", "you'd like to ...")?"""
    return opening_of(tokens).startswith(lexicon.REFLECTIVE_FRAMES)


def reflects(tokens: tuple[str, ...]) -> bool:
    """Does this piece open as a reflection of the customer's story, in any of the ways a trainee
    frames one ("so you ...", "so the lift's ...", "it sounds like", "just to check")?"""
    opening = opening_of(tokens)
    return opening.startswith(lexicon.REFLECTIVE_FRAMES) or opening.startswith(lexicon.REFLECTIONS)


def new_problem(piece: Piece, complaint: Complaint) -> str | None:
    """A problem this reflection names that the customer never reported, if any."""
    if not _reflects(piece.tokens) and not piece.text.startswith(("so the", "so your", "so it")):
        return None
    text = " " + piece.text
    for problem in lexicon.PROBLEMS:
        if f" {problem}" not in text or f" {problem}" in complaint.said:
            continue
        if problem == "wrong" and _MIX_UP.search(text) and _ELSEWHERE.search(complaint.said):
            continue  # "it went to the wrong parent" is the customer's "another parent, not us"
        # "the noise kept you up" restates "the air conditioning rattles so loudly"
        said_as = [w for w in piece.tokens if w.startswith(problem.split()[0])]
        # the word in its phrase: "gone missing" is the customer's "no record", "missing" alone is not
        meant = [idea for start, end, idea in concept_spans(piece.tokens)
                 if any(t.startswith(problem.split()[0]) for t in piece.tokens[start:end])]
        if not any(similar(c, k) for c in meant for k in complaint.concepts) and \
                not _own_doubt(piece.tokens, said_as):
            return problem
    return None


_MIX_UP: Final = re.compile(r"\b(the|a) wrong \w+")
_ELSEWHERE: Final = re.compile(r"\b(instead|another|someone else|somebody else|different"
                               r"|not (mine|ours|me|us))\b")


def _own_doubt(tokens: tuple[str, ...], said_as: list[str]) -> bool:
    """ "Correct me if I'm wrong", "I may have this slightly wrong": the trainee doubting their own
    understanding names no problem of the customer's."""
    for index, token in enumerate(tokens):
        if token in said_as:
            before = tokens[max(0, index - 5): index]
            if "i" in before and not {"you", "your"} & set(before[before.index("i"):]):
                return True
    return False


# --- misreadings: a reflection that tells the customer's story otherwise -----------------------


def misread(number: int, pieces: list[Piece], complaint: Complaint) -> str | None:
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
_OBJECTS: Final = frozenset({"me", "us", "you", "him", "her", "them", "it", "anyone", "anybody", "back"})
_SCOPE_ENDS: Final = frozenset({"and", "but", "so", "because", "when", "then", "until", "after", "before",
                                "since", "while", "which", "who", "that", "though", "although", "if", "or",
                                "|"})
# the events a service complaint turns on having happened or not: someone came, someone called
# (synonym groups of lexicon.SYNONYMS); other ideas are too often denied in passing ("I haven't
# had internet for nine days") for a denial to make them the customer's point
_EVENTS: Final = frozenset({"arrive", "tell", "callback"})
_PASSIVE: Final = frozenset({"being", "been", "was", "were", "are", "is", "get", "got", "getting"})
_REPORTED: Final = frozenset({"told", "said", "promised", "assured", "saying", "telling", "says", "tells"})
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
    # "heard nothing", "told us nothing": the denial follows the verb or its object; in "telling me
    # there's no record" it denies the record, in a clause of its own, not the telling
    # ("someone's coming, and nobody has": the denial said after it, the verb left out)
    after = list(tokens[end:end + 3])
    if after and after[0] in _OBJECTS | {"and", "but"}:
        after = after[1:]
    return bool(after) and after[0] in _DENIED_AFTER


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
        # nor what someone was told would happen ("told each time that someone's coming")
        reported = set(tokens[max(0, start - 6): start]) & _REPORTED
        # "you're being told", "you were told": what the customer was told, their side of the story
        told_to_them = idea == "tell" and (("you" in before and set(before) & _PASSIVE) or (
            # "he told you he's entitled to": what they were told, said back
            tokens[start] in _REPORTED and following == "you" and len(tokens) - end >= 3))
        if (set(before) & _NOT_FACTUAL or {"you", "i"} & set(before[-2:]) or reported or told_to_them
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
        # "you were stuck outside" places a person, not the customer's things ("my notes were inside")
        placed = token in _PLACES and bool(_PERSON_PRONOUNS & set(tokens[max(0, index - 3): index]))
        if opposite and opposite & customer and not _OPPOSITES[token] & set(tokens) and not placed and \
                not (_OPPOSITE_GROUP[token] & customer) and not _denied(tokens, index, index + 1):
            return " ".join(tokens[max(0, index - 2): index + 2])
    return None


_OPPOSITE_PAIRS: Final = ((frozenset({"same", "identical"}), frozenset({"different"})),
                          (frozenset({"inside"}), frozenset({"outside"})),
                          (frozenset({"more"}), frozenset({"less", "fewer"})),
                          (frozenset({"cheaper"}), frozenset({"dearer"})))
_PLACES: Final = frozenset({"inside", "outside"})
_PERSON_PRONOUNS: Final = frozenset({"you", "i", "we", "they", "he", "she"})
# each word: the words opposite it, and the words of its own side
_OPPOSITES: Final = ({w: b for a, b in _OPPOSITE_PAIRS for w in a}
                     | {w: a for a, b in _OPPOSITE_PAIRS for w in b})
_OPPOSITE_GROUP: Final = ({w: a for a, b in _OPPOSITE_PAIRS for w in a}
                          | {w: b for a, b in _OPPOSITE_PAIRS for w in b})


# --- the trainee's own story -------------------------------------------------------------------


def own_story(tokens: tuple[str, ...]) -> bool:
    """Does this piece tell the trainee's own experience ("I had exactly this last year", "when my
    wifi went down I was so stressed", "I started a new job last year")?

    Told in the first person singular, in the past, with a verb of doing or being rather than of
    taking in what the customer said ("I heard", "I understand", "I got that").
    """
    opening = opening_of(tokens).split()
    while opening and opening[0] in _STORY_LEAD:
        opening = opening[1:]
    if opening[:2] == ["my", "own"] or (opening[:1] == ["when"] and opening[1:2] in (["i"], ["my"])):
        return True
    # "... so when my wifi went down last month": the trainee's own thing, wherever it comes
    if " when my " in f" {' '.join(tokens)} ":
        return True
    if opening[:1] != ["i"]:
        return False
    verbs = [t for t in opening[1:4] if t not in _STORY_ADVERBS]
    verb = verbs[0] if verbs else ""
    # "I work from home too", "I've got kids as well": the trainee's life set beside the customer's
    if verb and verb not in _NOT_ALONGSIDE and ("too" in opening[2:7] or "as well" in " ".join(opening[2:8])):
        return True
    if verb in ("was", "had", "used", "went", "lost", "got", "started", "did", "once", "remember") and \
            (verb != "got" or (len(verbs) > 1 and verbs[1] not in ("it", "that", "this", "you"))):
        return True
    return verb.endswith("ed") and verb not in _TAKING_IN and verb not in lexicon.NOT_OFFER_VERBS


_STORY_LEAD: Final = frozenset({"oh", "god", "gosh", "honestly", "yeah", "so", "um", "uh", "er", "well",
                                "and", "you", "know", "like", "look", "mate", "actually"})
# "I'd be fed up too", "I can see that too", "I understand too": a feeling or a hearing, no story
_NOT_ALONGSIDE: Final = frozenset({"would", "could", "can", "will", "am", "understand", "know", "feel", "get",
                                   "see", "hear", "agree", "think", "must", "should", "might", "may", "do"})
_STORY_ADVERBS: Final = frozenset({"also", "too", "just", "actually", "once", "even", "really", "literally"})
# what the trainee did with the customer's account or for them: not a story of their own
_TAKING_IN: Final = frozenset({
    "heard", "understood", "gathered", "noticed", "realised", "realized", "learned", "learnt", "listened",
    "followed", "checked", "looked", "picked", "noted", "missed", "apologised", "apologized", "wanted",
    "needed", "asked", "called", "phoned", "rang", "booked", "arranged", "raised", "logged", "emailed",
    "passed", "escalated", "refunded", "credited", "spoke", "spoken", "talked", "sorted"})
