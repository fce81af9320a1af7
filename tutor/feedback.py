"""Feedback: short, specific and kind, said by the station or printed by `tutor practice`.

Spoken: one thing done well, one thing to try, and a better sentence for this scenario;
under about 20 seconds when spoken. The thing to try names what the scorer saw (the
customer's own words said back, an explanation, a closed question, talking over the
second point), in time words a trainee uses ("just as the customer finished"), never in
seconds. Recognised words are quoted only from judgements the station vouches for.
Printed: what was heard when, then each habit and why. Pure text, so it is tested and
tuned without a speaker.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from tutor.scoring import Scorecard
from tutor.scoring.paraphrase import UNDECIDED, Paraphrase
from tutor.scoring.result import Trait
from tutor.vocabulary import LIT_HABITS, Habit, PauseVerdict

if TYPE_CHECKING:
    from tutor.round import RoundResult

WORDS_PER_SECOND: Final = 165 / 60  # the station's speaking rate
# a reply starting less than this before the customer's last word began "just as they finished"
JUST_AS_FINISHED_S: Final = 1.0
_QUOTED_WORDS: Final = 8  # a longer quote is hard to follow by ear: say what it did instead
_ORDINALS: Final = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
                    "tenth")

# what is praised or worked on first: restating matters most, the open question least
_ORDER: Final = (Habit.PARAPHRASE, Habit.EMPATHY, Habit.PAUSE, Habit.INTERRUPTIONS, Habit.OPEN_QUESTION)
# a tip ending in this is followed by the scenario's better sentence, or closed without one
_LIKE: Final = ", like:"


def compose_feedback(card: Scorecard, progress: str | None = None, max_seconds: float = 25.0) -> str:
    """The words to say after a round."""
    unsure = _unsure_sentence(card)
    if card.pause is not None and card.pause.verdict == PauseVerdict.NO_REPLY:
        if unsure:
            return f"I couldn't tell whether you replied. {unsure}"
        return ("I didn't hear a reply. When the customer finishes, take a breath, "
                "then answer out loud. Press the button to try again.")
    traits = {habit: trait for habit, trait in card.traits() if trait.reliable}
    if not traits:
        return unsure or "I couldn't judge that round. Press the button to try again."
    good = next((name for name in _ORDER if name in traits and traits[name].passed), None)
    weak = next((name for name in _ORDER if name in traits and not traits[name].passed), None)
    # what could not be judged is said first: a trainee must never take silence for praise
    sentences: list[str] = [unsure] if unsure else []
    if good:
        sentences.append(f"Well done. {_praise(good, traits[good], card)}")
    if weak is None:
        if not unsure:
            sentences.append("Everything I listen for was there. Great listening.")
    else:
        sentences.extend(_tip(weak, traits[weak], card))
    return _fit(sentences, card.better_sentence, progress, max_seconds)


def _praise(habit: Habit, trait: Trait, card: Scorecard) -> str:
    """One thing done well, as specific as the judgement allows."""
    if habit is Habit.PARAPHRASE:
        return "You put the customer's concern in your own words."
    if habit is Habit.EMPATHY:
        feeling = _quote(next(iter(trait.details.get("feelings") or []), None))
        if feeling:
            return f"You named how the customer feels: {feeling}."
        return "You acknowledged how they feel."
    if habit is Habit.PAUSE:
        if trait.verdict == PauseVerdict.IDEAL:
            return "You gave a good pause before answering."
        return "You paused before answering."
    if habit is Habit.INTERRUPTIONS:
        heard = _quote(card.backchannels[0].text) if card.backchannels and _words_trusted(card) else None
        if heard:
            return f"You let the customer finish, and your {heard} showed you were listening."
        return "You let the customer finish."
    question = _quote(next(iter(trait.details.get("questions") or []), None))
    if question:
        return f"Your question {question} invited them to say more."
    return "Your open question invited them to say more."


def _tip(habit: Habit, trait: Trait, card: Scorecard) -> list[str]:
    """What went wrong, in the scorer's terms, then one thing to try."""
    if habit is Habit.PAUSE:
        return _pause_tip(PauseVerdict(trait.verdict), card)
    if habit is Habit.INTERRUPTIONS:
        first = card.interruptions[0] if card.interruptions else None
        if first is None:
            return ["Try not to cut in while the customer is still talking; a short mm-hmm is fine."]
        said = _quote(first.text) if _words_trusted(card) else None
        return [f"You cut in {_when(first.during)}{f', with {said}' if said else ''}.",
                "Let them finish; a short mm-hmm is fine."]
    if habit is Habit.EMPATHY:
        return _empathy_tip(trait)
    if habit is Habit.OPEN_QUESTION:
        question = _quote(next(iter(trait.details.get("questions") or []), None))
        if question and trait.verdict == "yes_no":
            return [f"{question} can be answered yes or no.", f"Try an open question{_LIKE}"]
        if question and trait.verdict == "fact":
            return [f"{question} asks for a fact.", f"Try an open question{_LIKE}"]
        return [f"Try an open question{_LIKE}"]
    return _paraphrase_tip(trait, card)


