"""Two more listening moves: acknowledging the customer's feeling, and asking an open question.

Acknowledging means naming or validating the feeling ("no wonder you're
annoyed", "that sounds exhausting"); an apology for "the inconvenience" or a
bare "I understand" names nothing. Whose feeling a word names is read from the
clause (its subject, its verb, a negation), not from lists of examples: "the
driver was stressed", "your parents must have been annoyed", "it drove me mad"
and "I wouldn't worry" acknowledge nothing, "I'd be livid too" does. A state
after "feel" ("why you'd feel cheated", "would leave anyone feeling
forgotten") names a feeling whatever the word. An open question invites the customer to say more in their own
words; asking for a fact (a date, a number), a yes/no question, or closing the
call ("is there anything else I can help with") does not.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Final

from tutor.errors import ModelError
from tutor.scoring import lexicon
from tutor.scoring.result import Trait
from tutor.scoring.text import WISH_TO_HEAR, Clause, clauses, is_content, similar, stem


@lru_cache(maxsize=1)
def _feeling_patterns() -> tuple[re.Pattern[str], ...]:
    # a stem ("worr-") finds any word it starts; a phrase matches whole only; a single word
    # also in its noun and inflected forms ("sadness", "loneliness", "fears", "feared"), since
    # a trainee names the feeling in whatever form the sentence needs
    return tuple(re.compile(rf"\b{re.escape(f[:-1])}\w*" if f.endswith("-") else _forms(f))
                 for f in lexicon.FEELINGS)


# words whose other forms mean something else ("hardness", "crossed", "stinged", "shamed")
_ONE_FORM: Final = frozenset({"hard", "tough", "rough", "cross", "mad", "pain", "sting", "stings", "shame",
                              "sinking", "bummer", "rubbish", "grim", "edgy", "fury", "hassle", "hassles"})


def _forms(feeling: str) -> str:
    word = re.escape(feeling)
    if " " in feeling or feeling in _ONE_FORM:
        return rf"\b{word}\b"
    if feeling.endswith("y"):
        return rf"\b(?:{word}|{re.escape(feeling[:-1])}iness)\b"
    return rf"\b{word}(?:ness|s|ed)?\b"


def _is_feeling(word: str) -> bool:
    return any(pattern.fullmatch(word) for pattern in _feeling_patterns())


def feelings_named(text: str) -> list[str]:
    """Feeling words in ``text`` that name the customer's feeling, as said."""
    found: list[str] = []
    for pattern in _feeling_patterns():
        for match in pattern.finditer(text):
            before = text[: match.start()].split()[-12:]
            after = text[match.end():].split()
            if "as far as" in " ".join(before[-5:]) and match.group(0) == "concerned":
                continue  # "as far as you're concerned" gives a view, not a worry
            if match.group(0) == "at the end of" and (after[0] if after else "") not in _POSSESSIVES:
                continue  # "at the end of your tether" (however misheard), not "at the end of this month"
            if match.group(0) == "fright" and not _a_fright(before, after):
                continue  # "gave you a fright", "the fright of your life"; not "the eight o'clock fright"
            if match.group(0) in _CONCERN_NOUNS and after[:1] in (["is"], ["was"], ["are"]) and before \
                    and (before[-1] in _POSSESSIVES | {"the"} or before[-2:-1] in (["your"], ["the"])) \
                    and not _CUSTOMER & set(after[1:4]):
                # "so your (main) worry is that ...": the concern put as a topic, not a feeling ("the
                # worry is keeping you up" stays one)
                continue
            if _customers_feeling(before, match.group(0), after[0] if after else "") and not (
                    _for_someone_else(after) and not _CUSTOMER & set(before[-4:])):
                found.append(match.group(0))
    return list(dict.fromkeys(found))


_CONCERN_NOUNS: Final = frozenset({"worry", "worries", "concern", "concerns"})


def _a_fright(before: list[str], after: list[str]) -> bool:
    """ "A (real) fright", "such a fright", "the fright of your life": the feeling; a bare "fright"
    is most often "flight" or "freight" misheard ("the eight o'clock fright")."""
    article = next((w for w in reversed(before) if w not in _SIZE), "")
    return article in ("a", "such") or (article == "the" and after[:1] == ["of"])


