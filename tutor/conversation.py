"""What the customer says next: chosen from what the trainee's reply did, and nothing else.

The station already judges every reply (:func:`tutor.scoring.score_reply`); a conversation
only reads those judgements as conditions (:func:`conditions_met`) and looks up the
scenario's turn for the first one that holds, in :class:`~tutor.vocabulary.Condition`'s
order (:func:`choose_next`). No model and no randomness: the same reply to the same turn
always brings the same answer, and a trainer can say why. Two conditions are also met
while the trainee is still talking or still silent, and the round asks this module the
same question then: talking over the customer (the line is cut at once) and a silence
past dead air (the customer asks if anyone is there).

Scenarios need not write every reaction: an ``interrupted`` or ``dead_air`` turn the
scenario does not have is the library's (:data:`DEFAULT_LINES`). After an interruption
the customer also repeats the part of their line that was cut (:mod:`tutor.round` does
that with the audio already played).

How a conversation went (:class:`ConversationSummary`): how many turns the customer took,
whether they calmed down (an acknowledgement or an open question brought on a calmer turn,
and nothing after it upset them again) and whether the need behind the complaint was reached (an open
question brought on the turn that reveals it). Pure functions, tested without audio.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from tutor.scenarios import CustomerLine, CustomerTurn, Scenario
from tutor.scenarios.turns import MAX_TURNS, OPENING
from tutor.vocabulary import Condition, PauseVerdict

if TYPE_CHECKING:
    from tutor.scoring import Scorecard

DEFAULT_LINES: Final = {
    Condition.INTERRUPTED: ("Sorry, can I finish?",),
    Condition.DEAD_AIR: ("Hello? Are you still there?",),
}
"""What every customer says when talked over or left in silence, unless the scenario says otherwise."""

# a customer who was acknowledged, or asked what they need, calms down and opens up; one talked
# over, left in silence or not acknowledged gets more upset, which undoes the calm before it
_CALMING: Final = frozenset({Condition.ACKNOWLEDGED, Condition.OPEN_QUESTION})
_UPSETTING: Final = frozenset({Condition.INTERRUPTED, Condition.DEAD_AIR, Condition.NO_ACKNOWLEDGEMENT})


def default_turn(condition: Condition, position: str) -> CustomerTurn:
    """The library's turn for ``condition`` (interrupted or dead air) after ``position``."""
    return CustomerTurn(id=condition.value, when=condition,
                        lines=tuple(CustomerLine(text) for text in DEFAULT_LINES[condition]),
                        after=(position,))


@dataclass(frozen=True)
class Progress:
    """Where a conversation has got to."""

    position: str = OPENING
    """The last turn that moved the conversation on; after a repair it stays where it was."""
    answering: CustomerTurn | None = None
    """The turn the trainee is answering now (None: the opening)."""
    played: int = 1
    """Turns the customer has taken, the opening included."""

    def after(self, turn: CustomerTurn) -> Progress:
        """Where the conversation is once the customer has said ``turn``."""
        return Progress(self.position if turn.when.repairs else turn.id, turn, self.played + 1)


def conditions_met(card: Scorecard | None, *, cut_off: bool = False) -> frozenset[Condition]:
    """What a reply did, read from its judgements; ``cut_off``: the customer already stopped
    the trainee mid-line. A judgement the station could not make with confidence meets no
    condition, so an unsure reading never makes the customer angrier (or calmer)."""
    met = {Condition.OTHERWISE}
    if cut_off:
        met.add(Condition.INTERRUPTED)
    if card is None:
        return frozenset(met)

    def held(trait: Any, passed: bool) -> bool:
        return trait is not None and trait.reliable and bool(trait.passed) is passed

    if held(card.turn_taking, False):
        met.add(Condition.INTERRUPTED)
    if card.pause is not None and card.pause.reliable and card.pause.verdict in (PauseVerdict.NO_REPLY,
                                                                                 PauseVerdict.DEAD_AIR):
        met.add(Condition.DEAD_AIR)
    if card.pause is None or card.pause.verdict != PauseVerdict.NO_REPLY:
        if held(card.open_question, True):
            met.add(Condition.OPEN_QUESTION)
        if held(card.paraphrase, True) and held(card.empathy, True):
            met.add(Condition.ACKNOWLEDGED)
        if held(card.empathy, False):
            met.add(Condition.NO_ACKNOWLEDGEMENT)
    return frozenset(met)


