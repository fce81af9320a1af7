"""Noise suppression before recognition (WebRTC's, through webrtc-noise-gain).

Optional, off by default: it is kept only where the room evaluation shows
the recognizer's word error rate falling in noisy rooms without rising in
quiet ones (``python -m benchmarks.rooms --suppress``). The timing analysis
never sees suppressed audio: suppression smears onsets and would move the
pause.
"""

from __future__ import annotations

import logging
from typing import Final

import numpy as np

from tutor.errors import ConfigError

_LOGGER = logging.getLogger(__name__)

SUPPORTED_RATE: Final = 16000  # the library processes 10 ms of 16 kHz audio at a time
LEVELS: Final = range(0, 5)


class NoiseSuppressor:
    """Feeds blocks of any length through WebRTC's suppressor in 10 ms steps; one per stream.

    ``level`` 0 passes audio through untouched; 1 to 4 suppress more and more.
    """

    def __init__(self, sample_rate: int, level: int) -> None:
        if level not in LEVELS:
            raise ConfigError(f"recognition.noise_suppression must be 0 (off) to 4, not {level}")
        self._step = sample_rate // 100
        self._pending = np.zeros(0, dtype=np.int16)
        self._processor = None
        if level and sample_rate != SUPPORTED_RATE:
            _LOGGER.warning("noise suppression works at %d Hz only; off at %d Hz", SUPPORTED_RATE,
                            sample_rate)
        elif level:
            from webrtc_noise_gain import AudioProcessor

            self._processor = AudioProcessor(0, level)

    @property
    def active(self) -> bool:
        return self._processor is not None

    def process(self, block: np.ndarray) -> np.ndarray:
        """The suppressed audio for whole 10 ms steps so far; the remainder waits for the next block."""
        if self._processor is None:
            return block
        samples = np.concatenate([self._pending, block.astype(np.int16, copy=False)])
        whole = len(samples) // self._step * self._step
        self._pending = samples[whole:]
        out = [np.frombuffer(self._processor.Process10ms(samples[i: i + self._step].tobytes()).audio,
                             dtype=np.int16) for i in range(0, whole, self._step)]
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int16)

    def whole(self, samples: np.ndarray) -> np.ndarray:
        """A complete stretch of audio, suppressed, the same length as it came (the tail padded)."""
        if self._processor is None:
            return samples
        out = self.process(np.concatenate([samples, np.zeros(self._step, dtype=np.int16)]))
        return out[: len(samples)]