# Whose feeling is it? Read from the clause's shape, not from examples: walk back from the
# feeling word over degree words to a linking verb ("is", "feels", "got"), then over
# auxiliaries to its subject. The customer's ("you were scared", "that sounds awful", "how
# stressful") counts; the trainee's own ("I'm worried the block ...") does not unless it is
# hypothetical ("I'd be worried too"); nor a third party's ("the driver was stressed", "the
# manager feels awful"); nor a negated one ("I wouldn't worry", "it won't hurt").
_DEGREE: Final = frozenset({
    "really", "very", "so", "quite", "a", "an", "bit", "little", "also", "too", "all", "just",
    "pretty", "rather", "extremely", "incredibly", "totally", "absolutely", "only", "ever",
    "actually", "genuinely", "more", "most", "even", "still", "properly", "utterly", "completely",
    "understandably", "super", "massively", "hugely", "deeply", "truly", "such", "well", "now"})
_LINKING: Final = frozenset({
    "is", "was", "are", "were", "am", "be", "been", "being", "feel", "feels", "felt", "feeling",
    "seem", "seems", "seemed", "look", "looks", "looked", "sound", "sounds", "sounded", "get", "gets",
    "got", "getting", "become", "became", "left", "keep", "kept", "went", "go"})
_FEEL_VERBS: Final = frozenset({"feel", "feels", "felt", "feeling", "get", "gets", "got", "getting",
                                "become", "became", "went", "go"})
_AUXILIARY: Final = frozenset({"must", "have", "has", "had", "would", "will", "might", "may", "could",
                               "should", "can", "do", "does", "did", "been", "be", "to", "going",
                               "probably", "definitely", "certainly", "bound", "mustve", "mightve",
                               "couldve", "wouldve", "shouldve", "shall",
                               # "the bride is going to be so upset": the person is before the "is"
                               "is", "are", "was", "were", "am"})
_HYPOTHETICAL: Final = frozenset({"would", "might", "could"})
_GUESSING: Final = frozenset({"must", "would", "might", "could", "may", "mustve", "mightve", "couldve",
                             "wouldve"})  # "it must have hurt" validates
_PAIN: Final = frozenset({"hurt", "hurts", "hurting", "sting", "stings", "stinging", "sore", "painful",
                          "ache", "aches", "aching", "throbbing"})
_FREQUENCY: Final = frozenset({"often", "usually", "always", "sometimes", "normally", "generally",
                               "typically"})
_NEGATIONS: Final = frozenset({"not", "never", "no", "nor"})
_CUSTOMER: Final = frozenset({"you", "your", "yourself", "yours"})
# how much of a state one is in ("in a lot of pain", "in so much distress")
_AMOUNT: Final = frozenset({"a", "lot", "of", "so", "much", "such", "great", "real", "terrible", "awful",
                            "huge", "serious", "bit", "the"})
_POSSESSIVES: Final = frozenset({"your", "my", "his", "her", "their", "our"})
# people a customer talks about, whose feelings are theirs, not the customer's (kin and roles)
_PEOPLE: Final = frozenset({
    "parents", "parent", "mum", "mom", "dad", "mother", "father", "kids", "kid", "children", "child",
    "daughter", "daughters", "son", "sons", "wife", "husband", "partner", "family", "boss", "neighbour",
    "neighbours", "neighbor", "neighbors", "friend", "friends", "colleague", "colleagues", "staff",
    "customers", "guests", "brother", "sister", "baby", "grandmother", "grandfather", "nan", "gran",
    "grandma", "grandad", "manager", "driver", "engineer", "team", "mate", "mates", "landlord",
    "students", "pupils", "patients", "clients", "fiance", "fiancee", "girlfriend", "boyfriend",
    "carer", "carers", "nurse", "doctor", "teacher", "teachers", "steward", "agent", "cleaner", "walker",
    "tenant", "tenants", "flatmate", "housemate", "nephew", "niece", "aunt", "uncle", "cousin",
    "grandson", "granddaughter", "grandchildren", "grandkids", "toddler", "twins", "dog", "cat", "pet",
    "puppy", "bride", "groom", "guest", "passenger", "passengers", "client", "customer", "worker",
    "workers", "officer", "adviser", "advisor", "solicitor", "surveyor", "builder", "plumber",
    "electrician", "vet", "dentist", "midwife", "caseworker", "mums", "moms", "dads", "boys", "girls",
    "lad", "lads", "auntie", "aunty", "aunties", "uncles", "instructor", "technician", "courier",
    "stylist", "mechanic", "fitter", "receptionist", "grandparents"})
# "your little one", "the young ones": a child, however the noun is put
_YOUNG: Final = frozenset({"little", "young", "youngest", "eldest", "oldest", "loved"})


PEOPLE_FILE: Final = "people.txt"
MAX_PEOPLE_BYTES: Final = 2_000_000  # the shipped list is 0.3 MB


