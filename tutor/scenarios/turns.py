"""A scenario's turns as a conversation: which can follow which, and what makes one unplayable.

The opening (the scenario's ``lines``) is turn 1. Each later turn names the condition that
brings it on (``when``) and the turns it may follow (``after``); after a reply, the first
condition in :class:`~tutor.vocabulary.Condition`'s order that holds *and* has a turn after the
current one chooses what the customer says next. ``interrupted`` and ``dead_air`` turns mend
the conversation rather than move it on: after them it picks up where it was, so they are
never named in an ``after``. A conversation ends at an ending turn (``ends = true``), when no
turn answers the reply, or after :data:`MAX_TURNS` turns of the customer.

What a trainer can get wrong and the station would only find out mid-round is found here, as
the scenario is loaded (and so by `tutor scenarios check`): an ``after`` naming no turn,
turns that can never be played (nothing they follow is reached, they come past the turn
limit, or another turn answers the same condition there first), loops the turn limit would
have to cut, a conversation with no way to end but the limit, and a hidden need that no
open question can bring out. Pure functions over the parsed turns: no audio, no files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from tutor.vocabulary import Condition

if TYPE_CHECKING:
    from tutor.scenarios import CustomerTurn

OPENING: Final = "opening"
"""The id of the scenario's own ``lines``: the first turn of every conversation."""
MAX_TURNS: Final = 4
"""Most turns the customer takes in one conversation, the opening included."""
MAX_TURN_DEFINITIONS: Final = 12
"""Most ``[[turns]]`` tables in one scenario."""

Problem = tuple[int | None, str, str]  # the turn's number (None: the scenario), the key, the sentence


def conversation_problems(turns: Sequence[CustomerTurn], *, hidden_need: str = "") -> list[Problem]:
    """Everything that would keep the conversation from playing as written, one sentence each."""
    problems: list[Problem] = []
    number = {turn.id: n for n, turn in enumerate(turns, 1)}
    seen: set[str] = set()
    for n, turn in enumerate(turns, 1):
        if turn.id in seen:
            problems.append((n, "id", f"turn {n}: the id '{turn.id}' is used by an earlier turn"))
        seen.add(turn.id)
    repairs = {turn.id for turn in turns if turn.when.repairs}
    for n, turn in enumerate(turns, 1):
        for name in turn.after:
            if name != OPENING and name not in number:
                known = ", ".join([OPENING, *(t.id for t in turns if t.id not in repairs)])
                problems.append((n, "after", f"turn {n}: 'after' names '{name}', which is no turn here; "
                                             f"known: {known}"))
            elif name in repairs:
                problems.append((n, "after", f"turn {n}: 'after' names '{name}', a turn with when = "
                                             f"\"{turns[number[name] - 1].when}\", after which the "
                                             "conversation picks up where it was: name the turn "
                                             "it follows instead"))
    if problems:
        return problems  # the graph below would only repeat these
    depth = _depths(turns)
    ending = {turn.id for turn in turns if turn.ends}
    for n, turn in enumerate(turns, 1):
        if turn.id not in depth:
            reached = [name for name in turn.after if name in depth and name not in ending]
            if not reached and any(name in ending for name in turn.after):
                problems.append((n, "after", f"turn {n} ('{turn.id}') can never be played: the turns "
                                             f"it follows ({_names(turn.after)}) end the conversation "
                                             "or are never reached"))
            elif not reached:
                problems.append((n, "after", f"turn {n} ('{turn.id}') can never be played: none of the "
                                             f"turns it follows ({_names(turn.after)}) is ever reached"))
            else:
                problems.append((n, "after", f"turn {n} ('{turn.id}') can never be played: it would be "
                                             f"turn {min(depth[name] for name in reached) + 1} or later, "
                                             f"and a conversation has at most {MAX_TURNS}"))
    for n, turn in enumerate(turns, 1):
        for name in turn.after:
            first = next(t for t in turns if t.when is turn.when and name in t.after)
            if first is not turn:
                problems.append((n, "when", f"turn {n} ('{turn.id}') is never played after '{name}': turn "
                                            f"{number[first.id]} ('{first.id}') answers "
                                            f"when = \"{turn.when}\" there first"))
    if problems:
        return problems
    if loop := _loop(turns):
        problems.append((number[loop[0]], "after", f"turns {' -> '.join(repr(i) for i in loop)} go round "
                                                   "in a loop: the conversation could only stop at the "
                                                   f"{MAX_TURNS}-turn limit; end one of them (ends = true) "
                                                   "or take it out of the loop"))
    elif turns and not _an_ending_is_reachable(turns, depth):
        problems.append((None, "turns", "the conversation can never end before the turn limit: every "
                                        "turn is followed by an 'otherwise' turn and none ends; mark "
                                        "the last one ends = true"))
    if hidden_need and not any(turn.when is Condition.OPEN_QUESTION for turn in turns):
        problems.append((None, "hidden_need", "'hidden_need' is never revealed: add a turn with "
                                              "when = \"open_question\" whose lines say it"))
    return problems


def successors(turns: Sequence[CustomerTurn], position: str) -> list[CustomerTurn]:
    """The turns that may come after ``position`` (the id of the turn the conversation is at)."""
    return [turn for turn in turns if position in turn.after]


def _depths(turns: Sequence[CustomerTurn]) -> dict[str, int]:
    """Each turn that can be played within :data:`MAX_TURNS`, and the earliest turn number
    it can be (the opening is 1). A repair takes a turn too, but never has to be played."""
    depth = {OPENING: 1}
    frontier = [OPENING]
    while frontier:
        position = frontier.pop(0)
        if depth[position] >= MAX_TURNS:
            continue
        for turn in successors(turns, position):
            if turn.id not in depth:
                depth[turn.id] = depth[position] + 1
                if not turn.when.repairs and not turn.ends:
                    frontier.append(turn.id)
    return depth


def _loop(turns: Sequence[CustomerTurn]) -> list[str] | None:
    """A cycle among the turns that move the conversation on, as ids from one back to itself."""
    moving = [turn for turn in turns if not turn.when.repairs and not turn.ends]
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(position: str) -> list[str] | None:
        state[position] = 1
        path.append(position)
        for turn in successors(moving, position):
            if state.get(turn.id) == 1:
                return [*path[path.index(turn.id):], turn.id]
            if turn.id not in state and (found := visit(turn.id)):
                return found
        path.pop()
        state[position] = 2
        return None

    return visit(OPENING)


def _an_ending_is_reachable(turns: Sequence[CustomerTurn], depth: dict[str, int]) -> bool:
    """Whether some reachable turn can be the last: an ending turn comes after it, or a reply
    that only meets ``otherwise`` finds no turn after it."""
    for position in depth:
        after = successors(turns, position)
        if any(turn.ends for turn in after):
            return True
        if not any(turn.when is Condition.OTHERWISE for turn in after if not turn.when.repairs):
            return True
    return False


def _names(ids: Sequence[str]) -> str:
    return ", ".join(f"'{i}'" for i in ids)
