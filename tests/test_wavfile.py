from __future__ import annotations

import errno
import os
import wave
from pathlib import Path

import numpy as np
import pytest

from tutor.audio.wavfile import (
    RoundAudio,
    TurnMark,
    read_mono,
    read_round,
    read_wav,
    write_round,
    write_wav,
)
from tutor.errors import AudioFileError, StorageError


def _write_pcm(path: Path, data: bytes, rate: int, channels: int, width: int) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(data)


def test_not_a_wav_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "reply.wav"
    path.write_bytes(b"ID3 this is an mp3 really" * 10)
    with pytest.raises(AudioFileError, match=r"is not a PCM WAV file.*sox"):
        read_wav(path)
    with pytest.raises(AudioFileError, match="does not exist"):
        read_wav(tmp_path / "missing.wav")


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_sample_widths_become_int16(tmp_path: Path, width: int) -> None:
    ramp = np.linspace(-0.5, 0.5, 100)
    if width == 1:
        data = np.round(ramp * 127 + 128).astype(np.uint8).tobytes()
    elif width == 3:
        ints = np.round(ramp * 2**23).astype(np.int32)
        data = b"".join(int(v).to_bytes(3, "little", signed=True) for v in ints)
    else:
        data = np.round(ramp * 2 ** (8 * width - 1)).astype(f"<i{width}").tobytes()
    path = tmp_path / "w.wav"
    _write_pcm(path, data, 16000, 1, width)
    samples, rate = read_wav(path)
    assert rate == 16000 and samples.shape == (100, 1)
    assert np.allclose(samples[:, 0] / 32768, ramp, atol=0.01)


def test_stereo_44k_reply_is_mixed_and_resampled(tmp_path: Path) -> None:
    t = np.arange(44100) / 44100
    tone = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
    path = tmp_path / "stereo.wav"
    write_wav(path, np.stack([tone, tone], axis=1), 44100)
    mono = read_mono(path, 16000)
    assert abs(len(mono) - 16000) <= 1
    assert 7000 < np.abs(mono).max() < 9000


def test_round_recording_round_trips_and_rejects_mono(tmp_path: Path) -> None:
    speaker = np.arange(-500, 500, dtype=np.int16)
    mic = speaker[::-1].copy()
    path = write_round(tmp_path / "r.wav", RoundAudio(speaker, mic, 16000))
    loaded = read_round(path)
    assert np.array_equal(loaded.speaker, speaker) and np.array_equal(loaded.mic, mic)
    write_wav(tmp_path / "mono.wav", speaker, 16000)
    with pytest.raises(AudioFileError, match="has 1 channel"):
        read_round(tmp_path / "mono.wav")


def test_full_disk_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(StorageError, match="disk full"):
        write_wav(tmp_path / "r.wav", np.zeros(10, dtype=np.int16), 16000)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_is_reported(tmp_path: Path) -> None:
    target = tmp_path / "file-not-folder"
    target.write_text("x")
    with pytest.raises(StorageError, match=r"could not save|cannot write"):
        write_wav(target / "r.wav", np.zeros(10, dtype=np.int16), 16000)


def test_a_conversation_s_turns_are_marked_in_its_recording(tmp_path: Path) -> None:
    """Cue points with labelled regions after the samples: read back (also resampled), skipped by
    a plain WAV reader, and a mangled chunk costs the marks, never the recording."""
    rate = 16000
    speaker = np.zeros(5 * rate, dtype=np.int16)
    mic = np.arange(5 * rate, dtype=np.int16)
    turns = (TurnMark(0, 3 * rate, "turn 1: opening", cut=2 * rate),
             TurnMark(2 * rate, 5 * rate, "turn 2: interrupted"))
    path = write_round(tmp_path / "r.wav", RoundAudio(speaker, mic, rate, turns))
    back = read_round(path)
    assert back.turns == turns and np.array_equal(back.mic, mic)
    assert read_round(path, 8000).turns[1] == TurnMark(rate, 40000, "turn 2: interrupted")
    with wave.open(str(path)) as plain:
        assert plain.getnframes() == 5 * rate and plain.getnchannels() == 2
    data = bytearray(path.read_bytes())
    cue = data.index(b"cue ")
    data[cue + 8: cue + 12] = (10**9).to_bytes(4, "little")  # a cue chunk claiming a billion points
    (tmp_path / "mangled.wav").write_bytes(bytes(data))
    mangled = read_round(tmp_path / "mangled.wav")
    assert np.array_equal(mangled.mic, mic) and len(mangled.turns) <= 2


def test_a_round_is_written_in_pieces_exactly_as_one_wav(tmp_path: Path) -> None:
    """The recording is interleaved a second at a time as it is written (no whole second copy in
    memory): the bytes are the standard library's WAV of the same samples, to the last one, over
    lengths that end inside a second and exactly on one."""
    rate = 16000
    for length in (1, rate, rate * 2 + 7):
        speaker = np.random.default_rng(length).integers(-32768, 32767, length, dtype=np.int16)
        mic = np.random.default_rng(length + 1).integers(-32768, 32767, length, dtype=np.int16)
        path = write_round(tmp_path / f"r{length}.wav", RoundAudio(speaker, mic, rate))
        _write_pcm(tmp_path / "reference.wav", np.stack([speaker, mic], axis=1).astype("<i2").tobytes(),
                   rate, 2, 2)
        assert path.read_bytes() == (tmp_path / "reference.wav").read_bytes()