@lru_cache(maxsize=1)
def _wordnet_people() -> frozenset[str]:
    # nouns whose commonest sense is a person or an animal ("volunteers", "drummer", "sponsors"),
    # written from WordNet by benchmarks/people_nouns.py: no hand list names them all
    with resources.as_file(resources.files("tutor.scoring") / "data" / PEOPLE_FILE) as path:
        return load_people_nouns(path)


def load_people_nouns(path: Path) -> frozenset[str]:
    """The people nouns from their file; :class:`ModelError` in one line when it is missing,
    too big to be the list, or not text, as from a damaged install."""
    try:
        size = path.stat().st_size
        if size > MAX_PEOPLE_BYTES:
            raise ModelError(f"the people nouns {path} are {size / 1e6:.0f} MB, more than the list can be; "
                             "reinstall the tutor")
        text = path.read_text(encoding="utf-8")
    except ModelError:
        raise
    except (OSError, UnicodeDecodeError) as error:
        raise ModelError(f"cannot read the people nouns {path} ({error}); reinstall the tutor") from error
    people = frozenset(line for line in text.splitlines() if line and not line.startswith("#"))
    if not people or any(not word.isalpha() or not word.islower() for word in people):
        raise ModelError(f"the people nouns {path} are damaged (a line is not one lower-case word); "
                         "reinstall the tutor")
    return people


def prepare_moves() -> None:
    """Read the people nouns now, not while the trainee waits for feedback."""
    _wordnet_people()


def _is_person(word: str, before: str = "") -> bool:
    """Is ``word`` (after ``before``) someone other than the customer: kin, a role, a pet?"""
    if word in ("one", "ones") or word in _YOUNG:
        return before in _YOUNG or (word in _YOUNG and before in _POSSESSIVES | {"the"})
    return word in _PEOPLE or word in _wordnet_people()


# what a word of two senses ("hard", "tough") may describe and still be an experience
_EXPERIENCES: Final = frozenset({
    "time", "times", "day", "days", "week", "weeks", "month", "months", "year", "morning", "night",
    "evening", "weekend", "experience", "situation", "position", "spot", "thing", "things", "work",
    "going", "journey", "wait", "start", "few", "couple", "lesson", "blow", "one", "place", "feeling"})
# "it's natural to feel ...", "it's understandable to be ...": a feeling granted to anyone
_NATURAL: Final = frozenset({"natural", "normal", "understandable", "reasonable", "okay", "ok", "fine",
                             "right", "fair", "human"})
# "they found it stressful", "I find it hard": the feeling of whoever found it so
_FIND: Final = frozenset({"found", "find", "finds", "finding"})
_RELATIVE: Final = frozenset({"that", "which", "who"})
_SAID: Final = frozenset({"said", "says", "saying", "say"})
_NOT_CUSTOMER_OBJECTS: Final = frozenset({"me", "us", "him", "her", "myself", "ourselves"})
_SITUATION: Final = frozenset({"that", "it", "this", "which", "what", "how", "there"})
_SELF: Final = frozenset({"i", "we"})
_THIRD_PERSON: Final = frozenset({"he", "she", "they"})
_HAD: Final = frozenset({"had", "has", "have", "having", "got", "get", "gets", "getting"})
_SIZE: Final = frozenset({"real", "proper", "big", "huge", "nasty", "horrible", "terrible", "awful", "bad",
                          "right", "massive", "dreadful"})
_OTHERS: Final = frozenset({"they", "he", "she", "everyone", "everybody", "someone", "somebody",
                            "people", "staff", "team", "them"})
# feelings that describe the one who has them; the others ("awful", "a nightmare") can
# describe the situation, so "the delay was awful" still speaks to the customer's experience
_EXPERIENCER: Final = frozenset({
    "upset", "afraid", "sad", "angry", "cross", "mad", "furious", "nervous", "gutted", "anxious",
    "livid", "fuming", "heartbroken", "shaken", "tired", "helpless", "powerless", "lonely",
    "desperate", "frantic", "fed up", "worn out", "let down", "sick of", "tired of", "on edge",
    "hurt", "miserable", "bitter", "fearful", "shaky"})


