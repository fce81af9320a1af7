"""The customer's side of a conversation: their possible next lines rendered while they are still
speaking, and what they say when cut off.

The next line is chosen only once a reply has been judged, but the candidates are known from the
scenario the moment the customer's turn starts: :class:`LinesAhead` renders them on a worker
thread (espeak-ng runs in its own process, so the thread mostly waits), and the chosen one is
queued without a render in between. When the trainee talks over the customer, the customer
says "Sorry, can I finish?" and then goes back to the start of the clause they were saying
(:func:`interruption_track`), found as the last pause in the line before the cut
(:func:`resume_point`), using the audio already rendered.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Final

import numpy as np

from tutor.audio.levels import dbfs_amplitude
from tutor.conversation import default_turn
from tutor.scenarios import CustomerTurn, Scenario
from tutor.scenarios.turns import successors
from tutor.settings import Settings
from tutor.vocabulary import Condition
from tutor.voice import CustomerTrack, LineSpan, Synthesizer, render_customer

_LOGGER = logging.getLogger(__name__)

INTERRUPTION_GAP_S: Final = 0.5  # the customer's breath between "Sorry, can I finish?" and the cut part
CLAUSE_PAUSE_S: Final = 0.12  # a pause this long inside a line ends a clause: the cut part starts after it
_CLAUSE_PAUSE_DBFS: Final = -45.0  # as quiet as the ends of a rendered line


def candidates(scenario: Scenario, position: str) -> list[CustomerTurn]:
    """The turns that may come next from ``position``, the library's repairs included: the
    lines to render while the customer is still speaking."""
    after = successors(scenario.turns, position)
    repairs = [default_turn(condition, position) for condition in (Condition.INTERRUPTED, Condition.DEAD_AIR)
               if not any(turn.when is condition for turn in after)]
    return [*after, *repairs]


class LinesAhead:
    """The customer's possible next lines, rendered in the background while the customer speaks,
    so the chosen one can be queued the moment the reply is judged."""

    def __init__(self, scenario: Scenario, synthesizer: Synthesizer, rate: int, settings: Settings) -> None:
        self._scenario = scenario
        self._synthesizer = synthesizer
        self._rate = rate
        self._settings = settings
        self._pool: ThreadPoolExecutor | None = None
        self._tracks: dict[CustomerTurn, Future[CustomerTrack]] = {}

    def prepare(self, turns: Iterable[CustomerTurn]) -> None:
        for turn in turns:
            if turn not in self._tracks:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="customer-voice")
                self._tracks[turn] = self._pool.submit(self._render, turn)

    def track(self, turn: CustomerTurn) -> CustomerTrack:
        """``turn`` rendered: at once if it was prepared, else now (a voice fault is raised here)."""
        self.prepare([turn])
        return self._tracks[turn].result()

    def _render(self, turn: CustomerTurn) -> CustomerTrack:
        return render_customer(dataclasses.replace(self._scenario, lines=turn.lines), self._synthesizer,
                               self._rate, self._settings.voice)

    def close(self) -> None:
        """Stop rendering: what was not started is dropped, what is under way is waited for."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            for future in self._tracks.values():
                if future.done() and not future.cancelled() and future.exception() is not None:
                    _LOGGER.debug("a line not needed failed to render: %s", future.exception())


def interruption_track(sorry: CustomerTrack, cut: CustomerTrack, offset: int, *,
                       rest_of_turn: bool) -> CustomerTrack:
    """``sorry`` (the customer's "Sorry, can I finish?"), a breath, then ``cut`` again from the
    start of the clause at ``offset`` (samples into ``cut``): to the end of the turn when the line
    was cut off there, else (a reply that talked over it) to the end of that line."""
    rate = cut.sample_rate
    resume, index = resume_point(cut, offset)
    until = cut.end if rest_of_turn else cut.lines[index].end
    gap = np.zeros(round(INTERRUPTION_GAP_S * rate), dtype=np.int16)
    base = len(sorry.samples) + len(gap)
    spans = list(sorry.lines)
    for line in cut.lines[index:]:
        if line.start >= until:
            break
        text = line.text if resume <= line.start else f"...{line.text.removeprefix('...')}"
        spans.append(LineSpan(text, base + max(line.start, resume) - resume, base + line.end - resume))
    return CustomerTrack(np.concatenate([sorry.samples, gap, cut.samples[resume:until]]), rate, tuple(spans))


def resume_point(track: CustomerTrack, offset: int) -> tuple[int, int]:
    """Where the customer picks up again after being cut off ``offset`` samples into ``track``:
    the start of the clause being said (after the last pause inside the line), the start of
    the line, or, cut in a pause between lines, the next line. Returns the sample and the line."""
    lines = track.lines
    index = next((i for i, line in enumerate(lines) if offset < line.end), len(lines) - 1)
    line = lines[index]
    if offset <= line.start:
        return line.start, index
    rate = track.sample_rate
    frame = rate // 100
    said = track.samples[line.start: min(offset, line.end)]
    count = len(said) // frame
    if count == 0:
        return line.start, index
    power = np.mean(said[: count * frame].astype(np.float64).reshape(count, frame) ** 2, axis=1)
    quiet = power < dbfs_amplitude(_CLAUSE_PAUSE_DBFS) ** 2
    needed = round(CLAUSE_PAUSE_S * rate / frame)
    run = 0
    for position in range(count - 1, -1, -1):  # back from the cut to the last pause before it
        run = run + 1 if quiet[position] else 0
        if run >= needed and position + run < count:  # a pause at the cut itself is not a clause's end
            return line.start + (position + run) * frame, index
    return line.start, index
