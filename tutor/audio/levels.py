"""Levels of 16-bit audio in decibels: one home for the arithmetic every stage uses.

Samples are int16-scaled (full scale 32768). A *power* is a mean square of samples; an
*amplitude* is a sample value or an RMS. The floors keep silence finite: digital silence
reads about -110 dBFS (power) or -90 dBFS (amplitude), far under any room.
"""

from __future__ import annotations

import math
from typing import Final

FULL_SCALE: Final = 32768.0
_POWER_FLOOR: Final = 1e-3
_AMPLITUDE_FLOOR: Final = 1e-3
_RATIO_FLOOR: Final = 1e-12


def power_dbfs(power: float) -> float:
    """A mean square of int16-scaled samples, in dB relative to full scale."""
    return 10.0 * math.log10(max(float(power), _POWER_FLOOR) / FULL_SCALE ** 2)


def amplitude_dbfs(amplitude: float) -> float:
    """An RMS or peak of int16-scaled samples, in dB relative to full scale."""
    return 20.0 * math.log10(max(float(amplitude), _AMPLITUDE_FLOOR) / FULL_SCALE)


def dbfs_power(dbfs: float) -> float:
    """The mean square of int16-scaled samples that reads ``dbfs``."""
    return dbfs_amplitude(dbfs) ** 2


def dbfs_amplitude(dbfs: float) -> float:
    """The RMS of int16-scaled samples that reads ``dbfs``."""
    return FULL_SCALE * float(10.0 ** (dbfs / 20.0))


def power_ratio_db(ratio: float) -> float:
    """A ratio of two powers, in dB."""
    return 10.0 * math.log10(max(float(ratio), _RATIO_FLOOR))


def amplitude_ratio_db(ratio: float, floor: float = _RATIO_FLOOR) -> float:
    """A ratio of two amplitudes, in dB, never under ``floor`` (as an amplitude ratio)."""
    return 20.0 * math.log10(max(float(ratio), floor))