def _customers_feeling(before: list[str], feeling: str, following: str) -> bool:
    """Is the feeling said just after ``before`` the customer's (or their situation's)?"""
    head, _, rest = feeling.partition(" ")
    if rest and head in _LINKING:
        # "felt awful" carries its own verb: whose feeling it is, is read from before that verb
        return _customers_feeling([*before, head], rest, following)
    described = before[:-1] if before and before[-1] in _SIZE else before
    if len(described) > 1 and described[-1] in ("a", "an", "the") and described[-2] in _HAD:
        # "she must have had the shock of her life": a state one had, read like "been shocked"
        return _customers_feeling([*described[:-2], "been"], feeling, following)
    amount = len(before)
    while amount and before[amount - 1] in _AMOUNT:
        amount -= 1
    if amount > 1 and before[amount - 1] == "in" and before[amount - 2] in _LINKING:
        # "he must have been in agony", "in a lot of pain": a state one is in, read like "been upset"
        return _customers_feeling(before[:amount - 1], feeling, following)
    if before and before[-1] in _NOUN_PHRASE and _is_person(following, feeling):
        return False  # "a nervous beginner", "an angry driver": what that person is like
    if before and (before[-1] in ("whats", "what") or before[-2:] == ["what", "is"]):
        return False  # "what's worrying you most?": asks about a feeling, names none
    rhetorical = "who" in before[-4:-2]  # "who wouldn't be frustrated?": anyone would
    if (before and before[-1] in _NEGATIONS) or (
            len(before) > 1 and before[-2] in _NEGATIONS and before[-1] in _LINKING | _DEGREE | _AUXILIARY
            and not rhetorical):
        return False
    # "the hard shoulder", "tough luck": a word of two senses naming a thing, not an experience
    # ("a hard week", "a tough time" stay one)
    if feeling in _ONE_FORM and is_content(following) and following not in _EXPERIENCES:
        return False
    if before and before[-1] in _SAID:
        return False  # "the staff more or less said tough": their word, quoted
    if len(before) > 1 and before[-1] == "in" and is_content(before[-2]) and before[-2] not in _CUSTOMER:
        return False  # "left the garden in a mess": the state of a thing
    i = len(before) - 1
    while i >= 0 and _degree(before[i]):
        i -= 1
    if i < 0:
        return True
    if before[i] in ("and", "or") and i > 0 and (_is_feeling(before[i - 1]) or (
            is_content(before[i - 1]) and before[i - 1] not in _CUSTOMER)):
        # "your mum must have been confused and frightened", "he must have been starving and so
        # upset": the second state is the first's subject's, however far back that is
        return _customers_feeling(before[: i - 1], before[i - 1], feeling)
    if feeling.endswith("ed") and before[i] not in _LINKING and is_content(before[i]) \
            and before[i] not in _SITUATION:
        # "the kitchen ignored it", "wrong band ignored letters": a verb with its own subject, not a
        # feeling the customer was left with ("you felt ignored", "ignored for weeks")
        return False
    if before[i] not in _LINKING:
        if feeling in _ONE_FORM and is_content(before[i]) and before[i] not in _CUSTOMER | _SITUATION \
                and before[i] not in _EXPERIENCES and not before[i].endswith("ing"):
            return False  # "the drive's sinking": a thing's state, the verb lost with its apostrophe
        # "when it hurt", "gel work does sting": the subject is "it" or the noun before a helper verb
        sufferer = before[i - 1] if before[i] in ("do", "does", "did", "can", "will") and i > 0 else before[i]
        if _bodily(feeling, sufferer, guessed=False):
            return False
        # "they panic", "I worry that ...": the feeling is the subject's own verb; "it drove me
        # mad", "that made him furious": the feeling of the one it happened to, not the customer
        if before[i] in _SITUATION and i > 1 and before[i - 1] in _FIND:
            finder = i - 2  # "your husband must have found that ...": back over the helpers to who found it
            while finder > 0 and before[finder] in _AUXILIARY | _DEGREE:
                finder -= 1
            hypothetical = bool(_HYPOTHETICAL & set(before[finder:i]))  # "I'd find that insulting too"
            if (before[finder] in _SELF and not hypothetical) or before[finder] in _OTHERS \
                    or _is_person(before[finder], before[finder - 1] if finder else ""):
                return False
        if following in _THEM:
            return False  # "getting ready for a walk scares her": the feeling of whoever it scares
        if feeling in _ONE_FORM and before[i] in _THEM | {"it"} and i > 0 and is_content(before[i - 1]) \
                and before[i - 1] not in _TAKEN:
            return False  # "jerked it so hard": how it was done; "you took it hard" stays a feeling
        if before[i] in ("me", "us") and i > 1 and before[i - 1] in ("make", "made", "drive", "send") \
                and "would" in before[max(0, i - 4): i - 1]:
            return True  # "that would make me furious too": the trainee's own, granted as anyone's
        return before[i] not in _SELF | _OTHERS | _NOT_CUSTOMER_OBJECTS
    verb = before[i]
    i -= 1
    helpers: set[str] = set()
    # "you were left feeling awful": a chain of linking verbs has the subject of its first
    while i >= 0 and (before[i] in _AUXILIARY or _degree(before[i]) or before[i] in _NEGATIONS
                      or before[i] in _FREQUENCY or before[i] in _LINKING):
        helpers.add(before[i])
        i -= 1
    subject = before[i] if i >= 0 else ""
    if subject in _SITUATION and i > 1 and before[i - 1] == "like":
        # "faults like that are hard to reproduce": the noun that "like that" follows is the subject
        i -= 2
        subject = before[i]
    if (subject in _RELATIVE and verb in ("been", "being", "got", "get") and feeling.endswith("ed")
            and i > 0 and is_content(before[i - 1]) and before[i - 1] not in _OTHERS):
        # "a kitchen that's been gutted": a thing done to the noun before the relative pronoun,
        # not a feeling ("it's been a week, that's been exhausting" stays the customer's)
        i -= 1
        subject = before[i]
    if any(before[j] in _ANYONE for j in range(max(0, i - 4), i + 1)) and not (
            _LINKING | _AUXILIARY) & set(before[max(0, i - 4): i]):
        return True  # "anyone running a business would be furious": anyone's, so the customer's too
    if _is_person(subject, before[i - 1] if i > 0 else "") and not _object_of(before, i):
        # "your parents must have been so annoyed", "the kids were upset", "your little one must
        # be so unsettled": someone else's feeling
        return False
    if _bodily(feeling, subject, guessed=bool(helpers & _GUESSING)):
        return False
    if feeling in _ONE_FORM and is_content(subject) and subject not in _CUSTOMER | _SITUATION | _EXPERIENCES \
            and not subject.endswith("ing"):
        return False  # "new turf looks rough", "the bed was hard": a thing's state, not an experience
    if (not subject or subject in _CUSTOMER or subject in _SITUATION
            or (i > 0 and before[i - 1] in _CUSTOMER)):
        return True
    if subject in _SELF:
        return bool(helpers & _HYPOTHETICAL)
    if subject in _THEM and (feeling in _EXPERIENCER or feeling.endswith("ed")):
        return False  # "the groom who's been looking after her is gutted": the one before the clause
    if subject in _NATURAL and "to" in helpers:
        return True  # "it's completely natural to feel frightened": anyone's, so the customer's too
    if subject not in _OTHERS and (not is_content(subject) or subject.endswith("ing")):
        # no subject to be found ("and", "but"), or an activity ("being treated like that must
        # feel humiliating"): the situation the customer is in
        return True
    if verb in _FEEL_VERBS or feeling in _EXPERIENCER or feeling.endswith("ed") or subject in _THIRD_PERSON:
        return False  # "she must have had a shock", "he was in bits": someone else's
    # "estimates are only a rough guide": the adjective describes a noun, not an experience;
    # "faults are hard to reproduce": a task's difficulty, not anyone's feeling
    return not is_content(following) and following != "to"


