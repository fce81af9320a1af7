"""Duplex audio: the customer track out, the microphone in, on one clock.

A device plays a track and captures the microphone in the same stream, so
captured sample ``n`` was recorded while playback sample ``n`` was being
sent. The round recording keeps that alignment; the microphone naturally lags
by the device's loop latency, which the listening stage measures.

A conversation stays in that one stream: the round queues the customer's next line
while the stream runs, or cuts the line playing and plays another in its place
(:mod:`tutor.audio.playback`), and the session keeps what it actually sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from tutor.audio.playback import Cue


@dataclass
class AudioStats:
    """What the device reported while a round was running."""

    device: str = ""
    input_overflows: int = 0
    output_underflows: int = 0
    blocks: int = 0

    @property
    def glitches(self) -> int:
        return self.input_overflows + self.output_underflows


class DuplexSession(Protocol):
    """A running play-and-capture stream."""

    stats: AudioStats

    def blocks(self) -> Iterator[np.ndarray]:
        """Captured int16 mono blocks, in order, until stopped or ``max_frames`` is reached."""
        ...

    def stop(self) -> None: ...

    def play(self, samples: np.ndarray) -> Cue:
        """Play ``samples`` after what is queued: the customer's next line, on the same clock."""
        ...

    def interrupt(self, samples: np.ndarray) -> Cue:
        """Cut what is playing and play ``samples`` in its place, from the next block on."""
        ...

    def played(self, start: int = 0, end: int | None = None) -> np.ndarray:
        """What was sent to the speaker, from frame ``start`` to ``end``."""
        ...


class DuplexAudio(Protocol):
    """A sound device (or a simulation of one) that plays and records together."""

    sample_rate: int

    def start(self, playback: np.ndarray, max_frames: int) -> DuplexSession: ...

    def close(self) -> None: ...


def speaker_channel(playback: np.ndarray, frames: int) -> np.ndarray:
    """Exactly what was sent to the speaker during ``frames`` captured samples."""
    out = np.zeros(frames, dtype=np.int16)
    used = min(frames, len(playback))
    out[:used] = playback[:used]
    return out
