"""What the speaker plays next: queued by the round, cut when the customer is interrupted,
read a block at a time by the device.

A conversation is one duplex stream on one clock, so the customer's next line is not a new
stream but more samples for the one already running. The round queues a line (:meth:`Playback.queue`)
or cuts the line playing and puts another in its place (:meth:`Playback.replace`); the
device's side (:meth:`Playback.read`, on PortAudio's thread for a sound card) takes the next
block, silence when nothing is queued, and keeps every sample it sent, which is exactly
channel 1 of the round recording. Each queued line is a :class:`Cue` that learns, from the
device, the frame its first sample went out at and the frame it was cut at, so the round
knows where its lines are without guessing at a device's buffering.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

import numpy as np


class Tape:
    """An int16 signal that grows at its end, readable at any point (a doubling buffer)."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._data = np.zeros(max(1, capacity), dtype=np.int16)
        self._length = 0

    def __len__(self) -> int:
        return self._length

    def append(self, samples: np.ndarray) -> None:
        needed = self._length + len(samples)
        if needed > len(self._data):
            grown = np.zeros(max(needed, 2 * len(self._data)), dtype=np.int16)
            grown[: self._length] = self._data[: self._length]
            self._data = grown
        self._data[self._length: needed] = samples
        self._length = needed

    def view(self, start: int = 0, end: int | None = None) -> np.ndarray:
        """Samples ``start`` to ``end`` (default: the end); a view, valid until the next append."""
        end = self._length if end is None else min(end, self._length)
        return self._data[max(0, start): max(0, end)]

    def copy(self, start: int = 0, end: int | None = None) -> np.ndarray:
        return self.view(start, end).copy()


@dataclass(eq=False)
class Cue:
    """One thing the round asked the speaker to play, and what became of it."""

    samples: np.ndarray
    not_before: int = 0
    """The frame it may start at, at the earliest (a simulated device in real time: the
    moment it was queued, as on a sound card that kept playing while the round thought)."""
    start: int | None = None
    """The frame its first sample was sent at; None until it starts."""
    cut_at: int | None = None
    """The frame it was cut off at (an interruption), or None."""

    @property
    def end(self) -> int | None:
        """The frame after its last sample sent, once it has finished or been cut."""
        if self.cut_at is not None:
            return self.cut_at
        if self.start is None:
            return None
        return self.start + len(self.samples)


class Playback:
    """The speaker's queue: the round's side queues and cuts, the device's side reads."""

    def __init__(self, first: np.ndarray | None = None) -> None:
        self._lock = threading.Lock()
        self._queued: deque[tuple[Cue, int]] = deque()  # each cue and how much of it was sent
        self._sent = Tape()
        self.first: Cue | None = None
        if first is not None and len(first):
            self.first = self.queue(first)

    @property
    def position(self) -> int:
        """Frames sent to the speaker so far."""
        return len(self._sent)

    def queue(self, samples: np.ndarray, *, not_before: int = 0) -> Cue:
        """Play ``samples`` after whatever is queued (at once if nothing is)."""
        cue = Cue(np.asarray(samples, dtype=np.int16), not_before=not_before)
        with self._lock:
            self._queued.append((cue, 0))
        return cue

    def replace(self, samples: np.ndarray, *, not_before: int = 0) -> Cue:
        """Cut what is playing and drop what waits; play ``samples`` from the next block on."""
        cue = Cue(np.asarray(samples, dtype=np.int16), not_before=not_before)
        with self._lock:
            for waiting, sent in self._queued:
                if waiting.start is not None and sent < len(waiting.samples):
                    waiting.cut_at = self.position
            self._queued.clear()
            self._queued.append((cue, 0))
        return cue

    @property
    def idle(self) -> bool:
        """Nothing playing and nothing queued."""
        with self._lock:
            return not self._queued

    def read(self, frames: int) -> np.ndarray:
        """The device's side: the next ``frames`` samples to send (silence where nothing is
        queued), kept as sent."""
        out = np.zeros(frames, dtype=np.int16)
        with self._lock:
            filled = 0
            position = self.position
            while self._queued and filled < frames:
                cue, sent = self._queued[0]
                if sent == 0:
                    filled = max(filled, min(frames, cue.not_before - position))
                    if filled >= frames:
                        break
                    cue.start = position + filled
                take = min(frames - filled, len(cue.samples) - sent)
                out[filled: filled + take] = cue.samples[sent: sent + take]
                filled += take
                if sent + take >= len(cue.samples):
                    self._queued.popleft()
                else:
                    self._queued[0] = (cue, sent + take)
            self._sent.append(out)
        return out

    def sent(self, start: int = 0, end: int | None = None) -> np.ndarray:
        """A copy of what was sent from ``start`` to ``end``: channel 1 of the recording."""
        with self._lock:
            return self._sent.copy(start, end)