# "a night with two little ones sounds exhausting": the person is in the subject, not it
_OBJECT_OF: Final = frozenset({"with", "of", "to", "for", "about", "from", "without"})
_NOUN_PHRASE: Final = frozenset({"the", "a", "an", "two", "three", "both", "all", "poor", "those", "these",
                                  *_POSSESSIVES, *_YOUNG})


def _object_of(words: list[str], noun: int) -> bool:
    """Is the noun at ``noun`` the object of a preposition ("with two little ones")?"""
    k = noun - 1
    while k >= 0 and words[k] in _NOUN_PHRASE:
        k -= 1
    if k > 0 and words[k] == "of" and words[k - 1] in _SHARE_OF:
        return False  # "the rest of your family must have been devastated": the family's feeling
    return k >= 0 and words[k] in _OBJECT_OF


_SHARE_OF: Final = frozenset({"rest", "all", "most", "some", "both", "each", "one", "none", "many", "lot",
                              "half", "lots", "any"})


_THEM: Final = frozenset({"him", "her", "them", "himself", "herself", "themselves"})
_ANYONE: Final = frozenset({"anyone", "anybody", "everyone", "everybody"})
_TAKEN: Final = frozenset({"take", "takes", "took", "taken", "taking", "find", "finds", "found", "finding"})


