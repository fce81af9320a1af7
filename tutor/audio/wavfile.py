"""Reading sound files and writing round recordings.

A round recording is a 16-bit PCM WAV with two channels at one sample rate:
channel 1 is exactly what was sent to the speaker (the customer), channel 2
is the microphone, sample-aligned as captured. A conversation's recording also
marks where each turn lies, as standard WAV cue points with labelled regions
(a ``cue `` chunk and a ``LIST``/``adtl`` chunk after the samples, which sound
editors such as Audacity show as labels and every WAV reader may skip), so a
saved conversation can be scored again turn by turn.

Every WAV is checked against its header before a sample is read: a sample rate
outside telephone-to-studio rates, or more audio than the caller allows, is
refused. A header is a few bytes, but a 1 Hz file resampled to 16 kHz would
need gigabytes.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import re
import stat
import struct
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from tutor.errors import AudioFileError, DiskFullError, StorageError
from tutor.files import describe_kind, write_atomically

_LOGGER = logging.getLogger(__name__)

_SAMPLE_TYPES = {1: np.uint8, 2: np.int16, 4: np.int32}

MIN_SAMPLE_RATE: Final = 8_000
"""Lowest sample rate read, in Hz: telephone audio."""
MAX_SAMPLE_RATE: Final = 192_000
"""Highest sample rate read, in Hz: studio recorders."""
MAX_CHANNELS: Final = 8
"""Most channels in a file read; a round recording has 2."""
MAX_REPLY_S: Final = 120.0
"""Longest trainee reply read from a file (``--simulate``), in seconds."""
MAX_ROUND_S: Final = 15 * 60.0
"""Longest round recording read (``tutor score``), and the ceiling for any WAV, in seconds."""


MAX_TURN_MARKS: Final = 32
"""Most turns marked in a round recording; marks past it, or in an oversized chunk, are ignored."""
_MARK_CHUNK_BYTES: Final = 64 * 1024


@dataclass(frozen=True)
class TurnMark:
    """Where one turn of a conversation lies in its round recording, in samples."""

    start: int
    end: int
    label: str  # "turn 2: interrupted": the turn's number and id
    cut: int | None = None  # where the customer was cut off in it, if they were


@dataclass(frozen=True)
class RoundAudio:
    """The two channels of a round recording, and where a conversation's turns lie in it."""

    speaker: np.ndarray
    mic: np.ndarray
    sample_rate: int
    turns: tuple[TurnMark, ...] = ()

    @property
    def duration_s(self) -> float:
        return len(self.mic) / self.sample_rate


