"""Feedback: short, specific and kind, said by the station or printed by `tutor practice`.

Spoken: one thing done well, one thing to try, and a better sentence for this scenario;
under about 20 seconds when spoken. Printed: what was heard when, then each habit and
why. Pure text, so it is tested and tuned without a speaker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from tutor.scoring import Scorecard
from tutor.scoring.result import Trait
from tutor.vocabulary import LIT_HABITS, Habit, PauseVerdict

if TYPE_CHECKING:
    from tutor.round import RoundResult

WORDS_PER_SECOND: Final = 165 / 60  # the station's speaking rate

_PRAISE: Final = {
    Habit.PARAPHRASE: "You put the customer's concern in your own words.",
    Habit.EMPATHY: "You named how the customer feels.",
    Habit.PAUSE: "You gave a good pause before answering.",
    Habit.INTERRUPTIONS: "You let the customer finish.",
    Habit.OPEN_QUESTION: "Your open question invited them to say more.",
}
# a failed pause is talked over, jumped in or dead air: each has its own tip
_PAUSE_TIPS: Final = {
    PauseVerdict.TALKED_OVER: "Next time, wait until the customer has finished before you start.",
    PauseVerdict.JUMPED_IN: "Next time, take a breath before you answer: about a second.",
    PauseVerdict.DEAD_AIR: "Next time, answer a little sooner, so the customer knows you heard.",
}
_TIPS: Final = {
    Habit.INTERRUPTIONS: "Try not to cut in while the customer is still talking; a short mm-hmm is fine.",
    Habit.PARAPHRASE: "Try saying their concern back in your own words, like:",
    Habit.EMPATHY: "Try naming how they feel, like:",
    Habit.OPEN_QUESTION: "Try an open question, like:",
}
# what is praised or worked on first: restating matters most, the open question least
_ORDER: Final = (Habit.PARAPHRASE, Habit.EMPATHY, Habit.PAUSE, Habit.INTERRUPTIONS, Habit.OPEN_QUESTION)


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
    good = next((name for name in _ORDER if traits.get(name) and traits[name].passed), None)
    weak = next((name for name in _ORDER if traits.get(name) and not traits[name].passed), None)
    # what could not be judged is said first: a trainee must never take silence for praise
    sentences: list[str] = [unsure] if unsure else []
    if good:
        sentences.append(f"Well done. {_PRAISE[good]}")
    if weak is None:
        if not unsure:
            sentences.append("Everything I listen for was there. Great listening.")
    else:
        tip = _PAUSE_TIPS[PauseVerdict(traits[weak].verdict)] if weak is Habit.PAUSE else _TIPS[weak]
        if tip.endswith(":") and card.better_sentence:
            tip = f"{tip} {card.better_sentence}"
        elif tip.endswith(":"):
            tip = tip[:-1].rstrip(",") + "."
        sentences.append(tip)
    if progress:
        sentences.append(progress)
    return _fit(sentences, max_seconds)


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
    what = ("your timing or your words" if timing and words else "your timing" if timing else "your words")
    why = (timing or words)[0].unsure_reason or ""
    noisy = "noise" in why or "voices" in why or "noisy" in why
    cause = "It's too noisy here" if noisy else "I couldn't hear you clearly enough"
    return f"{cause} to judge {what}. Try the headset, or a quieter moment."


def spoken_seconds(text: str) -> float:
    return len(text.split()) / WORDS_PER_SECOND


def _fit(sentences: list[str], max_seconds: float) -> str:
    """Drop trailing sentences, then the example, until it fits in ``max_seconds``."""
    kept = list(sentences)
    while len(kept) > 1 and spoken_seconds(" ".join(kept)) > max_seconds:
        kept.pop()
    text = " ".join(kept)
    if spoken_seconds(text) > max_seconds and ":" in text:
        text = text.split(":")[0] + "."
    return text


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