def _for_someone_else(after: list[str]) -> bool:
    """ "That must have been awful for him", "so hard for your mum": the feeling said is another's
    (unless the customer is named with them: "hard for her and for you")."""
    if after[:1] != ["for"]:
        return False  # ("you'd be upset, this was for your dad": a new clause)
    whom = after[1:3]
    other = bool(whom) and (whom[0] in _THEM or _is_person(whom[0]) or (
        len(whom) > 1 and whom[0] in _POSSESSIVES and _is_person(whom[1], whom[0])))
    return other and not _CUSTOMER & set(after[2:6])


def _degree(word: str) -> bool:
    """A degree or stance word between a verb and its state ("really", "clearly", "rightly")."""
    return word in _DEGREE or (len(word) > 4 and word.endswith("ly") and word not in _NOT_DEGREE)


# words in -ly that are not adverbs of degree or stance
_NOT_DEGREE: Final = frozenset({"family", "early", "only", "lonely", "ugly", "silly", "holy", "supply",
                                "reply", "apply", "rely", "july", "italy", "belly", "bully", "jolly",
                                "lovely", "friendly", "likely", "elderly", "daily", "weekly", "monthly",
                                "fully", "ally", "rally", "tally", "jelly", "sally", "billy", "lily"})


def _bodily(feeling: str, subject: str, guessed: bool) -> bool:
    """ "When it hurt", "the gel does sting": pain said of the body or a thing, not a feeling;
    "it must have hurt" (a guess about the customer's experience) still acknowledges one."""
    return feeling in _PAIN and ((subject == "it" and not guessed) or (
        is_content(subject) and subject not in _CUSTOMER | _SITUATION))


def score_empathy(reply: str, customer_emotions: tuple[str, ...] = ()) -> Trait:
    joined = " ".join(" ".join(c.tokens) for c in clauses(reply))
    if not joined:
        return Trait(False, 0.0, "none", "Nothing was said to acknowledge how the customer feels.")
    validation = next((v for v in lexicon.VALIDATIONS if _validates(v, joined)), None)
    if validation is None:
        felt = (_FELT.search(joined) or _FEEL_STATE.search(joined) or _WOULD_MOVE_ANYONE.search(joined)
                or _FEELS_LIKE.search(joined) or _YOU_SOUND.search(joined))
        validation = felt.group(0) if felt else None
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


# "you must have felt ...", "you must be so ...": the verb, or a degree word that only a state
# takes, says a feeling is named, whatever the word after it (one the lexicon lacks, or one the
# recogniser misheard: "you must have felt offal", "you must be absolutely got it")
_FELT: Final = re.compile(r"\byou (must|might|may|would|will) (have )?"
                          r"((felt|feel|be feeling|have been feeling) "
                          r"(?!like (a|an|the|you|it|that|this|we|i)\b)"
                          r"|(be|have been) (so|absolutely|really|very|totally|completely|utterly) )\w+")


# "that must be ..." validates what follows it ("that must be a nightmare", "it must be so
# hard"); cut off ("that must be um yeah sorry") or a guess at a cause ("it must be the fabric")
# it validates nothing
_GUESSES: Final = ("that must be", "it must be", "that must have been", "it must have been")
_GUESSED_BY: Final = frozenset({"told", "thinks", "reckons", "claims"})
_NOT_VALIDATED: Final = frozenset({"", "um", "uh", "er", "erm", "yeah", "sorry", "the", "your", "his", "her",
                                   "their", "our", "my", "because", "due", "from", "in", "on", "at", "to",
                                   "that", "it", "him", "them", "someone", "something"})


def _validates(validation: str, joined: str) -> bool:
    found = re.search(rf"\b{re.escape(validation)}\b", joined)
    if not found:
        return False
    before = joined[:found.start()].split()
    if validation.startswith(("anyone", "anybody")) and before and before[-1] in _ASKING_WHEN:
        return False  # "no idea when anyone would turn up": a time, not a feeling anyone would share
    # "your carer must have been really upset": someone else's state, not the customer's
    # ("losing the pictures of you with your dad must feel ...": the dad is not the subject)
    if validation.startswith("must") and before and (
            _is_person(before[-1], before[-2] if len(before) > 1 else "") or before[-1] in _OTHERS) and not (
            _OBJECT_OF & set(before[-3:-1])):
        return False
    if validation in ("no wonder", "small wonder"):
        after = joined[found.end():].split()[:2]
        # "no wonder she's in tears", "no wonder your daughter was scared": another's reaction
        return not (after and (after[0] in _THIRD_PERSON or _is_person(after[0]) or (
            len(after) > 1 and after[0] in _POSSESSIVES | {"the"} and _is_person(after[1], after[0]))))
    if validation in _GUESSES:
        after = joined[found.end():].split()
        said = [word for word in after[:4] if word not in _DEGREE][:1]
        if said and _for_someone_else(after[after.index(said[0]) + 1:]):
            return False  # "that must have been awful for him": his, not the customer's
        # "he said it must have been like that already": someone's guess at a cause, reported
        reported = bool(set(before[-2:]) & (_SAID | _GUESSED_BY))
        return (after[0] if after else "") not in _NOT_VALIDATED and not reported and after[:2] not in (
            ["like", "that"], ["like", "this"], ["like", "it"])
    # "I'd be happy to check": an offer, not the customer's feeling
    return not (validation.startswith("i would") and _GLAD_TO.match(joined[found.end():]))


