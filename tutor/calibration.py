"""This station's speaker-to-microphone path: measured once, used by every round.

`tutor calibrate` plays a test signal and finds it in the microphone. The
loop latency it stores is what the scorer falls back to when a round has too
little echo to measure it from; the echo level tells how loudly the customer
leaks into the microphone (useful when placing the speaker).
"""

from __future__ import annotations

import errno
import json
import math
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import numpy as np

from tutor.audio import DuplexAudio
from tutor.audio.levels import amplitude_ratio_db, dbfs_amplitude
from tutor.errors import AudioDeviceError, ConfigError, StorageError
from tutor.files import storage_error, write_atomically
from tutor.listening.analysis import estimate_loop_latency
from tutor.settings import Settings

SIGNAL_S: Final = 1.0
LEVEL_DBFS: Final = -18.0
MIN_CONFIDENCE: Final = 25.0  # as in the round analysis: noise alone reaches about 5
CAPTURE_TAIL_S: Final = 0.5


@dataclass(frozen=True)
class Calibration:
    loop_latency_ms: float
    echo_level_db: float
    confidence: float
    measured_at: str
    device: str = ""

    def to_toml(self) -> str:
        return (f"# written by `tutor calibrate`\nloop_latency_ms = {self.loop_latency_ms:.1f}\n"
                f"echo_level_db = {self.echo_level_db:.1f}\nconfidence = {self.confidence:.1f}\n"
                f"measured_at = {json.dumps(self.measured_at)}\ndevice = {json.dumps(self.device)}\n")


def calibration_path(settings: Settings) -> Path:
    return settings.data_dir / "calibration.toml"


def calibration_signal(rate: int) -> np.ndarray:
    """A one-second noise burst: flat spectrum, so its echo is found however the speaker colours it."""
    noise = np.random.default_rng(20261124).standard_normal(int(SIGNAL_S * rate))
    ramp = np.minimum(1.0, np.minimum(np.arange(len(noise)), np.arange(len(noise))[::-1]) / (0.01 * rate))
    samples = noise * ramp * dbfs_amplitude(LEVEL_DBFS)  # unit variance: RMS at LEVEL_DBFS
    out: np.ndarray = np.clip(samples, -32768, 32767).astype(np.int16)
    return out


def measure(audio: DuplexAudio, device: str = "") -> Calibration:
    """Play the test signal on ``audio`` and find it in what the microphone captured."""
    rate = audio.sample_rate
    signal = calibration_signal(rate)
    frames = len(signal) + int(CAPTURE_TAIL_S * rate)
    session = audio.start(signal, frames)
    try:
        captured = [block for block in session.blocks()]
    finally:
        session.stop()
    mic = np.concatenate(captured) if captured else np.zeros(0, dtype=np.int16)
    if len(mic) < len(signal):
        raise AudioDeviceError("the microphone stopped before the test signal ended")
    played = np.zeros(len(mic), dtype=np.int16)
    played[: len(signal)] = signal
    lag, confidence = estimate_loop_latency(played, mic, rate)
    if confidence < MIN_CONFIDENCE:
        raise AudioDeviceError(
            "the test signal was not heard in the microphone; turn the speaker up or move the "
            "microphone nearer, then run `tutor calibrate` again")
    echo = mic[lag: lag + len(signal)].astype(np.float64)
    ratio = math.sqrt(float(np.mean(echo ** 2)) / max(float(np.mean(signal.astype(np.float64) ** 2)), 1e-9))
    return Calibration(loop_latency_ms=1000 * lag / rate, echo_level_db=amplitude_ratio_db(ratio, floor=1e-6),
                       confidence=confidence, device=device,
                       measured_at=datetime.now().astimezone().isoformat(timespec="seconds"))


def save(calibration: Calibration, settings: Settings) -> Path:
    def explain(path: Path, exc: OSError) -> StorageError:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return storage_error(path, exc)
        return StorageError(f"cannot write {path}: {exc.strerror}; check the data folder "
                            "(storage.data_dir) is writable")

    return write_atomically(calibration_path(settings), calibration.to_toml().encode("utf-8"),
                            make_folder=True, explain=explain)


def load(settings: Settings) -> Calibration | None:
    """The stored calibration, or None when the station has not been calibrated."""
    path = calibration_path(settings)
    if not path.exists():
        return None
    try:
        data = tomllib.loads(path.read_text())
        return Calibration(loop_latency_ms=float(data["loop_latency_ms"]),
                           echo_level_db=float(data["echo_level_db"]),
                           confidence=float(data.get("confidence", 0.0)),
                           measured_at=str(data.get("measured_at", "")), device=str(data.get("device", "")))
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path} is damaged ({exc}); run `tutor calibrate` again") from None


def calibrated_latency_s(settings: Settings) -> float | None:
    """The stored loop latency in seconds, if the station has been calibrated."""
    calibration = load(settings)
    return None if calibration is None else calibration.loop_latency_ms / 1000
