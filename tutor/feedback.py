"""Feedback: short, specific and kind, said by the station or printed by `tutor practice`.

Spoken: one thing done well, one thing to try, and a better sentence for this scenario;
under about 20 seconds when spoken. The thing to try names what the scorer saw (the
customer's own words said back, an explanation, a closed question, talking over the
second point), in time words a trainee uses ("just as the customer finished"), never in
seconds. Recognised words are quoted only from judgements the station vouches for.
Printed: what was heard when, then each habit and why. Pure text, so it is tested and
tuned without a speaker.

After a conversation the feedback starts with the turn that mattered, named by what the
customer said then: the first reply that made the customer react badly (talked over,
left in silence, the feeling ignored), else the reply that brought out the need behind the
complaint, else the one that calmed them ("When the customer said 'I paid extra for express
delivery', you started talking over them, and they had to stop you."); then the usual
feedback on that reply. The result LEDs show the whole conversation: a habit is done well
only if every reply showed it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from tutor.scoring import Scorecard
from tutor.scoring.paraphrase import UNDECIDED, Paraphrase
from tutor.scoring.result import Trait
from tutor.vocabulary import LIT_HABITS, Condition, Habit, PauseVerdict

if TYPE_CHECKING:
    from tutor.round import ConversationTurn, RoundResult

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
        excuse = _quote(trait.details.get("dismissive"))
        if excuse:
            # said back, then excused: the restatement counts, and the excuse is worth dropping
            return (f"You put the customer's concern in your own words, but {excuse} explained it away; "
                    "leave that out.")
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
            return [f"You said back what happened, but {explanation or 'an explanation'} explained it away.",
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


def results_for_round(result: RoundResult) -> dict[Habit, bool | None]:
    """The result LEDs for a round: for a conversation, a habit is done well only when every
    reply judged on it showed it, to work on when any missed it, not scored when none was judged."""
    cards = [turn.reply.score for turn in result.turns if turn.reply is not None and turn.reply.score]
    if not cards:
        return results_for_lights(result.score) if result.score else dict.fromkeys(LIT_HABITS)
    shown = [results_for_lights(card) for card in cards]
    lights: dict[Habit, bool | None] = {}
    for habit in LIT_HABITS:
        judged = [lit[habit] for lit in shown if lit[habit] is not None]
        lights[habit] = None if not judged else all(judged)
    return lights


# why the customer said a later turn, for a terminal: "Turn 2, the customer (after ...)"
_BROUGHT_ON: Final = {
    Condition.INTERRUPTED: "after you talked over them",
    Condition.DEAD_AIR: "after a long silence",
    Condition.OPEN_QUESTION: "after your open question",
    Condition.ACKNOWLEDGED: "after you acknowledged them",
    Condition.NO_ACKNOWLEDGEMENT: "after their feeling went unacknowledged",
    Condition.OTHERWISE: "after your reply",
}
_WORSE: Final = (Condition.INTERRUPTED, Condition.DEAD_AIR, Condition.NO_ACKNOWLEDGEMENT)
_QUOTED_LINE_WORDS: Final = 14


def compose_round_feedback(result: RoundResult, progress: str | None = None,
                           max_seconds: float = 25.0) -> str:
    """The words to say after a round: a conversation's begin with the turn that mattered, then
    the feedback on the reply given there; a single reply's are :func:`compose_feedback`'s."""
    replied = [turn for turn in result.turns if turn.reply is not None and turn.reply.score is not None]
    if len(result.turns) <= 1 or not replied:
        if result.score is None:
            return "I couldn't judge that round. Press the button to try again."
        return compose_feedback(result.score, progress, max_seconds)
    turn, reaction = turn_that_mattered(result.turns)
    opening = _what_mattered(turn, reaction)
    assert turn.reply is not None and turn.reply.score is not None
    rest = compose_feedback(turn.reply.score, progress, max(5.0, max_seconds - spoken_seconds(opening)))
    return f"{opening} {rest}"


def turn_that_mattered(turns: tuple[ConversationTurn, ...] | list[ConversationTurn]
                       ) -> tuple[ConversationTurn, Condition | None]:
    """The turn whose reply the feedback is about, and how the customer reacted to that reply:
    the first that made them react badly, else the first that brought out their need, else the
    first that calmed them, else the first reply."""
    judged = [(turn, _reaction(turns, index)) for index, turn in enumerate(turns)
              if turn.reply is not None and turn.reply.score is not None]
    for wanted in (_WORSE, (Condition.OPEN_QUESTION,), (Condition.ACKNOWLEDGED,)):
        for turn, reaction in judged:
            if reaction in wanted:
                return turn, reaction
    return judged[0]


def _reaction(turns: tuple[ConversationTurn, ...] | list[ConversationTurn], index: int) -> Condition | None:
    """How the customer reacted to the reply to ``turns[index]``: the condition of the turn it
    brought on, or, for the last reply, the first thing it did that would have upset them."""
    if index + 1 < len(turns):
        return turns[index + 1].condition
    return next((c for c in _WORSE if c in turns[index].met), None)


def _what_mattered(turn: ConversationTurn, reaction: Condition | None) -> str:
    said = _customer_said(turn, reaction)
    when = f"When the customer said {said}, you" if said else "When the customer finished, you"
    if reaction is Condition.INTERRUPTED:
        if turn.cut_at_s is not None:
            return f"{when} started talking over them, and they had to stop you to finish."
        return f"{when} talked over the end of it, and they had to say it again."
    if reaction is Condition.DEAD_AIR:
        return "When the customer finished, you left a long silence, and they asked if you were still there."
    if reaction is Condition.NO_ACKNOWLEDGEMENT:
        return f"{when} didn't acknowledge how they felt, and they got more upset."
    if reaction is Condition.OPEN_QUESTION:
        return f"{when} asked an open question, and they told you what they really needed."
    if reaction is Condition.ACKNOWLEDGED:
        return f"{when} acknowledged how they felt, and they calmed down."
    return f"{when} replied, and the conversation moved on." if said else "You kept the conversation going."


def _customer_said(turn: ConversationTurn, reaction: Condition | None) -> str | None:
    """The customer's words the feedback quotes: the last sentence of the line talked over, else
    of the turn's last line; none when that is too long to follow by ear."""
    lines = [line.removeprefix("...") for line in turn.lines]
    if not lines:
        return None
    chosen = lines[-1]
    card = turn.reply.score if turn.reply is not None else None
    overlap = card.interruptions[0].during if card is not None and card.interruptions else ""
    if reaction is Condition.INTERRUPTED and (line := re.fullmatch(r"line (\d+)", overlap)):
        chosen = lines[min(int(line[1]), len(lines)) - 1]
    sentences = [part for part in re.split(r"(?<=[.!?])\s+", chosen.strip()) if part]
    chosen = sentences[-1] if sentences else chosen  # by ear, one sentence is enough to place it
    if len(chosen.split()) > _QUOTED_LINE_WORDS:
        return None
    return f"'{chosen.strip().rstrip('.!?')}'"