_ASKING_WHEN: Final = frozenset({"when", "if", "whether", "until", "till", "before", "why", "where"})
_GLAD_TO: Final = re.compile(r" (more than |very |really |only too |so )?(happy|glad|pleased|delighted|able|"
                             r"willing) to\b")


# "why you'd feel cheated", "would leave anyone feeling forgotten", "I'd feel pretty lost too":
# a state after "feel" said of the customer, of anyone, or of the trainee in their place names a
# feeling, whatever the word ("feel like", "feel that", "feel sure" do not)
_FEEL_STATE: Final = re.compile(
    r"\b(you|anyone|anybody|everyone|everybody|(i|we) would|(i|we) would have) "
    r"((would|must|might|may|will|can|could|have|had|be|been|probably|definitely|really|understandably)"
    r" ){0,2}"
    r"(feel|feeling|felt) (so |really |pretty |quite |very |a bit |a little |completely |totally |utterly "
    r"|incredibly |rather |a |bit |little |absolutely |properly |just )*"
    r"(?!(like|that|as|the|an|it|this|these|those|sure|free|welcome|better|okay|ok|fine|good|happy|"
    r"confident|comfortable|safe|you|about|for|to|when|if|we|i|they|there|now|today|right|is|was|"
    r"and|but|or|so|at|in|on|of|with|too|more|less|much|any|no|nothing|something|able|ready|"
    r"its|his|her|their|our|your|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)\b)[a-z]{3,}\b")
# "that would shake anyone", "it would wind anybody up", "that'd leave anyone feeling ...": the
# customer's reaction called the one anyone would have
_WOULD_MOVE_ANYONE: Final = re.compile(  # "break anyone's heart", "enough to drive anyone round the bend"
    r"\b(would|could|enough to) (\w+ ){1,2}(anyones?|anybodys?|any of us|most people)\b")


# "you feel like you've been conned", "it feels like you were shut out", "it felt like losing him
# all over again": how the customer experiences it, put as a clause; not "do you feel like ...",
# a question, nor "I feel like", the trainee's own view, nor "feel like a coffee"
_FEELS_LIKE: Final = re.compile(
    r"(?<!\bdo )(?<!\bdid )(?<!\bwould )\b(you|it|that|this) (really |must |might |may |probably |just "
    r"|honestly |does |did |can |will |would )*(feel|feels|felt|feeling) like "
    r"(you|you have|you are|you were|you had|you would|being|losing|nobody|no one|we|they|your)\b")


# "you sound absolutely frazzled", "you sound completely worn down": what the customer sounds
# names their state, whatever the word (one the lexicon lacks, or one the recogniser misheard:
# "you sound absolutely lived"); not "you sound like", "you sound sure"
_YOU_SOUND: Final = re.compile(
    r"\byou (sound|sounded) (so |really |absolutely |completely |totally |very |quite |pretty |a bit "
    r"|a little |properly |just |utterly |clearly )*(?!(like|as|if|sure|right|fine|okay|ok|certain|"
    r"confident|good|great|familiar|about|to|on|in|at|the|a|an|that|it|you|your)\b)[a-z]{3,}")


def _all_feelings_inside(joined: str, named: list[str], dismissal: str) -> bool:
    """Is every feeling word part of the brush-off ("sorry for any frustration")?"""
    start = joined.find(dismissal)
    window = joined[max(0, start - 20): start + len(dismissal) + 20]
    return all(feeling in window for feeling in named)


# sounds a trainee makes before speaking ("mm okay so tell me ...")
_SOUNDS: Final = frozenset({"um", "uh", "er", "erm", "just", "mm", "mmm", "mhm", "hm"})