def choose_next(turns: Sequence[CustomerTurn], progress: Progress,
                met: Iterable[Condition]) -> CustomerTurn | None:
    """The customer's next turn, or None when the conversation is over.

    Over after an ending turn, after :data:`~tutor.scenarios.turns.MAX_TURNS` turns, when no
    condition met has a turn after the current one, and when a silence follows the
    customer's own "are you still there?" (they give up rather than ask again).
    """
    answering = progress.answering
    if progress.played >= MAX_TURNS or (answering is not None and answering.ends):
        return None
    held = set(met)
    for condition in Condition:  # in precedence order
        if condition not in held:
            continue
        for turn in turns:
            if turn.when is condition and progress.position in turn.after:
                return _unless_silence_again(turn, answering)
        if condition.repairs:
            return _unless_silence_again(default_turn(condition, progress.position), answering)
    return None


def _unless_silence_again(turn: CustomerTurn, answering: CustomerTurn | None) -> CustomerTurn | None:
    if turn.when is Condition.DEAD_AIR and answering is not None and answering.when is Condition.DEAD_AIR:
        return None
    return turn


def turn_scenario(scenario: Scenario, turn: CustomerTurn | None, repaired: CustomerTurn | None = None
                  ) -> Scenario:
    """The scenario a reply to ``turn`` is judged against (None: the opening, the scenario itself).

    A reply to a later turn restates what the customer said in that turn, by its own
    ``key_points`` when it has them (the hidden need, for the turn an open question brings
    on), else by its lines; a reply after an interruption or a silence still answers the turn
    it mended (``repaired``, None for the opening). What the customer said in the opening
    goes along as ``said_before``: where the turn says something new (the party on Saturday),
    saying the opening back again (the present came after the birthday) does not restate it.
    The feelings are the scenario's.
    """
    if turn is None or turn.when.repairs:
        if repaired is None or repaired.when.repairs:
            return scenario
        return turn_scenario(scenario, repaired)
    points = turn.key_points or ((scenario.hidden_need,) if turn.when is Condition.OPEN_QUESTION
                                 and scenario.hidden_need else ())
    opening = (*(line.text for line in scenario.lines), *scenario.key_points)
    return dataclasses.replace(scenario, lines=turn.lines, key_points=points,
                               model_answer=turn.model_answer, said_before=opening)


@dataclass(frozen=True)
class ConversationSummary:
    """How a conversation went, for the JSON, the history and the report."""

    turns: int
    calmed: bool | None
    """The customer calmed down: an acknowledgement or an open question brought on a calmer turn,
    and nothing after it (talking over them, a silence, the feeling ignored) upset them again.
    None for a scenario with no such turn (a single reply, for one)."""
    need_reached: bool | None
    """An open question brought out the need behind the complaint. None for a scenario whose
    customer has nothing more to reveal."""

    def to_json(self) -> dict[str, Any]:
        return {"turns": self.turns, "calmed": self.calmed, "need_reached": self.need_reached}


def summarise(scenario: Scenario, played: Sequence[CustomerTurn | None]) -> ConversationSummary:
    """``played``: every turn the customer took, in order (None for the opening)."""
    reactions = [turn.when for turn in played if turn is not None]
    calmed: bool | None = None
    if any(turn.when in _CALMING for turn in scenario.turns):
        last_calm = max((i for i, c in enumerate(reactions) if c in _CALMING), default=None)
        calmed = last_calm is not None and not any(c in _UPSETTING for c in reactions[last_calm + 1:])
    need: bool | None = None
    if scenario.hidden_need or any(turn.when is Condition.OPEN_QUESTION for turn in scenario.turns):
        need = Condition.OPEN_QUESTION in reactions
    return ConversationSummary(len(played), calmed, need)