def _paraphrase_tip(trait: Trait, card: Scorecard) -> list[str]:
    verdict = trait.verdict
    if verdict == Paraphrase.PARROTED:
        copied = _quote(_first_quoted(trait.reason))
        said = f"You used the customer's own words, {copied}." if copied else (
            "You used the customer's own words.")
        return [said, f"Say it your own way{_LIKE}"]
    if verdict == Paraphrase.DISMISSIVE:
        explanation = _quote(trait.details.get("dismissive"))
        if trait.details.get("restated"):
            # the concern was said back: the advice is to drop the excuse, never to reflect again
            return [f"You said back what happened, then {explanation or 'an explanation'} explained it away.",
                    "Next time, leave the explanation out."]
        said = (f"Saying {explanation} explains the problem instead of reflecting it." if explanation
                else "Your reply explains the problem instead of reflecting it.")
        if trait.details.get("offer"):
            return [said, f"Before offering a fix, say back what happened to them{_LIKE}"]
        return [said, f"Say back what happened to them{_LIKE}"]
    if verdict == Paraphrase.WRONG_CONCERN:
        wrong = _quote(trait.details.get("wrong_concern"))
        said = (f"{wrong} isn't what the customer told you." if wrong
                else "You reflected a concern the customer didn't raise.")
        return [said, f"Reflect what they did say{_LIKE}"]
    if verdict == Paraphrase.QUESTION_ONLY:
        return ["You asked a question before showing you'd heard them.",
                f"Say their concern back first{_LIKE}"]
    if verdict == Paraphrase.ACKNOWLEDGEMENT_ONLY:
        bare = _quote(card.transcript.strip(" .!?,"))
        return [f"Just {bare} doesn't show what you heard." if bare
                else "A bare acknowledgement doesn't show what you heard.",
                f"Say their concern back in your own words{_LIKE}"]
    if trait.details.get("offer"):
        return ["You offered a fix before showing you'd heard them.",
                f"Say back what they told you first{_LIKE}"]
    return [f"Try saying their concern back in your own words{_LIKE}"]


def _empathy_tip(trait: Trait) -> list[str]:
    if trait.verdict == "brushed_off":
        brushed = _quote(_first_quoted(trait.reason))
        said = f"{brushed} talks the feeling away." if brushed else "Your reply talks the feeling away."
        return [said, f"Name how they feel instead{_LIKE}"]
    if trait.verdict == "apology_only":
        return ["An apology alone doesn't name how they feel.", f"Try naming it{_LIKE}"]
    return [f"Try naming how they feel{_LIKE}"]


# a failed pause is talked over, jumped in or dead air: each has its own tip
def _pause_tip(verdict: PauseVerdict, card: Scorecard) -> list[str]:
    if verdict is PauseVerdict.TALKED_OVER:
        overlap_s = -(card.pause_s or 0.0)
        # the reply that began over the customer is the latest speech that overlapped them
        when = ("just as the customer finished" if overlap_s < JUST_AS_FINISHED_S or not card.interruptions
                else _when(card.interruptions[-1].during))
        return [f"You started {when}.", "Next time, wait until they have finished, then take a breath."]
    if verdict is PauseVerdict.JUMPED_IN:
        return ["You came in the moment the customer finished.",
                "Next time, take a breath before you answer: about a second."]
    return ["You answered after a long silence.",
            "Next time, answer a little sooner, so they know you heard."]


def _when(during: str) -> str:
    """A place in the customer's turn (:func:`tutor.scoring.timing.where_in_turn`) in a trainee's words."""
    if paused := re.fullmatch(r"the customer's pause after line (\d+)", during):
        return f"when the customer paused after their {_ordinal(int(paused[1]))} point"
    if line := re.fullmatch(r"line (\d+)", during):
        return f"while the customer was still explaining the {_ordinal(int(line[1]))} point"
    if during == "before the customer spoke":
        return "before the customer had started"
    return "before the customer had finished"