def read_wav(path: Path, *, max_s: float = MAX_ROUND_S, kind: str = "a recording"
             ) -> tuple[np.ndarray, int]:
    """Samples as int16 with shape (frames, channels), and the sample rate.

    Only regular files are read: a named pipe would wait for a writer for ever. A file
    shorter than its header says (a copy cut off) is read as far as it goes, with a
    warning. The header is checked first (:func:`check_header`): a rate outside
    :data:`MIN_SAMPLE_RATE`-:data:`MAX_SAMPLE_RATE` or more than ``max_s`` seconds of
    audio (``kind`` names it in the error) is refused before anything is read.
    """
    with _wav(path) as (wav, data_bytes):
        channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
        promised = wav.getnframes()
        _check(path, channels, width, rate, _frames_held(promised, channels * width, data_bytes),
               max_s, kind)
        raw = wav.readframes(promised)
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
    else:  # width 1, 2 or 4: _check refused the rest
        data = np.frombuffer(raw[: len(raw) // width * width], dtype=_SAMPLE_TYPES[width])
        if width == 1:
            samples = ((data.astype(np.int16) - 128) << 8).astype(np.int16)
        elif width == 4:
            samples = (data >> 16).astype(np.int16)
        else:
            samples = data.astype(np.int16)
    frames = len(samples) // channels
    return samples[: frames * channels].reshape(frames, channels), rate


def check_header(path: Path, *, max_s: float = MAX_ROUND_S, kind: str = "a recording") -> float:
    """The duration in seconds of a WAV file, from its header alone, after the checks
    :func:`read_wav` makes; for refusing a file long before it is played."""
    with _wav(path) as (wav, data_bytes):
        channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
        frames = _frames_held(wav.getnframes(), channels * width, data_bytes)
        _check(path, channels, width, rate, frames, max_s, kind)
    return frames / rate


@contextlib.contextmanager
def _wav(path: Path) -> Iterator[tuple[wave.Wave_read, int]]:
    """``path`` open as a WAV file, with the bytes after its header; every failure an AudioFileError."""
    try:
        with _open_regular(path) as handle, wave.open(handle, "rb") as wav:
            yield wav, os.fstat(handle.fileno()).st_size - handle.tell()  # wave stops at the data
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


def _frames_held(promised: int, frame_bytes: int, data_bytes: int) -> int:
    """Frames the file can really hold: a header may promise more (a stream's placeholder)."""
    return min(promised, data_bytes // max(frame_bytes, 1))


def _check(path: Path, channels: int, width: int, rate: int, frames: int, max_s: float,
           kind: str) -> None:
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise AudioFileError(f"{path}: sample rate {rate} Hz is outside "
                             f"{MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz")
    if channels < 1:
        raise AudioFileError(f"{path} has no audio channels")
    if channels > MAX_CHANNELS:
        raise AudioFileError(f"{path}: {channels} channels is more than the {MAX_CHANNELS} read")
    if width not in (1, 2, 3, 4):
        raise AudioFileError(f"{path} has {8 * width}-bit samples; use 16-bit PCM")
    if frames > max_s * rate:
        raise AudioFileError(f"{path}: {frames / rate:.1f} s long; {kind} may be at most {max_s:g} s")


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
    """int16 mono samples at another rate (soxr, high quality); both rates within
    :data:`MIN_SAMPLE_RATE`-:data:`MAX_SAMPLE_RATE`, so the output is at most 24 times
    the input."""
    if from_rate == to_rate or len(samples) == 0:
        return samples.astype(np.int16, copy=False)
    for rate in (from_rate, to_rate):
        if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
            raise AudioFileError(f"sample rate {rate} Hz is outside {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz")
    import soxr

    out = np.asarray(soxr.resample(samples.astype(np.float32) / 32768.0, from_rate, to_rate))
    resampled: np.ndarray = np.clip(np.round(out * 32768.0), -32768, 32767).astype(np.int16)
    return resampled


def read_mono(path: Path, sample_rate: int, *, max_s: float = MAX_ROUND_S,
              kind: str = "a recording") -> np.ndarray:
    """A sound file mixed to one channel and resampled to ``sample_rate``; at most ``max_s``
    seconds long (:func:`read_wav`)."""
    samples, rate = read_wav(path, max_s=max_s, kind=kind)
    if len(samples) == 0:
        raise AudioFileError(f"{path} holds no audio")
    mono = samples[:, 0] if samples.shape[1] == 1 else samples.astype(np.int32).mean(axis=1)
    return resample(np.asarray(mono).astype(np.int16), rate, sample_rate)


def read_round(path: Path, sample_rate: int | None = None) -> RoundAudio:
    """A saved round recording, resampled to ``sample_rate`` if given; refuses files that are not
    one, and recordings longer than :data:`MAX_ROUND_S`."""
    samples, rate = read_wav(path, max_s=MAX_ROUND_S, kind="a round recording")
    if samples.shape[1] != 2:
        raise AudioFileError(
            f"{path} has {samples.shape[1]} channel(s); a round recording has 2 "
            "(customer, microphone)")
    if len(samples) == 0:
        raise AudioFileError(f"{path} holds no audio")
    speaker, mic = samples[:, 0].copy(), samples[:, 1].copy()
    turns = read_turn_marks(path)
    if sample_rate is not None and sample_rate != rate:
        speaker, mic = resample(speaker, rate, sample_rate), resample(mic, rate, sample_rate)
        def moved(sample: int) -> int:
            return round(sample * sample_rate / rate)

        turns = tuple(TurnMark(moved(t.start), moved(t.end), t.label, None if t.cut is None else moved(t.cut))
                      for t in turns)
        rate = sample_rate
    return RoundAudio(speaker=speaker, mic=mic, sample_rate=rate, turns=turns)


def write_wav(path: Path, samples: np.ndarray, sample_rate: int, turns: tuple[TurnMark, ...] = ()) -> Path:
    """Write int16 samples (frames,) or (frames, channels) atomically.

    The file appears complete or not at all: a full disk never leaves half a
    recording behind. A device node or link at ``path`` is never replaced, and the
    umask sets the mode (:mod:`tutor.files`).
    """
    frames = samples.reshape(len(samples), -1)
    return _write_pieces(path, [frames[:, channel] for channel in range(frames.shape[1])], sample_rate, turns)


def write_round(path: Path, audio: RoundAudio) -> Path:
    """A round's two channels, interleaved a second at a time as they are written: never a
    second whole copy of the recording in memory (a conversation's runs to a minute or more)."""
    return _write_pieces(path, [audio.speaker, audio.mic], audio.sample_rate, audio.turns[:MAX_TURN_MARKS])


def _write_pieces(path: Path, channels: list[np.ndarray], sample_rate: int,
                  turns: tuple[TurnMark, ...]) -> Path:
    count, length = len(channels), len(channels[0])
    data_bytes = 2 * count * length
    marks = _turn_marks(turns) if turns else b""
    header = (b"RIFF" + struct.pack("<I", 4 + 8 + 16 + 8 + data_bytes + len(marks)) + b"WAVE"
              + _chunk(b"fmt ", struct.pack("<HHIIHH", 1, count, sample_rate, 2 * count * sample_rate,
                                            2 * count, 16))
              + b"data" + struct.pack("<I", data_bytes))

    def pieces() -> Iterator[bytes | memoryview]:
        yield header
        step = max(1, sample_rate)
        for start in range(0, length, step):
            block = np.empty((min(step, length - start), count), dtype="<i2")
            for index, channel in enumerate(channels):
                block[:, index] = channel[start: start + step]
            yield block.data.cast("B")
        yield marks

    return write_atomically(Path(path), pieces(), make_folder=True, explain=_storage_error)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")


def _turn_marks(turns: tuple[TurnMark, ...]) -> bytes:
    """The chunks after the audio that mark the turns: a cue point and labelled region for each
    turn, and a cue point labelled "cut in turn N" where the customer was cut off."""
    points: list[tuple[int, int, int, str]] = []  # id, sample, region length (0: a point), label
    for number, turn in enumerate(turns, 1):
        points.append((number, turn.start, turn.end - turn.start, turn.label))
    for number, turn in enumerate(turns, 1):
        if turn.cut is not None:
            points.append((len(points) + 1, turn.cut, 0, f"cut in turn {number}"))
    cues = struct.pack("<I", len(points)) + b"".join(
        struct.pack("<II4sIII", ident, sample, b"data", 0, 0, sample) for ident, sample, _, _ in points)
    labels = b"adtl"
    for ident, _, length, label in points:
        if length:
            labels += _chunk(b"ltxt", struct.pack("<II4sHHHH", ident, length, b"rgn ", 0, 0, 0, 0))
        labels += _chunk(b"labl", struct.pack("<I", ident) + label.encode() + b"\0")
    return _chunk(b"cue ", cues) + _chunk(b"LIST", labels)


def read_turn_marks(path: Path) -> tuple[TurnMark, ...]:
    """The turns a round recording marks (none for a single reply, or a file from elsewhere).
    Only the station's own labels are read, and only from chunks of a sane size."""
    cues: dict[int, int] = {}
    lengths: dict[int, int] = {}
    labels: dict[int, str] = {}
    try:
        with _open_regular(path) as handle:
            head = handle.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:] != b"WAVE":
                return ()
            while header := handle.read(8):
                if len(header) < 8:
                    break
                kind, size = header[:4], struct.unpack("<I", header[4:])[0]
                if kind not in (b"cue ", b"LIST") or size > _MARK_CHUNK_BYTES:
                    handle.seek(size + size % 2, os.SEEK_CUR)
                    continue
                body = handle.read(size + size % 2)[:size]
                if kind == b"cue ":
                    count = struct.unpack("<I", body[:4])[0] if len(body) >= 4 else 0
                    count = min(count, 2 * MAX_TURN_MARKS)
                    for index in range(count):
                        entry = body[4 + 24 * index: 28 + 24 * index]
                        if len(entry) == 24:
                            ident, _, _, _, _, sample = struct.unpack("<II4sIII", entry)
                            cues[ident] = sample
                elif body[:4] == b"adtl":
                    _read_labels(body[4:], lengths, labels)
    except (OSError, struct.error, AudioFileError):
        return ()
    turns: list[TurnMark] = []
    cuts: dict[int, int] = {}
    for ident, label in labels.items():
        if ident in cues and (cut := re.fullmatch(r"cut in turn (\d+)", label)):
            cuts[int(cut[1])] = cues[ident]
    for ident in sorted(labels):
        if ident in cues and ident in lengths and re.fullmatch(r"turn \d+: [\w-]+", labels[ident]):
            turns.append(TurnMark(cues[ident], cues[ident] + lengths[ident], labels[ident]))
    return tuple(TurnMark(t.start, t.end, t.label, cuts.get(number))
                 for number, t in enumerate(turns[:MAX_TURN_MARKS], 1))


def _read_labels(body: bytes, lengths: dict[int, int], labels: dict[int, str]) -> None:
    offset = 0
    while offset + 8 <= len(body) and len(labels) < 2 * MAX_TURN_MARKS:
        kind, size = body[offset: offset + 4], struct.unpack("<I", body[offset + 4: offset + 8])[0]
        content = body[offset + 8: offset + 8 + size]
        if kind == b"ltxt" and len(content) >= 8:
            ident, length = struct.unpack("<II", content[:8])
            lengths[ident] = length
        elif kind == b"labl" and len(content) >= 4:
            labels[struct.unpack("<I", content[:4])[0]] = content[4:].split(b"\0")[0].decode(errors="replace")
        offset += 8 + size + size % 2


def _storage_error(path: Path, exc: OSError) -> StorageError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(f"disk full: could not save {path}; free some space "
                             "(old rounds live in the data folder)")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(f"cannot write {path}: {exc.strerror}; choose a folder you can write to")
    return StorageError(f"could not save {path}: {exc.strerror or exc}")
