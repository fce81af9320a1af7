"""Real, scored rounds for the history tests, without a sound card or a recognizer.

The timings are laid out by hand (the customer's two lines, the trainee's
words at known times) and the round is scored by the real scorer, so every
score and reason in the history is one the station could have produced.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import numpy as np

from tutor.audio import AudioStats
from tutor.conversation import summarise, turn_scenario
from tutor.listening.analysis import LatencySource, RoundTiming, Span
from tutor.listening.endpoint import EndReason
from tutor.recognition import Word
from tutor.round import ConversationTurn, RoundResult, Utterance
from tutor.scenarios import ScenarioLibrary
from tutor.scoring import Doubts
from tutor.settings import Settings
from tutor.vocabulary import Condition

GOOD_REPLY = ("so the gift you chose didn't get there until after her birthday even though you'd paid for "
              "the fast shipping that must have been really disappointing what would help now")
POOR_REPLY = "okay sorry about that"
CUSTOMER_LINES = (Span(0.5, 4.0), Span(4.6, 8.0))
WORD_S = 0.3


def _utterance(text: str, start_s: float) -> Utterance:
    words = tuple(Word(word, start_s + i * WORD_S, start_s + (i + 1) * WORD_S - 0.05)
                  for i, word in enumerate(text.split()))
    return Utterance(start_s, words[-1].end_s, words)


def make_round(reply: str = GOOD_REPLY, *, pause_s: float = 1.4, cut_in: str | None = None,
               scenario_id: str = "late-birthday-present", started_at: datetime | None = None,
               round_path: Path | None = None, doubts: Doubts | None = None) -> RoundResult:
    """A round of ``scenario_id`` answered with ``reply`` after ``pause_s``; ``cut_in`` is said
    over the customer's second line first."""
    scenario = ScenarioLibrary().get(scenario_id)
    customer_end = CUSTOMER_LINES[-1].end_s
    utterances = []
    if cut_in:
        utterances.append(_utterance(cut_in, 5.0))
    answer = _utterance(reply, customer_end + pause_s)
    utterances.append(answer)
    reply_span = Span(answer.start_s, answer.end_s)
    timing = RoundTiming(loop_latency_s=0.0, latency_source=LatencySource.CONFIGURED,
                         customer_lines=CUSTOMER_LINES,
                         speech=tuple(Span(u.start_s, u.end_s) for u in utterances), reply=reply_span,
                         cleaned_mic=np.zeros(0, dtype=np.float32))
    when = {} if started_at is None else {"started_at": started_at.isoformat(timespec="seconds")}
    result = RoundResult(scenario_id=scenario.id, scenario_title=scenario.title, timing=timing,
                         utterances=tuple(utterances), end_reason=EndReason.SILENCE, round_path=round_path,
                         audio=AudioStats(device="test"), sample_rate=16000,
                         duration_s=answer.end_s + 1.2, recognizer="test", doubts=doubts or Doubts(), **when)
    return result.scored(scenario, Settings())


NEED_REPLY = "so the new present has to be there before her party on saturday"


def make_conversation(started_at: datetime | None = None) -> RoundResult:
    """The birthday conversation as the station records it: a good first reply whose open question
    brings out the need, a reply restating the need, and the customer's last word. Each reply
    is laid out by hand and scored by the real scorer, as :func:`make_round`'s is."""
    scenario = ScenarioLibrary().get("late-birthday-present")
    first = make_round(started_at=started_at)
    need, settled = (next(t for t in scenario.turns if t.id == name) for name in ("need", "settled"))
    offset = first.duration_s
    later = make_round(NEED_REPLY, started_at=started_at).shifted(offset)
    later = later.scored(turn_scenario(scenario, need), Settings())
    turns = (
        ConversationTurn(1, "opening", None, tuple(line.text for line in scenario.lines), 0.0, offset, None,
                         False, first, frozenset({Condition.OPEN_QUESTION, Condition.ACKNOWLEDGED,
                                                  Condition.OTHERWISE})),
        ConversationTurn(2, "need", Condition.OPEN_QUESTION, tuple(line.text for line in need.lines), offset,
                         offset + later.duration_s, None, False, later, frozenset({Condition.OTHERWISE})),
        ConversationTurn(3, "settled", Condition.OTHERWISE, tuple(line.text for line in settled.lines),
                         offset + later.duration_s, offset + later.duration_s + 2.0, None, True, None),
    )
    return dataclasses.replace(first, turns=turns, conversation=summarise(scenario, [None, need, settled]),
                               duration_s=offset + later.duration_s + 2.0)
