"""Words as the scorer sees them: normalised, stemmed, grouped into clauses.

Replies arrive from speech recognition: lower case, no punctuation, some
words wrong, contractions often without their apostrophe ("dont", "youve",
"id be"). Everything here therefore works on bare word sequences, spells out
contractions with or without the apostrophe, uses punctuation only as a bonus
when a typed reply has it, and matches words by
stem, by a small synonym lexicon and, for longer words, by spelling
similarity (a recognizer's near misses are usually near in spelling too).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from rapidfuzz.distance import Levenshtein

from tutor.scoring import lexicon

_WORD: Final = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE: Final = re.compile(r"[^.!?]+(?:[.!?]+|$)")
_FUZZY_MIN_LENGTH: Final = 6  # shorter words differ by one letter too often to be matched loosely
_FUZZY_MIN_SIMILARITY: Final = 0.8

_CONTRACTIONS: Final = {
    "won't": "will not", "can't": "can not", "cannot": "can not", "shan't": "shall not",
    "ain't": "is not", "let's": "let us", "y'all": "you all",
}
_SUFFIXES: Final = {"n't": " not", "'re": " are", "'ve": " have", "'ll": " will", "'d": " would",
                    "'m": " am", "'s": " is"}


# Contractions written without the apostrophe, as recognisers and hurried typists give them
# ("dont", "youve", "whats"). Only forms that are no other English word are spelled out here;
# "id" and "ill" are read from their neighbours (see _bare_contraction).
_BARE_CONTRACTIONS: Final = {
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "isnt": "is not", "arent": "are not",
    "wasnt": "was not", "werent": "were not", "havent": "have not", "hasnt": "has not",
    "hadnt": "had not", "wouldnt": "would not", "couldnt": "could not", "shouldnt": "should not",
    "mustnt": "must not", "cant": "can not", "wont": "will not", "aint": "is not",
    "im": "i am", "ive": "i have", "youre": "you are", "youve": "you have", "youd": "you would",
    "youll": "you will", "theyre": "they are", "theyve": "they have", "theyd": "they would",
    "theyll": "they will", "weve": "we have", "itll": "it will", "itd": "it would",
    "thats": "that is", "whats": "what is", "whos": "who is", "wheres": "where is",
    "hows": "how is", "theres": "there is", "heres": "here is", "thatll": "that will",
    "hes": "he is", "shes": "she is", "wouldve": "would have", "couldve": "could have",
    "shouldve": "should have", "mightve": "might have", "mustve": "must have",
    "nobodys": "nobody is", "everybodys": "everybody is", "everyones": "everyone is",
}
# "I'd" is followed by a verb or an adverb ("id be", "id really like"); "id" before anything
# else is the noun ("your merchant id")
_AFTER_I_WOULD: Final = frozenset({
    "be", "have", "like", "love", "feel", "say", "rather", "imagine", "think", "want", "hate", "need",
    "just", "really", "so", "probably", "definitely", "never", "also", "get", "go", "do", "recommend",
    "suggest", "expect", "ask", "call", "put", "guess", "bet", "been", "better", "agree", "prefer",
    "still", "only", "actually", "honestly", "hope", "certainly", "absolutely", "totally",
    "personally", "gladly", "happily", "lose", "struggle", "worry", "panic", "freak", "hit", "end",
    "not", "of", "already", "always", "even", "too"})
# "ill" is the adjective after a linking verb ("he was (so) ill") or a noun ("made your daughter
# ill"); after a conjunction, a filler or at the start it is "I'll" ("okay ill check")
_ILL_LINKING: Final = frozenset({
    "feel", "feels", "felt", "feeling", "was", "were", "is", "are", "am", "be", "been", "being", "fell",
    "fallen", "falls", "get", "got", "getting", "looked", "look", "looks", "an", "become", "became",
    "went", "taken", "make", "made", "makes", "making"})
_ILL_DEGREE: Final = frozenset({"so", "very", "really", "quite", "too", "seriously", "terminally", "mentally",
                                "critically", "gravely", "properly", "pretty", "that", "as"})
# "its" said for "it's": before a word that never follows the possessive ("its been five days", "its
# not working", "its still broken"); before a noun ("its screen", "its own") it is the possessive
_AFTER_IT_IS: Final = frozenset({
    "not", "a", "an", "the", "just", "still", "really", "so", "too", "only", "going", "always", "never",
    "like", "all", "now", "because", "actually", "basically", "totally", "completely", "quite", "pretty",
    "very", "happening", "getting", "coming", "doing", "being", "taking", "supposed", "meant", "obviously",
    "clearly", "definitely", "probably", "been", "got", "gone", "had"})


def _bare_contraction(tokens: list[str], index: int) -> str | None:
    """The spelled-out form of an apostrophe-less contraction, or None if the token is a word."""
    token = tokens[index]
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    if token in _BARE_CONTRACTIONS:
        spelled = _BARE_CONTRACTIONS[token]
        head, _, verb = spelled.partition(" ")
        if verb == "is" and token not in ("isnt", "aint") and following in ("been", "got", "gone", "had"):
            return f"{head} has"  # "hes been", "thats got": "has", not "is"
        return spelled
    if token == "its" and following in _AFTER_IT_IS:
        return "it has" if following in ("been", "got", "gone", "had") else "it is"
    if token == "id" and following in _AFTER_I_WOULD:
        return "i would"
    if token == "ill" and following:
        back = index - 1
        while back >= 0 and tokens[back] in _ILL_DEGREE:
            back -= 1
        before = tokens[back] if back >= 0 else ""
        if before in _ILL_LINKING or (before and is_content(before) and back == index - 1):
            return None
        return "i will"
    return None


def _without_accents(text: str) -> str:
    """ "fiancé", "café" as "fiance", "cafe": the words a lexicon holds, not two broken halves."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Lower-case words with contractions spelled out ("didn't", "didnt" -> "did not")."""
    text = _without_accents(text.lower().replace("\u2019", "'").replace("-", " "))
    out: list[str] = []
    tokens = _WORD.findall(text)
    for index, token in enumerate(tokens):
        if token in _CONTRACTIONS:
            out.extend(_CONTRACTIONS[token].split())
            continue
        bare = _bare_contraction(tokens, index)
        if bare:
            out.extend(bare.split())
            continue
        for suffix, expansion in _SUFFIXES.items():
            if token.endswith(suffix) and len(token) > len(suffix):
                out.extend((token[: -len(suffix)] + expansion).split())
                break
        else:
            out.append(token)
    return _as_meant(out)