def conversation_sentence(result: RoundResult) -> str:
    """How a conversation went, in one line for a terminal."""
    summary = result.conversation
    if summary is None:
        return ""
    parts = [f"{summary.turns} turns"]
    if summary.calmed is not None:
        parts.append("the customer calmed down" if summary.calmed else "the customer did not calm down")
    if summary.need_reached is not None:
        parts.append("you reached the need behind the complaint" if summary.need_reached
                     else "the need behind the complaint was not reached")
    return "Conversation: " + "; ".join(parts) + "."


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
    for turn in result.turns[1:]:
        lines.extend(_format_turn(turn))
    if result.conversation is not None and len(result.turns) > 1:
        lines.append(conversation_sentence(result))
    if result.round_path and saved:
        lines.append(f"Round saved to {result.round_path}")
    return "\n".join(lines)


def _format_turn(turn: ConversationTurn) -> list[str]:
    """A later turn of a conversation for a terminal: why the customer said it, what they said,
    and the reply to it as the first reply is shown."""
    why = f" ({_BROUGHT_ON[turn.condition]})" if turn.condition is not None else ""
    said = " ".join(f'"{line}"' for line in turn.lines)
    lines = [f"Turn {turn.number}, the customer{why}: {said}"]
    reply = turn.reply
    if reply is None:
        return lines
    if reply.timing.reply is None:
        lines.append("  No reply heard.")
    else:
        end = reply.timing.customer_end_s or 0.0
        pause = reply.timing.reply.start_s - end
        lines.append(f"  You said: \"{reply.transcript or '(words not recognised)'}\" "
                     f"({'pause' if pause >= 0 else 'overlap'} {abs(pause):.2f} s)")
    if reply.score is not None:
        lines.append("\n".join("  " + line for line in reply.score.report().splitlines()))
    return lines