def question_kind(clause: Clause) -> str:
    """'open', 'fact', 'yes_no' or 'none' for one clause."""
    tokens = list(clause.tokens)
    text = " ".join(tokens)
    # "is there anything else I can help with" closes the call; it offers service, not a hearing
    closing = re.search(r"\b(anything|what) else (can |could )?(i|we) (can |could )?(help|do)\b", text)
    # "okay right so tell me more": fillers before the invitation leave it an invitation
    start = 0
    while start < len(tokens) - 1 and tokens[start] in lexicon.FILLERS | _SOUNDS:
        start += 1
    opening = " ".join(tokens[start:])
    if re.match(r"(is|was) (that|this|it) what\b", opening):
        return "yes_no"  # "so is that what happened": checks an understanding, asks for no more
    if re.match(r"how about (?!(you )?(tell|talk|walk)\b)", opening):
        return "yes_no"  # "how about half price for three months": a proposal to accept or refuse
    if not closing and any(re.search(rf"\b{re.escape(i)}\b", text) for i in lexicon.INVITATIONS) and (
            clause.question or opening.startswith(("tell", "talk", "walk", "take", "help me", "i would love",
                                                    "i would like to hear", "please tell"))):
        return "open"
    if not closing:
        embedded = WISH_TO_HEAR.search(text)
        # near the start only: a wish to hear further on starts a clause of its own (text.clauses)
        if embedded and len(text[: embedded.start()].split()) <= 3:
            # "I'd love to hear what happened", "I'd like to understand how that hit your work": an
            # open question said as a statement; "I'd like to know what your reference is" asks a fact
            return "fact" if _names_a_fact(tokens[len(text[: embedded.end()].split()) - 1:]) else "open"
    if not closing and _LOST_WH.search(text):
        return "open"
    if not clause.question:
        return "none"
    head = tokens[0] if tokens else ""
    if head == "where" and _WHERE_NEXT.match(text):
        return "open"  # "where would you like us to start", "where does that leave you": not a place
    if head in ("when", "where", "which", "who", "whose"):
        return "fact"
    if head in ("what", "how", "why"):
        if head == "how" and len(tokens) > 1 and tokens[1] in ("much", "many", "long", "often", "old", "far",
                                                                "soon"):
            return "fact"
        if head == "what" and _names_a_fact(tokens):
            return "fact"
        return "open"
    return "yes_no"


# "where" asking how the customer stands or what they want next, not for a place
_WHERE_NEXT: Final = re.compile(
    r"where (would|do|shall|should) (you|we) (like|want|need)? ?(us |me )?(to )?(start|go|begin|take it)\b"
    r"|where (does|do|did|has|have) (that|this|it|things|everything|all this|all that) "
    r"(leave|left|stand|got)\b"
    r"|where (are|is) (things|everything|it all|you) (at|now|up to|with)\b")


# the words of a question's noun phrase that only stand before the noun ("what's the exact ...")
_BEFORE_NOUN: Final = frozenset({"is", "was", "are", "were", "the", "your", "my", "a", "an", "exact",
                                 "exactly", "full", "that", "this", "his", "her", "their", "best"})


# What stays of "what would help most", "what would you like us to do" or "how has this been for
# you" when the recogniser loses the question word ("wild would help the most", "guess like would
# you like us to do", "has this been for you"): a verb with nothing to be its object or
# complement, or a "most" that only a question word sets up
_LOST_WH: Final = re.compile(
    r"\b(would|could) (help|make( the)? (biggest |most |real )?difference|make (it|this|things) "
    r"(better|easier))( for)?( you)?( the)? (most|best|must)\b"  # "most" is often heard as "must"
    r"|\b(would|do) you (like|want) (us|me) to do( about it| about this| from here| next| now)?$"
    r"|\b(has|have) (this|that|it|all this|all that) been (like )?for you\b|\bbeen like for you\b"
    r"|\b(like|want|hope) to see happen\b")


def _names_a_fact(tokens: list[str] | tuple[str, ...]) -> bool:
    """Does the noun phrase after the question word name a fact ("what's your account number")?

    Only the phrase straight after the question word counts: "what happened on the day" asks
    for a story, "what day did it come" for a date. A fact word is matched loosely in spelling
    too, as the recogniser hands it over ("what's your application reverence").
    """
    i = 1
    while i < len(tokens) and tokens[i] in _BEFORE_NOUN:
        i += 1
    phrase = tokens[i: i + 3]
    return any(t in lexicon.FACT_WORDS or any(similar(t, f) for f in lexicon.FACT_WORDS) for t in phrase)


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