def _ordinal(number: int) -> str:
    return _ORDINALS[number - 1] if 0 < number <= len(_ORDINALS) else f"number {number}"


def _words_trusted(card: Scorecard) -> bool:
    """Whether recognised words may be quoted: the station vouched for every word judgement."""
    judged = [t for t in (card.paraphrase, card.empathy, card.open_question) if t is not None]
    return bool(judged) and all(t.reliable for t in judged)


def _quote(text: str | None) -> str | None:
    """``text`` in quotes, or None when there is none or it is too long to follow by ear."""
    if not text or not text.strip() or len(text.split()) > _QUOTED_WORDS:
        return None
    return f"'{text.strip()}'"


def _first_quoted(reason: str) -> str | None:
    """The first phrase a scorer's reason quotes (what was said, as recognised)."""
    found = re.search(r"(?<!\w)'(.+?)'(?!\w)", reason)  # not the apostrophe of "customer's"
    return found[1] if found else None


def results_for_lights(card: Scorecard) -> dict[Habit, bool | None]:
    """The three result LEDs: passed, failed, or not scored."""
    def passed(trait: Trait | None) -> bool | None:
        return None if trait is None else trait.shown

    return {habit: passed(card.trait(habit)) for habit in LIT_HABITS}


def _unsure_sentence(card: Scorecard) -> str | None:
    """One plain sentence on what could not be judged, why, and what to do about it."""
    timing = [t for t in (card.pause, card.turn_taking) if t is not None and not t.reliable]
    words = [t for t in (card.paraphrase, card.empathy, card.open_question)
             if t is not None and not t.reliable]
    if not timing and not words:
        return None
    if not timing and [t.unsure_reason for t in words] == [UNDECIDED]:
        # the words were heard well; the reply was just neither clearly a restatement nor clearly not
        return "I couldn't tell whether you said their concern back; next time, make it plain."
    what = ("your timing or your words" if timing and words else "your timing" if timing else "your words")
    why = (timing or words)[0].unsure_reason or ""
    noisy = "noise" in why or "voices" in why or "noisy" in why
    cause = "It's too noisy here" if noisy else "I couldn't hear you clearly enough"
    return f"{cause} to judge {what}. Try the headset, or a quieter moment."


def spoken_seconds(text: str) -> float:
    return len(text.split()) / WORDS_PER_SECOND


def _fit(sentences: list[str], example: str | None, progress: str | None, max_seconds: float) -> str:
    """The feedback within ``max_seconds``: the progress remark goes first, then the better
    sentence (the tip keeps its point), then trailing sentences."""
    def said(example: str | None) -> list[str]:
        return [(f"{s} {example}" if example else s[: -len(_LIKE)] + ".") if s.endswith(_LIKE) else s
                for s in sentences]

    for kept in ([*said(example), *([progress] if progress else [])], said(example)):
        if spoken_seconds(" ".join(kept)) <= max_seconds:
            return " ".join(kept)
    kept = said(None)
    while len(kept) > 1 and spoken_seconds(" ".join(kept)) > max_seconds:
        kept.pop()
    return " ".join(kept)


def format_round(result: RoundResult, saved: bool = True) -> str:
    """A round for a terminal: what was heard when, then each habit and why."""
    timing = result.timing
    reply = timing.reply
    lines = []
    if reply is None:
        lines.append("No reply heard.")
    else:
        lines.append(f"You said: \"{result.transcript or '(words not recognised)'}\"")
        end = timing.customer_end_s or 0.0
        pause = reply.start_s - end
        lines.append(f"The customer finished at {end:.2f} s; you started at {reply.start_s:.2f} s "
                     f"({'pause' if pause >= 0 else 'overlap'} {abs(pause):.2f} s) and stopped at "
                     f"{reply.end_s:.2f} s.")
    others = [u for u in result.utterances if reply is None or u.end_s <= reply.start_s]
    for utterance in others:
        lines.append(f"While the customer was talking, at {utterance.start_s:.2f} s: "
                     f"\"{utterance.text or '(words not recognised)'}\"")
    if result.audio.glitches:
        lines.append(f"Audio glitches: {result.audio.input_overflows} input overflow(s), "
                     f"{result.audio.output_underflows} output underrun(s); timings may be off.")
    if result.score is not None:
        lines.append(result.score.report())
    if result.round_path and saved:
        lines.append(f"Round saved to {result.round_path}")
    return "\n".join(lines)
