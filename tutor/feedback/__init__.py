"""Spoken feedback: short, specific and kind.

One thing done well, one thing to try, and a better sentence for this
scenario; under about 20 seconds when spoken. Pure text, so it is tested and
tuned without a speaker.
"""

from __future__ import annotations

from typing import Final

from tutor.scoring import Scorecard
from tutor.scoring.result import Trait

WORDS_PER_SECOND: Final = 165 / 60  # the station's speaking rate

_PRAISE: Final = {
    "paraphrase": "You put the customer's concern in your own words.",
    "empathy": "You named how the customer feels.",
    "pause": "You gave a good pause before answering.",
    "interruptions": "You let the customer finish.",
    "open_question": "Your open question invited them to say more.",
}
_TIPS: Final = {
    "talked_over": "Next time, wait until the customer has finished before you start.",
    "jumped_in": "Next time, take a breath before you answer: about a second.",
    "dead_air": "Next time, answer a little sooner, so the customer knows you heard.",
    "interruptions": "Try not to cut in while the customer is still talking; a short mm-hmm is fine.",
    "paraphrase": "Try saying their concern back in your own words, like:",
    "empathy": "Try naming how they feel, like:",
    "open_question": "Try an open question, like:",
}
_ORDER: Final = ("paraphrase", "empathy", "pause", "interruptions", "open_question")


def compose_feedback(card: Scorecard, progress: str | None = None, max_seconds: float = 25.0) -> str:
    """The words to say after a round."""
    unsure = _unsure_sentence(card)
    if card.pause is not None and card.pause.verdict == "no_reply":
        if unsure:
            return f"I couldn't tell whether you replied. {unsure}"
        return ("I didn't hear a reply. When the customer finishes, take a breath, "
                "then answer out loud. Press the button to try again.")
    traits = {name: trait for name, trait in _traits(card).items() if trait.reliable}
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
        # a failed pause is talked over, jumped in or dead air: each has its own tip
        tip = _TIPS[traits[weak].verdict if weak == "pause" else weak]
        if tip.endswith(":") and card.better_sentence:
            tip = f"{tip} {card.better_sentence}"
        elif tip.endswith(":"):
            tip = tip[:-1].rstrip(",") + "."
        sentences.append(tip)
    if progress:
        sentences.append(progress)
    return _fit(sentences, max_seconds)


def results_for_lights(card: Scorecard) -> dict[str, bool | None]:
    """The three result LEDs: passed, failed, or not scored."""
    def passed(trait: Trait | None) -> bool | None:
        return None if trait is None else trait.shown

    return {"pause": passed(card.pause), "interruptions": passed(card.turn_taking),
            "paraphrase": passed(card.paraphrase)}


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


def _traits(card: Scorecard) -> dict[str, Trait]:
    named = {"paraphrase": card.paraphrase, "empathy": card.empathy, "pause": card.pause,
             "interruptions": card.turn_taking, "open_question": card.open_question}
    return {name: trait for name, trait in named.items() if trait is not None}


def _fit(sentences: list[str], max_seconds: float) -> str:
    """Drop trailing sentences, then the example, until it fits in ``max_seconds``."""
    kept = list(sentences)
    while len(kept) > 1 and spoken_seconds(" ".join(kept)) > max_seconds:
        kept.pop()
    text = " ".join(kept)
    if spoken_seconds(text) > max_seconds and ":" in text:
        text = text.split(":")[0] + "."
    return text
