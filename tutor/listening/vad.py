"""Voice activity: which short frames of a signal hold speech (WebRTC VAD)."""

from __future__ import annotations

from typing import Final

import numpy as np

from tutor.audio.levels import dbfs_power
from tutor.errors import ConfigError

FRAME_S: Final = 0.01
_RATES: Final = (8000, 16000, 32000, 48000)
# a fresh WebRTC detector calls its first seven frames speech whatever they hold, until its
# noise model has settled: it is primed on the signal's own start, and those decisions dropped
_PRIMING_FRAMES: Final = 10
_POWER_ROWS: Final = 1000  # frames whose power is taken at once: 10 s of 10 ms frames


class VoiceDetector:
    """WebRTC's voice-activity detector over 10 ms frames, with a loudness floor.

    The floor keeps the detector from calling faint room noise speech; it is
    set in dBFS, well under a voice at arm's length from the microphone.
    """

    def __init__(self, sample_rate: int, aggressiveness: int = 2, floor_dbfs: float = -55.0) -> None:
        if sample_rate not in _RATES:
            raise ConfigError(f"audio.sample_rate must be one of {_RATES} for voice detection, "
                              f"not {sample_rate}")
        if not 0 <= aggressiveness <= 3:
            raise ConfigError(f"listening.vad_aggressiveness must be 0 to 3, not {aggressiveness}")
        import webrtcvad

        self._vad = webrtcvad.Vad(aggressiveness)
        self.sample_rate = sample_rate
        self.frame = int(sample_rate * FRAME_S)
        self._floor = dbfs_power(floor_dbfs)
        self._primed = False

    def frames(self, samples: np.ndarray) -> np.ndarray:
        """One speech decision per whole 10 ms frame of ``samples``.

        Calls continue one stream: the detector keeps its state between them.
        """
        count = len(samples) // self.frame
        if count == 0:
            return np.zeros(0, dtype=bool)
        shaped = samples[: count * self.frame].astype("<i2", copy=False).reshape(count, self.frame)
        loud = frame_power(shaped) > self._floor
        if not self._primed:
            for row in shaped[:_PRIMING_FRAMES]:
                self._vad.is_speech(row.tobytes(), self.sample_rate)
            self._primed = True
        out = np.zeros(count, dtype=bool)
        for index in np.flatnonzero(loud):
            out[index] = self._vad.is_speech(shaped[index].tobytes(), self.sample_rate)
        return out


def frame_power(frames: np.ndarray) -> np.ndarray:
    """Mean square of each row of int16 (or float) frames.

    Rows are widened and squared a few seconds at a time, in place: each row's mean is
    the same, and a whole round is never copied as float.
    """
    power = np.empty(frames.shape[:-1])
    for first in range(0, len(frames), _POWER_ROWS):
        wide = frames[first: first + _POWER_ROWS].astype(np.float64)
        np.multiply(wide, wide, out=wide)
        power[first: first + _POWER_ROWS] = np.mean(wide, axis=-1)
    return power