# Words a recogniser hands over for their sound-alikes, put back where the words around leave one
# reading: "what wood you like" is "would", "talk me threw" "through", "wear would you like to
# start" "where", "what maid you decide" "made", "a bet more" "bit", "this weak" "week"
_SUBJECT_WORDS: Final = frozenset({"you", "i", "we", "they", "he", "she", "it", "help", "be", "like", "have"})


def _as_meant(tokens: list[str]) -> list[str]:
    out = list(tokens)
    for i, token in enumerate(out):
        before = out[i - 1] if i else ""
        after = out[i + 1] if i + 1 < len(out) else ""
        if token == "wood" and after in _SUBJECT_WORDS:
            out[i] = "would"
        elif token == "threw" and before in ("me", "us", "them", "him", "her"):
            out[i] = "through"
        elif token == "wear" and after in ("would", "do", "does", "did", "should", "can", "could", "are") \
                and (out[i + 2] if i + 2 < len(out) else "") in _SUBJECT_WORDS | {"things"}:
            out[i] = "where"
        elif token == "maid" and before in ("what", "who"):
            out[i] = "made"
        elif token == "bet" and before == "a" and after == "more":
            out[i] = "bit"
        elif token == "weak" and before in ("this", "last", "next", "per", "each", "every", "a", "one"):
            out[i] = "week"
        elif token == "of" and before in ("must", "would", "could", "should", "might") and after:
            out[i] = "have"  # "must of been", "would of done": "must've", as heard and often written
        elif token == "know" and after in ("worries", "wonder", "problem") and before not in _SUBJECT_WORDS:
            out[i] = "no"  # "know worries", "know wonder you're upset": "no", heard
        elif token == "write" and before in ("okay", "ok", "all", "alright", "yeah", "oh", "ah", "every"):
            out[i] = "right"  # "okay write so tell me": the recogniser's "right"
        elif token == "watts" and (not before or before in _OPENERS) and after not in _AMOUNTS:
            out[i] = "what is"  # "so watts changed for you": "what's", heard
    return " ".join(out).split()


