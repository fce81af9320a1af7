"""What the station says and shows after a conversation: the feedback starts with the turn that
mattered, quoting what the customer said then, and the result LEDs show the whole conversation.
Pure text over real scores (the replies are laid out by hand and judged by the real scorer)."""

from __future__ import annotations

import dataclasses

from history_rounds import POOR_REPLY, make_conversation, make_round

from tutor.conversation import summarise
from tutor.feedback import compose_round_feedback, format_round, results_for_round, spoken_seconds
from tutor.round import ConversationTurn, RoundResult
from tutor.scenarios import ScenarioLibrary
from tutor.vocabulary import Condition, Habit

BIRTHDAY = ScenarioLibrary(()).get("late-birthday-present")
TURNS = {turn.id: turn for turn in BIRTHDAY.turns}
OPENING_LINES = tuple(line.text for line in BIRTHDAY.lines)


def _conversation(first: RoundResult, next_id: str, *, cut_at_s: float | None = None) -> RoundResult:
    """``first`` answering the opening, then the customer's turn ``next_id`` (a library turn, or the
    library's "interrupted"), which no reply answered."""
    following = TURNS.get(next_id)
    condition = following.when if following else Condition(next_id)
    lines = tuple(line.text for line in following.lines) if following else ("Sorry, can I finish?",)
    turns = (ConversationTurn(1, "opening", None, OPENING_LINES, 0.0, 10.0, cut_at_s, False, first,
                              frozenset({condition, Condition.OTHERWISE})),
             ConversationTurn(2, next_id, condition, lines, 10.0, 14.0, None, True, None))
    return dataclasses.replace(first, turns=turns, conversation=summarise(BIRTHDAY, [None, following]))


def test_the_turn_that_brought_out_the_need_is_praised_by_what_the_customer_said() -> None:
    text = compose_round_feedback(make_conversation())
    assert text.startswith("When the customer said 'I felt awful', you asked an open question, and they "
                           "told you what they really needed.")
    assert "Well done." in text and spoken_seconds(text) <= 25
    assert results_for_round(make_conversation()) == dict.fromkeys(
        (Habit.PAUSE, Habit.INTERRUPTIONS, Habit.PARAPHRASE), True)


def test_an_escalation_is_named_and_its_reply_gets_the_tip() -> None:
    conversation = _conversation(make_round(POOR_REPLY), "escalates")
    text = compose_round_feedback(conversation)
    assert text.startswith("When the customer said 'I felt awful', you didn't acknowledge how they felt, "
                           "and they got more upset.")
    assert "Just 'okay sorry about that' doesn't show what you heard." in text  # that reply's tip
    assert spoken_seconds(text) <= 25
    assert results_for_round(conversation)[Habit.PARAPHRASE] is False


def test_talking_over_names_the_line_that_was_cut() -> None:
    cut_in = make_round(cut_in="wait what about the tracking")  # said over the customer's second line
    conversation = _conversation(cut_in, "interrupted", cut_at_s=5.5)
    text = compose_round_feedback(conversation)
    assert text.startswith("When the customer said 'It arrived three days after her birthday', you started "
                           "talking over them, and they had to stop you to finish.")
    assert results_for_round(conversation)[Habit.INTERRUPTIONS] is False


def test_a_single_reply_is_told_as_before_and_a_conversation_is_printed_turn_by_turn() -> None:
    single = make_round()
    assert compose_round_feedback(single).startswith("Well done.")
    printed = format_round(make_conversation())
    assert 'Turn 2, the customer (after your open question): "Honestly, her party is on Saturday."' in printed
    assert "Turn 3, the customer (after your reply): \"Okay. Thank you for listening.\"" in printed
    assert printed.count("You said:") == 2
    assert printed.rstrip().endswith("Conversation: 3 turns; the customer calmed down; you reached the need "
                                     "behind the complaint.")
