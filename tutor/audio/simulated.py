"""A simulated station: the microphone is fed from files, the speaker goes nowhere.

Used where there is no sound card (CI, a laptop, a demo). Each reply answers one of the
customer's turns: it starts its ``reply_at_s`` after that turn's lines end (negative
talks over the customer), the first reply after the opening, the next after the next
turn, and so on; when the replies run out the trainee is silent. An optional echo of the
customer and room noise make the simulated microphone behave like a real one.

The microphone is made a block at a time from what the speaker was actually sent, as a
real room would make it: when the round cuts the customer off and plays another line,
the echo follows the new line and the next reply waits for it. In real time, a line the
round queues starts where the clock has got to, as on a sound card that went on playing
silence while the round was thinking. Everything after this device is the same code as
on a real station.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Sequence

import numpy as np

from tutor.audio import AudioStats
from tutor.audio.levels import dbfs_amplitude
from tutor.audio.playback import Cue, Playback
from tutor.settings import SimulateSettings

_HIGH_PASS_TAPS = 16  # small_speaker's moving average: it reaches 8 samples either side


class SimulatedDuplex:
    """A duplex device whose microphone plays back recorded replies, one per customer turn."""

    def __init__(self, reply: np.ndarray | None, sample_rate: int, *, reply_at_s: float = 0.0,
                 settings: SimulateSettings | None = None, block_ms: int = 20,
                 seed: int = 0, later_replies: Sequence[tuple[np.ndarray, float]] = ()) -> None:
        self.reply = reply if reply is not None else np.zeros(0, dtype=np.int16)
        self.sample_rate = sample_rate
        self.reply_at_s = reply_at_s
        self.later_replies = tuple(later_replies)
        self.settings = settings or SimulateSettings()
        self.block = sample_rate * block_ms // 1000
        self.seed = seed

    def start(self, playback: np.ndarray, max_frames: int) -> _SimulatedSession:
        replies = [(self.reply, self.reply_at_s), *self.later_replies]
        return _SimulatedSession(Playback(playback), replies, max_frames, self.sample_rate,
                                 self.block, self.settings, self.seed)

    def close(self) -> None:
        """Nothing to release; present so every device closes the same way."""


def small_speaker(samples: np.ndarray, rate: int) -> np.ndarray:
    """A small speaker in a room: little bass, a peaky midrange, and a short reverb tail."""
    x = samples.astype(np.float64)
    bassless = x - np.convolve(x, np.ones(16) / 16, mode="same")  # ~1 kHz high-pass
    taps = np.zeros(int(0.06 * rate))
    for delay_ms, gain in ((0, 1.0), (7, 0.45), (19, -0.3), (37, 0.2), (55, -0.1)):
        taps[int(delay_ms * rate / 1000)] += gain
    return np.convolve(bassless, taps)[: len(x)]


def simulate_microphone(playback: np.ndarray, reply: np.ndarray, reply_start: int, frames: int,
                        rate: int, *, latency_s: float = 0.0, echo_gain: float = 0.0,
                        coloured: bool = True, noise_dbfs: float = -120.0, seed: int = 0) -> np.ndarray:
    """What a microphone would capture: the reply at ``reply_start`` (in samples), the
    customer's echo ``latency_s`` late at ``echo_gain`` of its level, and room noise."""
    mic = np.zeros(frames, dtype=np.float64)
    lo, hi = max(reply_start, 0), min(reply_start + len(reply), frames)
    if hi > lo:
        mic[lo:hi] += reply[lo - reply_start: hi - reply_start]
    if echo_gain > 0:
        delay = round(latency_s * rate)
        source = playback[: max(0, frames - delay)]
        echo = small_speaker(source, rate) if coloured else source.astype(np.float64)
        if coloured and np.any(echo):  # keep echo_gain meaning "relative to the customer's level"
            echo *= np.sqrt(np.mean(source.astype(np.float64) ** 2) / np.mean(echo ** 2))
        mic[delay: delay + len(echo)] += echo * echo_gain
    if noise_dbfs > -120:
        rng = np.random.default_rng(seed)
        mic += rng.normal(0.0, dbfs_amplitude(noise_dbfs), frames)
    np.round(mic, out=mic)  # in place: the buffer spans the longest possible round
    return np.clip(mic, -32768, 32767, out=mic).astype(np.int16)