# words before a question's first word ("oh okay right so ...")
_OPENERS: Final = frozenset({"so", "okay", "ok", "right", "oh", "and", "but", "well", "yeah", "now", "then"})
# "watts" of power: "watts of heat", "watts per hour", "watts more"
_AMOUNTS: Final = frozenset({"of", "per", "an", "a", "more", "less", "each", "in", "at"})


def sentences(text: str) -> list[str]:
    """Sentences of typed text, ending marks kept; recognised speech, having no punctuation, is one."""
    return [part.strip() for part in _SENTENCE.findall(text) if part.strip(" .!?")]


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A crude but stable stem: irregular forms first, then common English suffixes."""
    if word in lexicon.IRREGULAR:
        return lexicon.IRREGULAR[word]
    if word in lexicon.NUMBERS:
        return word
    for suffix, replacement, keep in _STEM_RULES:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            word = word[: -len(suffix)] + replacement
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "sz":
        word = word[:-1]  # stopped -> stopp -> stop
    return word


_STEM_RULES: Final = (
    ("ational", "ate", 3), ("fulness", "ful", 3), ("iveness", "ive", 3), ("ization", "ize", 3),
    ("ingly", "", 3), ("edly", "", 3), ("iest", "y", 3), ("ily", "y", 3), ("ement", "", 4),
    ("ments", "", 3), ("ment", "", 3),
    ("ness", "", 3), ("ities", "ity", 3), ("ously", "ous", 3), ("ies", "y", 3), ("ied", "y", 3),
    ("ing", "", 3), ("ers", "", 4), ("ed", "", 3), ("ly", "", 4), ("es", "", 4), ("s", "", 3),
    ("er", "", 4), ("e", "", 3),
)


@lru_cache(maxsize=1)
def _concepts() -> dict[str, str]:
    """Word, stem or phrase -> the name of its synonym group (the group's first member)."""
    table: dict[str, str] = {}
    for group in lexicon.SYNONYMS:
        name = group[0]
        for member in group:
            table.setdefault(member, name)
            table.setdefault(" ".join(stem(part) for part in member.split()), name)
    return table


@lru_cache(maxsize=8192)
def concept(word: str) -> str:
    """The synonym group a word belongs to, or its stem when it has none."""
    table = _concepts()
    return table.get(word) or table.get(stem(word)) or stem(word)


def is_content(word: str) -> bool:
    return word not in lexicon.STOPWORDS and (len(word) > 1 or word.isdigit())


def content_concepts(tokens: list[str]) -> list[str]:
    """Concepts of the content words, with multi-word phrases ("turn up") joined first."""
    out: list[str] = []
    index = 0
    while index < len(tokens):
        for size in (3, 2):
            if index + size > len(tokens):
                continue
            phrase = tokens[index: index + size]
            name = _concepts().get(" ".join(phrase)) or _concepts().get(" ".join(map(stem, phrase)))
            if name:
                out.append(name)
                index += size
                break
        else:
            token = tokens[index]
            if is_content(token):
                out.append(concept(token))
            index += 1
    return out


def concept_spans(tokens: list[str] | tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Like :func:`content_concepts`, with where each concept stands: (start, end, concept)."""
    out: list[tuple[int, int, str]] = []
    index = 0
    while index < len(tokens):
        for size in (3, 2):
            if index + size > len(tokens):
                continue
            phrase = list(tokens[index: index + size])
            name = _concepts().get(" ".join(phrase)) or _concepts().get(" ".join(map(stem, phrase)))
            if name:
                out.append((index, index + size, name))
                index += size
                break
        else:
            token = tokens[index]
            if is_content(token):
                out.append((index, index + 1, concept(token)))
            index += 1
    return out


def similar(a: str, b: str) -> bool:
    """Same concept, or (for longer words) close enough in spelling to be a mis-recognition."""
    if a == b:
        return True
    if min(len(a), len(b)) < _FUZZY_MIN_LENGTH or " " in a or " " in b:
        return False
    return Levenshtein.normalized_similarity(a, b) >= _FUZZY_MIN_SIMILARITY


def swap_person(tokens: list[str]) -> list[str]:
    """The customer's words as the trainee would say them back ("my order" -> "your order")."""
    return [lexicon.PERSON_SWAP.get(token, token) for token in tokens]


def person_neutral(tokens: list[str] | tuple[str, ...]) -> list[str]:
    """Words with person and tense of the common verbs folded, for finding echoes.

    "I was charged twice" echoed as "you were charged twice" is the same words
    said back; so is "your engineer" as "our engineer". Folding both sides
    ("i", "you", "we" -> "you"; "am", "was", "were" -> "is") lets one
    comparison find every such echo.
    """
    return [lexicon.PERSON_NEUTRAL.get(token, token) for token in tokens]


@dataclass(frozen=True)
class Clause:
    """A stretch of a reply: a statement or a question."""

    tokens: tuple[str, ...]
    question: bool
    checking: bool = False
    """A statement asked only by its question mark ("you sat the exam and got a zero?"): it checks
    an understanding, and says what it checks as a statement would."""

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def clauses(text: str) -> list[Clause]:
    """Split a reply into statements and questions.

    Typed text is split at sentence ends; within a sentence (and in recognised
    speech, which has no punctuation) a question starts where a question word
    or an inverted auxiliary meets a subject ("what would", "did it", "how has").
    """
    out: list[Clause] = []
    for sentence in sentences(text) or [text]:
        tokens = words(sentence)
        asked = sentence.rstrip().endswith("?")
        # a sentence typed with a full stop states: a question word inside it opens a question only
        # after a comma or a dash ("that's awful, what happened next."), or with its verb before a
        # subject ("so sorry what can I do."); "the owner can't control what is written there."
        # embeds it
        stated = sentence.rstrip().endswith((".", "!"))
        # only typed sentences have parts (recognised speech has no punctuation)
        parts = _part_starts(sentence) if stated or asked else set()
        inside = [i for i in range(1, len(tokens))
                  if _question_starts(tokens, i, asked, stated, opens_part=i in parts)]
        starts = [0, *inside, len(tokens)]
        pieces = [tokens[a:b] for a, b in itertools.pairwise(starts) if b > a]
        for number, piece in enumerate(pieces):
            formed = _question_starts(piece, 0, asked)
            marked = asked and number == len(pieces) - 1
            out.append(Clause(tuple(piece), formed or marked, checking=marked and not formed))
    return out


def _part_starts(sentence: str) -> set[int]:
    """The indexes of the words that open a part of ``sentence`` after a comma, dash or colon."""
    starts, at = set(), 0
    for part in _PARTS.split(sentence):
        starts.add(at)
        at += len(words(part))
    return starts


_PARTS: Final = re.compile(r"[,;:\u2013\u2014]|\s-\s")


def _question_starts(tokens: list[str], index: int, asked: bool = False, stated: bool = False,
                     opens_part: bool = False) -> bool:
    """Does a question begin at ``tokens[index]`` (in a sentence ending in "?" if ``asked``, in "."
    or "!" if ``stated``; right after a comma, dash or colon if ``opens_part``)?"""
    if index >= len(tokens):
        return False
    head = tokens[index]
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    after = tokens[index + 2] if index + 2 < len(tokens) else ""
    # "what can I do", "what would you like": a question word, then the verb before its subject,
    # asks even after a word that usually makes it a statement's object ("didn't show what can i")
    inverted = head in lexicon.WH_WORDS and following in lexicon.AUXILIARIES and (
        after in _PRONOUNS
        # "how has the business been", "how have things been": "how", its verb, then what it asks
        # about; a statement has its subject first ("that's how the business works")
        or (head == "how" and after in _HOW_ABOUT))
    # "so what I'm hearing is", "I see what you mean", "that's probably what happened" are statements
    back = index - 1
    while back > 0 and tokens[back] in _HEDGES:
        back -= 1
    previous = tokens[back] if index > 0 else ""
    direct = head in lexicon.AUXILIARIES and previous in _ASKING and following in _PRONOUNS
    # "nobody could tell you what was wrong", "they never told us why": a question word after a
    # verb of telling and its object is that verb's object, not a question
    if (head in lexicon.WH_WORDS and previous in ("you", "us", "me", "them", "him", "her") and back > 0
            and tokens[back - 1] in _TELLING):
        return False
    # a modal before its subject ("I'm sure, can I take your number"), or "tell me", after a
    # statement without punctuation starts a question, unless the words before embed it
    # ("can you tell me", "I'd like to tell you", "what can I do")
    # ("tell me if I've got this wrong" checks an understanding; it asks for nothing)
    told = head in ("tell", "talk", "walk") and following == "me" and after not in ("if", "whether")
    restart = (((head in _MODALS and following in _PRONOUNS) or told)
               and previous not in lexicon.WH_WORDS | _EMBEDDING)
    # "... no straight answer i'd love to hear what matters most": a wish to hear the customer
    # out starts a question said as a statement
    wish = head in ("i", "we") and index > 0 and WISH_TO_HEAR.match(" ".join(tokens[index:index + 9]))
    if restart or wish:
        return True
    # in a sentence typed with "?", a dash or comma ends what came before: "so the jacket was two
    # sizes out - did you keep the cover?" states, then asks ("out" does not embed it)
    if (previous in lexicon.NOT_BEFORE_QUESTION and not _ends_a_phrase(tokens, back)
            and not inverted and not direct and not (asked and opens_part)):
        return False
    if head == "which" and index > 0 and following in lexicon.AUXILIARIES and after not in lexicon.SUBJECTS:
        # "he's doing okay, which is great": a relative clause after a statement; "which would you
        # prefer" asks (its verb comes before a subject)
        return False
    # "people who had no need to be there", "guests whose needs aren't visible": a relative clause
    # after a noun; "who did you speak to" asks (its verb comes before a subject)
    if head in ("who", "whose") and back == index - 1 and is_content(previous) and not inverted:
        return False
    # a sentence typed with "?" keeps its question ("what's happening with Bramble's operation?",
    # its "'s" read as "is"); unpunctuated, a "what" clause then "is" states
    if head == "what" and not asked and _pseudo_cleft(tokens, index):
        return False
    if head in lexicon.WH_WORDS and stated and not opens_part and index > 0 and not inverted:
        return False
    if head in lexicon.WH_WORDS:
        return (following in lexicon.AUXILIARIES or following in lexicon.QUESTION_FOLLOWERS
                or (head == "how" and following in lexicon.HOW_ADVERBS)
                or _wh_phrase_then_auxiliary(tokens, index))
    if head in lexicon.AUXILIARIES:
        # "before we do that", "so this is the second time", "which is great": a verb after its
        # subject (or a relative pronoun) states; "sorry about that is there ..." asks again
        if back == index - 1 and (previous in _PRONOUNS | _RELATIVES
                                  or (previous == "that" and not _ends_a_phrase(tokens, back))):
            return False
        # "an inch was the brief", "so the problem is the van": a noun, then its verb and what the
        # noun is, states; "your refund, did you get it" and "is that right" ask
        if back == index - 1 and is_content(previous) and previous not in lexicon.FILLERS \
                and following in ("the", "a", "an"):
            return False
        # "we'd have had it down", "it could have been sorted": a verb chain goes on, it asks nothing
        if index > 0 and tokens[index - 1] in lexicon.AUXILIARIES | {"not"}:
            return False
        # "the app does that after an update" states a habit; "does that help" asks
        after = tokens[index + 2] if index + 2 < len(tokens) else ""
        habit = (head in ("do", "does") and following in ("that", "this") and previous
                 and previous not in lexicon.FILLERS and (not after or after in lexicon.HABIT_FOLLOWERS))
        return following in lexicon.SUBJECTS and not habit
    return False


_PRONOUNS: Final = frozenset({"i", "you", "we", "they", "he", "she", "it"})


def _pseudo_cleft(tokens: list[str], index: int) -> bool:
    """Is the "what" at ``index`` the subject of a statement ("what probably happened is the bags
    got swapped", "what came back isn't your camera", "what matters most is ...")?

    The "what" clause has its own verb, then "is" or "was" says what that was; a question puts its
    verb before a subject instead ("what happened next", "what part of this is hardest"), and "what
    happened, is that right" asks for a check after one.
    """
    k = index + 1
    while k < len(tokens) and (tokens[k] in _HEDGES or tokens[k] in _CLEFT_HELPERS):
        k += 1  # "what will have happened", "what's probably happened", "what normally happens"
    if k >= len(tokens) or not _a_verb(tokens[k]):
        return False
    for j in range(k + 1, min(k + 6, len(tokens))):
        word = tokens[j]
        if word in ("is", "was", "isnt", "wasnt"):
            rest = tokens[j + 1: j + 3]
            if word in ("is", "was") and rest[:1] == ["not"]:
                rest = tokens[j + 2: j + 4]
            # "what happened, is that right": a check after a question, not a statement
            checking = rest[1:] in (["right"], ["correct"], ["true"], ["so"])
            return bool(rest) and not (rest[0] in ("that", "it", "this") and checking)
        if word in _PRONOUNS or word in lexicon.AUXILIARIES:
            return False  # "what made you choose us", "what happened would you say": a question's verb
    return False


# what may stand between "what" and its verb in a statement's subject
_CLEFT_HELPERS: Final = frozenset({"is", "has", "had", "will", "have", "would", "might", "must", "normally",
                                   "usually", "sometimes", "often", "always", "generally", "typically",
                                   "then", "just", "most", "really"})
# past forms that do not end in -ed
_PAST: Final = frozenset({"came", "went", "got", "made", "took", "gave", "left", "sold", "sent", "brought",
                          "told", "said", "broke", "fell", "found", "kept", "put", "ran", "saw", "did",
                          "caught", "paid", "meant", "lost", "done", "gone", "come", "happen"})


def _a_verb(word: str) -> bool:
    """A verb's form a statement's subject clause takes: past, third person, or in -ing."""
    return word in _PAST or (len(word) > 4 and word.endswith(("ed", "ing"))) or word in (
        "happens", "matters", "comes", "goes", "means", "worries", "bothers", "counts", "needs", "helps",
        "works", "annoys", "upsets", "gets", "makes", "takes", "shows", "arrives", "turns")


_HOW_ABOUT: Final = frozenset({"the", "things", "everything", "your", "this", "that", "everyone", "life"})
# "I'd really like to understand how", "we would love to hear more about": see moves.question_kind
WISH_TO_HEAR: Final = re.compile(
    r"((i|we) (would |really |just |do |so |genuinely )*)?(like|love|want|keen|glad|happy|need) to "
    r"(hear|understand|know|learn|find out) ((a )?(bit|little|lot) )?(more )?"
    r"(about (what|how|why)|about|what|how|why)\b")
_TELLING: Final = frozenset({"tell", "told", "telling", "tells", "ask", "asked", "show", "showed", "shown",
                             "explain", "explained", "remind", "reminded", "warn", "warned", "let"})
_RELATIVES: Final = frozenset({"this", "there", "which", "who"})
_MODALS: Final = frozenset({"can", "could", "would", "will", "should", "may", "might", "shall"})
# words after which "tell me" or "can you" continue a clause instead of starting one
_EMBEDDING: Final = frozenset({"to", "you", "please", "can", "could", "would", "will", "just", "me", "and",
                               "or", "that", "if", "whether", "so", "i", "we", "they", "he", "she", "it",
                               "this", "there", "which", "who"})
# verbs that introduce a question said as it would be asked ("just to check, have you kept it")
_ASKING: Final = frozenset({"check", "ask", "wondering", "wonder", "curious"})
# words that sit between a verb and its object without changing the clause ("is probably what")
_HEDGES: Final = frozenset({"probably", "maybe", "likely", "really", "basically", "obviously",
                            "possibly", "definitely", "surely", "perhaps", "actually", "also",
                            "precisely", "clearly", "honestly"})


def _ends_a_phrase(tokens: list[str], index: int) -> bool:
    """Is ``tokens[index]`` a "that" closing a filler ("sorry about that", "thanks for that")?"""
    before = tokens[index - 1] if index > 0 else ""
    return tokens[index] == "that" and before in lexicon.PHRASE_BEFORE_THAT


def _wh_phrase_then_auxiliary(tokens: list[str], index: int) -> bool:
    """ "which three items were missing", "what time does it open": a noun phrase, then the verb.

    Not "what you did" nor "what the engineer said": a subject straight after the
    question word, or no auxiliary within three words, makes a statement's object.
    """
    if tokens[index] not in ("what", "which", "whose") or index + 2 >= len(tokens):
        return False
    if tokens[index + 1] in lexicon.SUBJECTS or tokens[index + 1] in ("your", "my", "our", "his", "her"):
        return False
    return any(t in lexicon.AUXILIARIES for t in tokens[index + 2: index + 4])
