"""Reading sound files and writing round recordings.

A round recording is a 16-bit PCM WAV with two channels at one sample rate:
channel 1 is exactly what was sent to the speaker (the customer), channel 2
is the microphone, sample-aligned as captured.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import stat
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tutor.errors import AudioFileError, StorageError
from tutor.files import describe_kind, write_atomically

_LOGGER = logging.getLogger(__name__)

_SAMPLE_TYPES = {1: np.uint8, 2: np.int16, 4: np.int32}


@dataclass(frozen=True)
class RoundAudio:
    """The two channels of a round recording."""

    speaker: np.ndarray
    mic: np.ndarray
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.mic) / self.sample_rate


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Samples as int16 with shape (frames, channels), and the sample rate.

    Only regular files are read: a named pipe would wait for a writer for ever. A file
    shorter than its header says (a copy cut off) is read as far as it goes, with a
    warning.
    """
    try:
        with _open_regular(path) as handle, wave.open(handle, "rb") as wav:
            channels = wav.getnchannels()
            width = wav.getsampwidth()
            rate = wav.getframerate()
            promised = wav.getnframes()
            raw = wav.readframes(promised)
    except FileNotFoundError:
        raise AudioFileError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise AudioFileError(f"{path} is a folder, not a WAV file") from None
    except (wave.Error, EOFError) as exc:
        raise AudioFileError(
            f"{path} is not a PCM WAV file ({exc}); convert it with "
            f"`sox {path.name} -b 16 out.wav`") from None
    except AudioFileError:
        raise
    except OSError as exc:
        raise AudioFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    frame_bytes = max(channels * width, 1)
    if len(raw) < promised * frame_bytes:
        got = len(raw) // frame_bytes
        _LOGGER.warning("%s is cut short: its header promises %.2f s but it holds %.2f s; "
                        "scoring what is there", path, promised / max(rate, 1), got / max(rate, 1))
    if width == 3:
        bytes24 = np.frombuffer(raw[: len(raw) // 3 * 3], dtype=np.uint8).reshape(-1, 3)
        wide = (bytes24[:, 2].astype(np.int32) << 24 | bytes24[:, 1].astype(np.int32) << 16
                | bytes24[:, 0].astype(np.int32) << 8)
        samples = (wide >> 16).astype(np.int16)
    elif width in _SAMPLE_TYPES:
        data = np.frombuffer(raw[: len(raw) // width * width], dtype=_SAMPLE_TYPES[width])
        if width == 1:
            samples = ((data.astype(np.int16) - 128) << 8).astype(np.int16)
        elif width == 4:
            samples = (data >> 16).astype(np.int16)
        else:
            samples = data.astype(np.int16)
    else:
        raise AudioFileError(f"{path} has {8 * width}-bit samples; use 16-bit PCM")
    if channels < 1 or rate <= 0:
        raise AudioFileError(f"{path} has no audio channels")
    frames = len(samples) // channels
    return samples[: frames * channels].reshape(frames, channels), rate


def _open_regular(path: Path) -> io.BufferedReader:
    """``path`` opened for reading if it is a regular file (or a link to one), else AudioFileError."""
    # O_NONBLOCK: opening a named pipe returns at once instead of waiting for a writer
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(mode):
            raise AudioFileError(f"{path} is {describe_kind(mode)}, not a WAV file; "
                                 "copy the recording to a file first")
        os.set_blocking(descriptor, True)
        return open(descriptor, "rb", closefd=True)  # the caller closes it
    except BaseException:
        os.close(descriptor)
        raise


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """int16 mono samples at another rate (soxr, high quality)."""
    if from_rate == to_rate or len(samples) == 0:
        return samples.astype(np.int16, copy=False)
    import soxr

    out = np.asarray(soxr.resample(samples.astype(np.float32) / 32768.0, from_rate, to_rate))
    resampled: np.ndarray = np.clip(np.round(out * 32768.0), -32768, 32767).astype(np.int16)
    return resampled


def read_mono(path: Path, sample_rate: int) -> np.ndarray:
    """A sound file mixed to one channel and resampled to ``sample_rate``."""
    samples, rate = read_wav(path)
    if len(samples) == 0:
        raise AudioFileError(f"{path} holds no audio")
    mono = samples[:, 0] if samples.shape[1] == 1 else samples.astype(np.int32).mean(axis=1)
    return resample(np.asarray(mono).astype(np.int16), rate, sample_rate)


def read_round(path: Path, sample_rate: int | None = None) -> RoundAudio:
    """A saved round recording, resampled to ``sample_rate`` if given; refuses files that are not one."""
    samples, rate = read_wav(path)
    if samples.shape[1] != 2:
        raise AudioFileError(
            f"{path} has {samples.shape[1]} channel(s); a round recording has 2 "
            "(customer, microphone)")
    if len(samples) == 0:
        raise AudioFileError(f"{path} holds no audio")
    speaker, mic = samples[:, 0].copy(), samples[:, 1].copy()
    if sample_rate is not None and sample_rate != rate:
        speaker, mic = resample(speaker, rate, sample_rate), resample(mic, rate, sample_rate)
        rate = sample_rate
    return RoundAudio(speaker=speaker, mic=mic, sample_rate=rate)


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> Path:
    """Write int16 samples (frames,) or (frames, channels) atomically.

    The file appears complete or not at all: a full disk never leaves half a
    recording behind. A device node or link at ``path`` is never replaced, and the
    umask sets the mode (:mod:`tutor.files`).
    """
    frames = samples.reshape(len(samples), -1).astype("<i2", copy=False)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(frames.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(frames.tobytes())
    return write_atomically(Path(path), buffer.getvalue(), make_folder=True, explain=_storage_error)


def write_round(path: Path, audio: RoundAudio) -> Path:
    return write_wav(path, np.stack([audio.speaker, audio.mic], axis=1), audio.sample_rate)


def _storage_error(path: Path, exc: OSError) -> StorageError:
    if exc.errno == errno.ENOSPC:
        return StorageError(f"disk full: could not save {path}; free some space "
                            "(old rounds live in the data folder)")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(f"cannot write {path}: {exc.strerror}; choose a folder you can write to")
    return StorageError(f"could not save {path}: {exc.strerror or exc}")
