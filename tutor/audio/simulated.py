"""A simulated station: the microphone is fed from a file, the speaker goes nowhere.

Used where there is no sound card (CI, a laptop, a demo). The reply starts
``reply_at_s`` after the customer's last line ends (negative talks over the
customer). An optional echo of the customer and room noise make the
simulated microphone behave like a real one. Everything after this device is
the same code as on a real station.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from tutor.audio import AudioStats
from tutor.audio.levels import dbfs_amplitude
from tutor.settings import SimulateSettings


class SimulatedDuplex:
    """A duplex device whose microphone plays back a recorded reply."""

    def __init__(self, reply: np.ndarray | None, sample_rate: int, *, reply_at_s: float = 0.0,
                 settings: SimulateSettings | None = None, block_ms: int = 20,
                 seed: int = 0) -> None:
        self.reply = reply if reply is not None else np.zeros(0, dtype=np.int16)
        self.sample_rate = sample_rate
        self.reply_at_s = reply_at_s
        self.settings = settings or SimulateSettings()
        self.block = sample_rate * block_ms // 1000
        self.seed = seed

    def start(self, playback: np.ndarray, max_frames: int) -> _SimulatedSession:
        return _SimulatedSession(self._microphone(playback, max_frames), self.block,
                                 self.sample_rate, self.settings.realtime)

    def close(self) -> None:
        """Nothing to release; present so every device closes the same way."""

    def _microphone(self, playback: np.ndarray, frames: int) -> np.ndarray:
        return simulate_microphone(
            playback, self.reply, len(playback) + round(self.reply_at_s * self.sample_rate),
            frames, self.sample_rate, latency_s=self.settings.loop_latency_ms / 1000,
            echo_gain=self.settings.echo_gain, noise_dbfs=self.settings.noise_dbfs, seed=self.seed)


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


class _SimulatedSession:
    def __init__(self, mic: np.ndarray, block: int, sample_rate: int, realtime: bool) -> None:
        self._mic = mic
        self._block = block
        self._rate = sample_rate
        self._realtime = realtime
        self._stopped = False
        self.stats = AudioStats(device="simulated")

    def blocks(self) -> Iterator[np.ndarray]:
        began = time.monotonic()
        for offset in range(0, len(self._mic), self._block):
            if self._stopped:
                return
            end = min(offset + self._block, len(self._mic))
            if self._realtime:
                delay = began + end / self._rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            self.stats.blocks += 1
            yield self._mic[offset:end]

    def stop(self) -> None:
        self._stopped = True

    def __enter__(self) -> _SimulatedSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