class _Echo:
    """The customer's voice leaking back into the microphone, ``latency`` samples late, made
    from what the speaker was sent up to the block being captured."""

    def __init__(self, first: np.ndarray, rate: int, settings: SimulateSettings) -> None:
        self._rate = rate
        # at least the high-pass's reach ahead (half a millisecond): the echo of a sample needs the
        # few after it, and a block's are only sent with the next block (a real loop takes longer)
        self._delay = max(round(settings.loop_latency_ms / 1000 * rate), _HIGH_PASS_TAPS // 2)
        self._gain = settings.echo_gain
        # echo_gain is relative to the customer's level: the speaker's colouring is measured
        # once, on the opening, as simulate_microphone measures it on the whole track
        coloured = small_speaker(first, rate) if len(first) else np.zeros(0)
        power = float(np.sum(coloured ** 2))
        self._level = np.sqrt(float(np.sum(first.astype(np.float64) ** 2)) / power) if power > 0 else 1.0
        self._history = int(0.06 * rate) + _HIGH_PASS_TAPS

    def add(self, mic: np.ndarray, start: int, sent: Playback) -> None:
        """Add the echo heard in microphone frames ``start`` to ``start + len(mic)``."""
        # the speaker's filters reach back (reverb) and a little ahead (the high-pass): take the
        # samples sent around the block's source, from the first ever sent at the earliest
        first = max(0, start - self._delay - self._history)
        last = start + len(mic) - self._delay + _HIGH_PASS_TAPS // 2
        source = sent.sent(first, last) if last > first else np.zeros(0, dtype=np.int16)
        if not np.any(source):
            return
        padded = np.concatenate([source, np.zeros(max(0, _HIGH_PASS_TAPS - len(source)), dtype=np.int16)])
        echo = small_speaker(padded, self._rate)[: len(source)] * self._level
        begin = max(start, first + self._delay)  # the first frame of the block with an echo in it
        offset = begin - self._delay - first
        heard = echo[offset: offset + start + len(mic) - begin]
        mic[begin - start: begin - start + len(heard)] += heard * self._gain


class _SimulatedSession:
    def __init__(self, playback: Playback, replies: Sequence[tuple[np.ndarray, float]], max_frames: int,
                 sample_rate: int, block: int, settings: SimulateSettings, seed: int) -> None:
        self._playback = playback
        self._cues = [playback.first] if playback.first is not None else []
        self._waiting = deque(replies)  # the replies no turn has been given yet
        self._given: dict[Cue, tuple[int, np.ndarray, float]] = {}  # each turn's reply: start, samples
        self._max_frames = max_frames
        self._block = block
        self._rate = sample_rate
        self._realtime = settings.realtime
        first = playback.first.samples if playback.first is not None else np.zeros(0, dtype=np.int16)
        self._echo = _Echo(first, sample_rate, settings) if settings.echo_gain > 0 else None
        self._noise = dbfs_amplitude(settings.noise_dbfs) if settings.noise_dbfs > -120 else None
        self._rng = np.random.default_rng(seed)
        self._began: float | None = None
        self._position = 0
        self._stopped = False
        self.stats = AudioStats(device="simulated")

    def blocks(self) -> Iterator[np.ndarray]:
        self._began = time.monotonic()
        while self._position < self._max_frames and not self._stopped:
            count = min(self._block, self._max_frames - self._position)
            if self._realtime:
                delay = self._began + (self._position + count) / self._rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            self._playback.read(count)
            self._give_replies()
            mic = np.zeros(count, dtype=np.float64)
            for start, samples, _ in self._given.values():
                low, high = max(self._position, start), min(self._position + count, start + len(samples))
                if high > low:
                    mic[low - self._position: high - self._position] += samples[low - start: high - start]
            if self._echo is not None:
                self._echo.add(mic, self._position, self._playback)
            if self._noise is not None:
                mic += self._rng.normal(0.0, self._noise, count)
            np.round(mic, out=mic)
            self._position += count
            self.stats.blocks += 1
            yield np.clip(mic, -32768, 32767, out=mic).astype(np.int16)

    def _give_replies(self) -> None:
        """Each turn that has started gets the next reply; a turn cut off before its reply
        began hands the reply back, for the line that took its place."""
        for cue in self._cues:
            if cue.start is not None and cue not in self._given and self._waiting:
                samples, reply_at_s = self._waiting.popleft()
                start = cue.start + len(cue.samples) + round(reply_at_s * self._rate)
                self._given[cue] = (start, samples, reply_at_s)
            given = self._given.get(cue)
            if given is not None and cue.cut_at is not None and given[0] >= cue.cut_at:
                del self._given[cue]
                self._waiting.appendleft((given[1], given[2]))
                self._cues.remove(cue)
                return self._give_replies()
        return None

    def _now(self) -> int:
        """Where the clock has got to: in real time, the frame playing now; else the next one."""
        if not self._realtime or self._began is None:
            return self._position
        return max(self._position, int((time.monotonic() - self._began) * self._rate))

    def play(self, samples: np.ndarray) -> Cue:
        cue = self._playback.queue(samples, not_before=self._now())
        self._cues.append(cue)
        return cue

    def interrupt(self, samples: np.ndarray) -> Cue:
        cue = self._playback.replace(samples, not_before=self._now())
        self._cues.append(cue)
        return cue

    def played(self, start: int = 0, end: int | None = None) -> np.ndarray:
        return self._playback.sent(start, end)

    def stop(self) -> None:
        self._stopped = True

    def __enter__(self) -> _SimulatedSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
