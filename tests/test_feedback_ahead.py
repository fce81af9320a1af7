"""The feedback after a round: result LEDs as soon as the scores are known, the first sentence
playing while the rest is rendered, and the kiosk's presses and faults as before.

Real espeak-ng and pocketsphinx, gpiozero's mock pins, the simulated station.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory

from tutor.audio import DuplexSession
from tutor.audio.simulated import SimulatedDuplex
from tutor.audio.wavfile import read_mono
from tutor.errors import VoiceError
from tutor.kiosk import SENTENCE_PAUSE_S, Kiosk, ScenarioChooser
from tutor.lights.gpio import GpioLights
from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
from tutor.scenarios import LIBRARY_DIR, ScenarioLibrary
from tutor.settings import GpioSettings, KioskSettings, Settings, SimulateSettings
from tutor.vocabulary import Phase
from tutor.voice import EspeakSynthesizer

RATE = 16000
SAMPLE_REPLY = Path(__file__).parent.parent / "tutor" / "data" / "sample-reply.wav"
GPIO = GpioSettings(long_press_s=0.3, bounce_s=0.0)
RESULT_PINS = (GPIO.pause_led, GPIO.interruptions_led, GPIO.paraphrase_led)
WAIT_S = 20.0  # how long the rest's render waits for the first sentence to start playing


@pytest.fixture(scope="module")
def recognizer() -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer(RATE)


@pytest.fixture(scope="module")
def espeak() -> Iterator[EspeakSynthesizer]:
    with EspeakSynthesizer() as synthesizer:
        yield synthesizer


class Played:
    """What the station played after its rounds: each feedback sound's length, and whether the
    first one had started when something asked."""

    def __init__(self) -> None:
        self.sounds: list[int] = []
        self.first_playing = threading.Event()
        self.on_first: list[Any] = []


class Station:
    """The simulated station: the round as fast as it goes, what is said afterwards in real time
    (a round's stream captures longer than it plays; a sound said plays to its end)."""

    def __init__(self, reply: np.ndarray, played: Played) -> None:
        self._round = SimulatedDuplex(reply, RATE, reply_at_s=1.2, settings=SimulateSettings(realtime=False))
        self._speaker = SimulatedDuplex(None, RATE, settings=SimulateSettings(realtime=True))
        self.sample_rate = RATE
        self._played = played

    def start(self, playback: np.ndarray, max_frames: int) -> DuplexSession:
        if max_frames > len(playback):
            return self._round.start(playback, max_frames)
        self._played.sounds.append(len(playback))
        return _Noting(self._speaker.start(playback, max_frames), self._played)

    def close(self) -> None:
        """Nothing held."""


class _Noting:
    def __init__(self, inner: DuplexSession, played: Played) -> None:
        self._inner, self._played = inner, played
        self.stats = inner.stats

    def blocks(self) -> Iterator[np.ndarray]:
        for block in self._inner.blocks():
            if not self._played.first_playing.is_set():
                self._played.first_playing.set()
                for hook in self._played.on_first:
                    hook()
            yield block

    def stop(self) -> None:
        self._inner.stop()


class VoiceAfterTheRound:
    """espeak-ng; after the round (once the feedback text is known) the renders are noted, and the
    second of them, the rest of the feedback, first waits for the first sentence to be playing
    (a kiosk that rendered it all before playing would wait here in vain), or fails."""

    def __init__(self, real: EspeakSynthesizer, played: Played, rest_fails: bool = False) -> None:
        self.real, self.played, self.rest_fails = real, played, rest_fails
        self.feedback_text: str | None = None
        self.renders: list[str] = []
        self.rest_saw_first_playing: bool | None = None

    def render(self, text: str, sample_rate: int, *, rate_wpm: int | None = None,
               voice: str | None = None) -> np.ndarray:
        if self.feedback_text is not None:
            self.renders.append(text)
            if len(self.renders) == 2:
                self.rest_saw_first_playing = self.played.first_playing.wait(WAIT_S)
                if self.rest_fails:
                    raise VoiceError("text-to-speech did not answer within 10 s")
        return self.real.render(text, sample_rate, rate_wpm=rate_wpm, voice=voice)


def single_reply_library(folder: Path) -> ScenarioLibrary:
    """The birthday complaint as one reply (the library's is a conversation), which the
    sample reply answers well: its feedback has more than one sentence."""
    text = (LIBRARY_DIR / "late-birthday-present.toml").read_text().split("\n[[turns]]")[0]
    opening = "\n".join(line for line in text.splitlines() if not line.startswith("hidden_need"))
    library = folder / "library"
    library.mkdir()
    (library / "birthday-opening.toml").write_text(opening + "\n")
    return ScenarioLibrary((library,))


def kiosk_for(tmp_path: Path, factory: MockFactory, recognizer: Any, voice: VoiceAfterTheRound,
              played: Played) -> tuple[Kiosk, GpioLights, list[Phase]]:
    base = Settings()
    settings = dataclasses.replace(base, kiosk=KioskSettings(retry_after_error_s=0.1), gpio=GPIO,
                                   storage=dataclasses.replace(base.storage, data_dir=str(tmp_path)))
    states: list[Phase] = []
    lights = GpioLights(GPIO, pin_factory=factory)
    reply = read_mono(SAMPLE_REPLY, RATE)

    def said(text: str) -> None:
        if voice.feedback_text is None and states and states[-1] is Phase.FEEDBACK:
            voice.feedback_text = text

    chooser = ScenarioChooser(single_reply_library(tmp_path), ("birthday-opening",), "sequence")
    station = Kiosk(settings=settings, lights=lights, synthesizer=voice, recognizer=recognizer,
                    open_audio=lambda: Station(reply, played), chooser=chooser,
                    on_state=states.append, say=said)
    return station, lights, states


def test_the_result_leds_are_lit_before_the_history_is_recorded(
        tmp_path: Path, factory: MockFactory, recognizer: Any, espeak: EspeakSynthesizer) -> None:
    played = Played()
    station, lights, _ = kiosk_for(tmp_path, factory, recognizer, VoiceAfterTheRound(espeak, played), played)
    lit_when_recorded: list[list[bool]] = []

    def record(result: Any, trainee: str) -> None:
        lit_when_recorded.append([bool(factory.pin(pin).state) for pin in RESULT_PINS])

    station.after_round = record
    assert station.run(rounds=1, wait_for_button=False) == 1
    # the sample reply passes every lit habit: all three steady by the time the history is written
    assert lit_when_recorded == [[True, True, True]]
    lights.close()


def test_the_first_sentence_plays_while_the_rest_is_rendered(
        tmp_path: Path, factory: MockFactory, recognizer: Any, espeak: EspeakSynthesizer) -> None:
    played = Played()
    voice = VoiceAfterTheRound(espeak, played)
    station, lights, states = kiosk_for(tmp_path, factory, recognizer, voice, played)
    assert station.run(rounds=1, wait_for_button=False) == 1
    assert voice.feedback_text is not None and station.faults == 0
    first, rest = voice.renders  # the first sentence alone, then everything after it
    assert voice.feedback_text == f"{first} {rest}" and first.endswith((".", "?", "!"))
    assert voice.rest_saw_first_playing  # rendered while the first sentence played, not before
    # both said in full: the first sentence with a sentence's pause after it, then the rest
    # (espeak-ng's renders of one text differ by a few samples from call to call)
    pause = round(SENTENCE_PAUSE_S * RATE)
    expected = [len(espeak.render(first, RATE)) + pause, len(espeak.render(rest, RATE))]
    assert len(played.sounds) == 2
    assert all(abs(got - want) < 0.01 * RATE for got, want in zip(played.sounds, expected, strict=True))
    assert states[-2:] == [Phase.FEEDBACK, Phase.IDLE]
    lights.close()


def test_a_press_during_the_first_sentence_skips_the_rest(
        tmp_path: Path, factory: MockFactory, recognizer: Any, espeak: EspeakSynthesizer) -> None:
    played = Played()
    voice = VoiceAfterTheRound(espeak, played)
    station, lights, _ = kiosk_for(tmp_path, factory, recognizer, voice, played)
    played.on_first.append(lambda: factory.pin(GPIO.button).drive_low())  # pressed as it starts
    played.on_first.append(lambda: threading.Timer(0.05, factory.pin(GPIO.button).drive_high).start())
    assert station.run(rounds=1, wait_for_button=False) == 1
    assert len(played.sounds) == 1  # the rest was never played
    assert station.faults == 0
    lights.close()


def test_a_voice_failing_on_the_rest_is_said_once_as_a_fault(
        tmp_path: Path, factory: MockFactory, recognizer: Any, espeak: EspeakSynthesizer) -> None:
    played = Played()
    voice = VoiceAfterTheRound(espeak, played, rest_fails=True)
    station, lights, states = kiosk_for(tmp_path, factory, recognizer, voice, played)
    assert station.run(rounds=1, wait_for_button=False) == 1
    assert station.faults == 1 and states.count(Phase.ERROR) == 1
    # the first sentence was said; then the fault's own sentence, once
    assert len(played.sounds) == 2
    assert list(tmp_path.glob("rounds/*.wav"))  # the round was kept
    lights.close()
