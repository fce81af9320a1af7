"""Shared test helpers: real synthetic speech, and the `tutor` command run as a user would."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory

from tutor.audio.wavfile import read_mono, write_wav

DATA = Path(__file__).parent / "data"
RATE = 16000
ONE_TURN_BIRTHDAY = "birthday-one-turn"
FESTIVAL_VOICES = {"slt": "voice_cmu_us_slt_arctic_hts", "kal": "voice_kal_diphone"}


@pytest.fixture(scope="session")
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def speak(speech_cache: Path) -> Callable[..., Path]:
    """Natural-sounding English speech from festival, as a 16 kHz mono WAV."""
    if shutil.which("text2wave") is None:
        pytest.fail("festival's text2wave is missing: run the README's test command, which installs it")

    def make(text: str, voice: str = "slt") -> Path:
        key = hashlib.sha1(f"{voice}:{text}".encode()).hexdigest()[:12]
        out = speech_cache / f"{voice}-{key}.wav"
        if not out.exists():
            raw = speech_cache / f"{key}.raw.wav"
            subprocess.run(["text2wave", "-eval", f"({FESTIVAL_VOICES[voice]})", "-o", str(raw)],
                           input=text.encode(), check=True, capture_output=True)
            write_wav(out, read_mono(raw, RATE), RATE)
        return out

    return make


@pytest.fixture(scope="session")
def speak_samples(speak: Callable[..., Path]) -> Callable[..., np.ndarray]:
    def make(text: str, voice: str = "slt") -> np.ndarray:
        return read_mono(speak(text, voice), RATE)

    return make


@pytest.fixture
def isolated_env(tmp_path: Path) -> dict[str, str]:
    """Environment for the `tutor` command with its own home, config and data folders."""
    return isolated_environ(tmp_path / "home")


def isolated_environ(home: Path) -> dict[str, str]:
    """``home`` (created) as HOME, config and data folders, no TUTOR_/XDG_/STATE_ variables
    from the caller, and the system file and the installed station's data folder moved inside
    ``home`` ($TUTOR_SYSTEM_CONFIG, $TUTOR_STATION_DATA); usable by fixtures wider than one test."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUTOR_", "XDG_", "STATE_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"), JACK_NO_START_SERVER="1",
               TUTOR_SYSTEM_CONFIG=str(home / "etc" / "tutor" / "config.toml"),
               TUTOR_STATION_DATA=str(home / "var" / "lib" / "tutor"))
    # English speech is checked against pocketsphinx, whatever vosk model this checkout has
    user_config = home / ".config" / "tutor" / "config.toml"
    user_config.parent.mkdir(parents=True, exist_ok=True)
    user_config.write_text('[recognition]\nengine = "pocketsphinx"\n')
    return env


@pytest.fixture
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """In-process settings that read no real file: HOME and XDG folders in ``tmp_path``, no
    TUTOR_CONFIG or STATE_DIRECTORY, no installed station's folder, and the system config moved
    to the path returned."""
    import tutor.settings

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.delenv("TUTOR_CONFIG", raising=False)
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    monkeypatch.setenv("TUTOR_STATION_DATA", str(tmp_path / "var" / "lib" / "tutor"))
    system = tmp_path / "etc" / "tutor" / "config.toml"
    monkeypatch.setattr(tutor.settings, "SYSTEM_CONFIG", system)
    return system


@pytest.fixture
def tutor(isolated_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python -m tutor ARGS` in a clean environment."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True,
                              env={**isolated_env, **(env or {})}, timeout=timeout)

    return run


def virtual_card(home: Path, mic: np.ndarray) -> tuple[Path, Path]:
    """A sound card for PyAudio made of files: what is played lands in played.raw, the
    microphone reads ``mic`` (looped, so make it longer than what is captured)."""
    played, heard = home / "played.raw", home / "mic.raw"
    mic.astype("<i2").tofile(heard)
    # separate playback and capture sides: the file plugin also copies what it captures
    # into its output file
    (home / ".asoundrc").write_text(f"""
pcm.!default {{
  type asym
  playback.pcm {{ type file slave.pcm "null" file "{played}" format "raw" }}
  capture.pcm {{ type file slave.pcm "null" file "/dev/null" infile "{heard}" format "raw" }}
}}
""")
    return played, heard


class ClockedSpeaker:
    """The virtual card's speaker as a named pipe that this test reads at the sample rate.

    ALSA's file plugin blocks while the pipe is full, so the card plays, and captures, at the
    speed of real time, as a real card does; without it the card runs as far ahead of the round
    as the machine's load allows. What the card played is in :attr:`received`.
    """

    def __init__(self, path: Path, rate: int) -> None:
        os.mkfifo(path)
        # opened for reading first, so the station's open for writing never waits
        self._fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        fcntl.fcntl(self._fd, fcntl.F_SETPIPE_SZ, 4096)  # the least slack Linux allows: 0.13 s
        self._bytes_per_s = rate * 2
        self.received = bytearray()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, name="clocked-speaker", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        owed, last = 0.0, time.monotonic()
        while not self._stop.wait(0.005):
            now = time.monotonic()
            # never more than 0.1 s at once: after a stall the card catches up at its own pace
            owed, last = min(owed + (now - last) * self._bytes_per_s, 0.1 * self._bytes_per_s), now
            wanted = int(owed) & ~1
            if wanted:
                try:
                    chunk = os.read(self._fd, wanted)
                except BlockingIOError:
                    continue
                self.received.extend(chunk)
                owed -= len(chunk)

    def samples(self) -> np.ndarray:
        return np.frombuffer(bytes(self.received), dtype="<i2")

    def close(self) -> None:
        self._stop.set()
        self._reader.join()
        os.close(self._fd)


@contextmanager
def clocked_virtual_card(home: Path, mic: np.ndarray, rate: int = 16000) -> Iterator[ClockedSpeaker]:
    """:func:`virtual_card` with a clock: the speaker is a :class:`ClockedSpeaker`."""
    played, _ = virtual_card(home, mic)
    speaker = ClockedSpeaker(played, rate)
    try:
        yield speaker
    finally:
        speaker.close()


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    """gpiozero's own mock pins, installed for one test and put back after it."""
    from gpiozero import Device

    saved = Device.pin_factory
    mock = MockFactory()
    Device.pin_factory = mock
    yield mock
    mock.reset()
    Device.pin_factory = saved


def one_turn_birthday(folder: Path) -> Path:
    """A folder (made in ``folder``) holding the library's birthday complaint as a single reply,
    without the turns the library gives it, as ``birthday-one-turn``: for tests of what goes on
    around a round (the station's loop, identifying trainees), where the bundled sample reply
    answers the birthday complaint and a conversation's later turns would only get silence."""
    from tutor.scenarios import LIBRARY_DIR

    text = (LIBRARY_DIR / "late-birthday-present.toml").read_text()
    opening = "\n".join(line for line in text.split("\n[[turns]]")[0].splitlines()
                        if not line.startswith("hidden_need"))
    mine = folder / "scenarios"
    mine.mkdir(parents=True, exist_ok=True)
    (mine / f"{ONE_TURN_BIRTHDAY}.toml").write_text(opening + "\n")
    return mine
