"""The unattended loop: real voice, recognizer and simulated station, gpiozero mock pins."""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ONE_TURN_BIRTHDAY, one_turn_birthday
from gpiozero.pins.mock import MockFactory

from tutor.audio import DuplexAudio
from tutor.audio.pyaudio_duplex import PyAudioDuplex
from tutor.audio.simulated import SimulatedDuplex
from tutor.audio.wavfile import read_mono
from tutor.errors import RecognitionError, VoiceError
from tutor.feedback import compose_feedback, spoken_seconds
from tutor.identify import TypedLines
from tutor.kiosk import Kiosk, ScenarioChooser
from tutor.lights import Press
from tutor.lights.gpio import GpioLights
from tutor.recognition import RecognitionStream, Recognizer
from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
from tutor.scenarios import ScenarioLibrary
from tutor.scoring import score_reply
from tutor.settings import AudioSettings, GpioSettings, KioskSettings, Settings, SimulateSettings
from tutor.vocabulary import Phase
from tutor.voice import EspeakSynthesizer

RATE = 16000
SAMPLE_REPLY = Path(__file__).parent.parent / "tutor" / "data" / "sample-reply.wav"
LIBRARY = ScenarioLibrary(())
GPIO = GpioSettings(long_press_s=0.3, bounce_s=0.0)


def settings_for(tmp_path: Path, **kiosk: object) -> Settings:
    import dataclasses

    base = Settings()
    return dataclasses.replace(
        base, kiosk=dataclasses.replace(KioskSettings(retry_after_error_s=0.1), **kiosk),
        storage=dataclasses.replace(base.storage, data_dir=str(tmp_path)), gpio=GPIO)


@pytest.fixture(scope="module")
def reply() -> np.ndarray:
    return read_mono(SAMPLE_REPLY, RATE)


@pytest.fixture(scope="module")
def recognizer() -> Iterator[PocketsphinxRecognizer]:
    yield PocketsphinxRecognizer(RATE)


@pytest.fixture(scope="module")
def voice() -> Iterator[EspeakSynthesizer]:
    with EspeakSynthesizer() as synthesizer:
        yield synthesizer


def simulated(reply: np.ndarray, realtime: bool = False) -> Callable[[], DuplexAudio]:
    return lambda: SimulatedDuplex(reply, RATE, reply_at_s=1.2, settings=SimulateSettings(realtime=realtime))


def make_kiosk(tmp_path: Path, factory: MockFactory, reply: np.ndarray, recognizer: Any,
               voice: Any, open_audio: Callable[[], DuplexAudio] | None = None,
               **kiosk: object) -> tuple[Kiosk, GpioLights, list[Phase]]:
    states: list[Phase] = []
    lights = GpioLights(GPIO, pin_factory=factory)
    # the birthday complaint as a single reply: the loop around one round (conversations on the
    # station: tests/test_conversation.py)
    library = ScenarioLibrary((one_turn_birthday(tmp_path),))
    chooser = ScenarioChooser(library, (ONE_TURN_BIRTHDAY,), "sequence")
    station = Kiosk(settings=settings_for(tmp_path, **kiosk), lights=lights, synthesizer=voice,
                    recognizer=recognizer, open_audio=open_audio or simulated(reply),
                    chooser=chooser, on_state=states.append)
    return station, lights, states


def press(factory: MockFactory, hold_s: float = 0.05) -> None:
    pin = factory.pin(GPIO.button)
    pin.drive_low()
    time.sleep(hold_s)
    pin.drive_high()


def wait_for(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_button_starts_a_round_and_results_show_on_the_leds(
        tmp_path: Path, factory: MockFactory, reply: np.ndarray, recognizer: Any, voice: Any) -> None:
    station, lights, states = make_kiosk(tmp_path, factory, reply, recognizer, voice)
    runner = threading.Thread(target=station.run, kwargs={"rounds": 1})
    runner.start()
    wait_for(lambda: station.state is Phase.IDLE and bool(states))
    assert station.rounds_done == 0  # nothing happens before the button
    time.sleep(0.2)
    assert station.rounds_done == 0
    press(factory)
    runner.join(timeout=120)
    assert not runner.is_alive()
    assert station.rounds_done == 1
    assert states == [Phase.IDLE, Phase.CUSTOMER_SPEAKING, Phase.LISTENING, Phase.THINKING,
                      Phase.FEEDBACK, Phase.IDLE]
    # the sample reply restates the concern after a good pause: every result LED steady
    for pin in (GPIO.pause_led, GPIO.interruptions_led, GPIO.paraphrase_led):
        assert factory.pin(pin).state
    assert list(tmp_path.glob("rounds/*.wav"))  # the round was kept
    lights.close()


def test_press_during_feedback_skips_it(tmp_path: Path, factory: MockFactory, reply: np.ndarray,
                                        recognizer: Any, voice: Any) -> None:
    station, lights, _ = make_kiosk(tmp_path, factory, reply, recognizer, voice)
    speech = voice.render("This is a long piece of feedback that would take a good while to say out loud "
                          "if nobody pressed the button to skip it.", RATE)
    audio = SimulatedDuplex(None, RATE, settings=SimulateSettings(realtime=True))
    threading.Timer(0.3, press, args=(factory,)).start()
    began = time.monotonic()
    assert station.play(audio, speech) is Press.SHORT
    assert time.monotonic() - began < len(speech) / RATE / 2
    lights.close()


def test_long_press_during_feedback_repeats_the_round(tmp_path: Path, factory: MockFactory,
                                                      reply: np.ndarray, recognizer: Any,
                                                      voice: Any) -> None:
    station, lights, _ = make_kiosk(tmp_path, factory, reply, recognizer, voice)
    speech = voice.render("Well done, you let the customer finish and said it in your own words.", RATE)
    audio = SimulatedDuplex(None, RATE, settings=SimulateSettings(realtime=True))
    threading.Timer(0.2, press, args=(factory, 0.5)).start()
    assert station.play(audio, speech) is Press.LONG
    lights.close()


def test_missing_microphone_shows_error_and_recovers(tmp_path: Path, factory: MockFactory,
                                                     reply: np.ndarray, recognizer: Any,
                                                     voice: Any) -> None:
    opened = []

    def microphone_plugged_in_later() -> DuplexAudio:
        opened.append(1)
        if len(opened) == 1:  # the real PyAudio adapter, asked for a device that is not there
            return PyAudioDuplex(AudioSettings(input_device="USB microphone that is unplugged"))
        return simulated(reply)()

    station, lights, states = make_kiosk(tmp_path, factory, reply, recognizer, voice,
                                         open_audio=microphone_plugged_in_later)
    said: list[str] = []
    station.say = said.append
    assert station.run(rounds=1, wait_for_button=False) == 1
    assert Phase.ERROR in states and station.faults >= 1
    assert any("microphone" in s for s in said)
    lights.close()


class VoiceThatHangsOnce:
    """espeak-ng cannot be made to hang on purpose: this stands in for its time-out, once."""

    def __init__(self, real: EspeakSynthesizer) -> None:
        self.real, self.calls = real, 0

    def render(self, text: str, sample_rate: int, *, rate_wpm: int | None = None,
               voice: str | None = None) -> np.ndarray:
        self.calls += 1
        if self.calls == 1:
            raise VoiceError("text-to-speech did not answer within 10 s")
        return self.real.render(text, sample_rate, rate_wpm=rate_wpm, voice=voice)


def test_hung_voice_is_a_fault_not_a_crash(tmp_path: Path, factory: MockFactory, reply: np.ndarray,
                                           recognizer: Any, voice: EspeakSynthesizer) -> None:
    station, lights, states = make_kiosk(tmp_path, factory, reply, recognizer, VoiceThatHangsOnce(voice))
    assert station.run(rounds=1, wait_for_button=False) == 1
    assert states.count(Phase.ERROR) == 1 and station.faults == 1
    lights.close()


class RecognizerThatFailsOnce(Recognizer):
    """A recognizer crash cannot be provoked in pocketsphinx on demand; this one fails for the
    first round: its live stream fails, and so does recognition after the round."""

    name = "failing-once"
    sample_rate = RATE

    def __init__(self, real: PocketsphinxRecognizer) -> None:
        self.real, self.failed = real, False

    def stream(self, *, live: bool = True) -> RecognitionStream:
        if not self.failed:
            self.failed = not live  # failing after the round is what reaches the kiosk
            raise RecognitionError("pocketsphinx failed on the audio")
        return self.real.stream(live=live)

    def close(self) -> None:
        """Nothing held."""


def test_recognizer_failure_keeps_the_recording(tmp_path: Path, factory: MockFactory, reply: np.ndarray,
                                                recognizer: PocketsphinxRecognizer, voice: Any) -> None:
    station, lights, _ = make_kiosk(tmp_path, factory, reply, RecognizerThatFailsOnce(recognizer), voice)
    assert station.run(rounds=1, wait_for_button=False) == 1
    assert station.faults == 1
    assert len(list(tmp_path.glob("rounds/*.wav"))) == 2  # the failed round's recording too
    lights.close()


def _small_full_filesystem(folder: Path) -> Path | None:
    """A 64 KiB tmpfs, filled: a real full disk. None where mounting is not allowed."""
    import subprocess

    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                          capture_output=True)
    if done.returncode != 0:
        return None
    (folder / "rounds").mkdir()
    with contextlib.suppress(OSError), open(folder / "filler", "wb") as filler:
        filler.write(b"\0" * 128 * 1024)  # more than fits: the disk is now full
    return folder


def test_full_disk_is_said_and_the_station_goes_on(tmp_path: Path, factory: MockFactory,
                                                   reply: np.ndarray, recognizer: Any,
                                                   voice: Any) -> None:
    import dataclasses
    import os
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    full = _small_full_filesystem(tmp_path / "full")
    if full is None:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        station, lights, _ = make_kiosk(tmp_path, factory, reply, recognizer, voice, spoken_feedback=False)
        station.settings = dataclasses.replace(
            station.settings, storage=dataclasses.replace(station.settings.storage, data_dir=str(full)))
        said: list[str] = []
        station.say = said.append
        assert station.run(rounds=2, wait_for_button=False) == 2
        assert sum("disk is full" in s for s in said) == 2
        lights.close()
    finally:
        subprocess.run(["umount", str(full)], check=False)


def test_a_folder_that_cannot_be_written_is_not_called_a_full_disk(tmp_path: Path, factory: MockFactory,
                                                                   reply: np.ndarray, recognizer: Any,
                                                                   voice: Any) -> None:
    import dataclasses

    station, lights, _ = make_kiosk(tmp_path, factory, reply, recognizer, voice, spoken_feedback=False)
    # "Not a directory": the data folder names a device file
    station.settings = dataclasses.replace(
        station.settings, storage=dataclasses.replace(station.settings.storage, data_dir="/dev/null"))
    said: list[str] = []
    station.say = said.append
    assert station.run(rounds=1, wait_for_button=False) == 1
    assert not any("disk is full" in s for s in said)
    assert sum("can't be written" in s for s in said) == 1
    lights.close()


def test_random_order_never_repeats_a_scenario() -> None:
    chooser = ScenarioChooser(LIBRARY, (), "random", random.Random(7))
    picks = [chooser.choose().id for _ in range(200)]
    assert all(a != b for a, b in itertools.pairwise(picks))
    assert len(set(picks)) == len(LIBRARY.ids())


def test_sequence_order_and_bad_settings() -> None:
    chooser = ScenarioChooser(LIBRARY, ("delayed-package", "late-birthday-present"), "sequence")
    assert [chooser.choose().id for _ in range(3)] == ["delayed-package", "late-birthday-present",
                                                       "delayed-package"]
    from tutor.errors import ConfigError, UnknownScenarioError

    with pytest.raises(ConfigError, match=r"kiosk\.order"):
        ScenarioChooser(LIBRARY, (), "shuffle")
    with pytest.raises(UnknownScenarioError, match="did you mean"):
        ScenarioChooser(LIBRARY, ("delayed-pakage",), "random")


def test_feedback_is_short_specific_and_kind() -> None:
    scenario = LIBRARY.get("late-birthday-present")
    card = score_reply("I understand.", scenario, Settings().scoring)
    text = compose_feedback(card)
    assert "own words" in text and scenario.model_answer.split(",")[0] in text
    assert spoken_seconds(text) < 20
    good = score_reply("So you paid for express and the gift still came late. That sounds upsetting. "
                       "What would help?", scenario, Settings().scoring)
    assert compose_feedback(good).startswith("Well done.")
    assert compose_feedback(good, "Your pauses are better than last week.").endswith("last week.")


def test_feedback_for_no_reply() -> None:
    from tutor.scoring import TurnTiming

    card = score_reply("", LIBRARY.get("delayed-package"), Settings().scoring,
                       TurnTiming(customer_lines=(), utterances=(), reply=None))
    assert "didn't hear a reply" in compose_feedback(card)


# Who is practising: ids typed on a real pipe (the terminal's source), real history in tmp_path

def typed_ids(answers: list[str | None], said: list[str]) -> tuple[TypedLines, Callable[[str], None]]:
    """The terminal's id source on a pipe, and a ``say`` hook that types the next answer when the
    station asks (None: nobody answers). The source is listening before the prompt is said, so
    an answer typed then is never lost."""
    read, write = os.pipe()
    typist = open(write, "w")  # noqa: SIM115 - closed at the end of the module's tests by the GC
    lines = TypedLines(open(read), lambda line: None).start()  # noqa: SIM115
    remaining = list(answers)

    def say(text: str) -> None:
        said.append(text)
        if ("Scan your badge" in text or "type your number again" in text) and remaining:
            answer = remaining.pop(0)
            if answer is not None:
                typist.write(answer + "\n")
                typist.flush()

    return lines, say


def recorded_trainees(settings: Settings) -> list[str]:
    from tutor.history import History

    with History.open(settings) as history:
        return [r.trainee for r in history.rounds()]


def identifying_kiosk(tmp_path: Path, factory: MockFactory, reply: np.ndarray, recognizer: Any, voice: Any,
                      answers: list[str | None], said: list[str], **kiosk: object
                      ) -> tuple[Kiosk, GpioLights, list[Phase]]:
    from tutor.app import App

    station, lights, states = make_kiosk(tmp_path, factory, reply, recognizer, voice, spoken_feedback=False,
                                         **kiosk)
    station.trainee_ids, station.say = typed_ids(answers, said)
    station.after_round = App(station.settings).after_round
    return station, lights, states


def test_each_round_is_recorded_for_the_trainee_identified_for_it(
        tmp_path: Path, factory: MockFactory, reply: np.ndarray, recognizer: Any, voice: Any) -> None:
    said: list[str] = []
    station, lights, _ = identifying_kiosk(tmp_path, factory, reply, recognizer, voice,
                                           ["0042", "bad\x07id", "A-17"], said, identify="optional")
    events: list[tuple[Phase, dict[str, Any]]] = []
    results: list[Any] = []
    station.on_round_event = lambda phase, data: events.append((phase, data))
    station.on_result = results.append
    assert station.run(rounds=2, wait_for_button=False) == 2
    assert recorded_trainees(station.settings) == ["0042", "A-17"]
    assert "practising as 0042" in said and "practising as A-17" in said
    assert any("control characters" in s for s in said) and "I couldn't use that id." in said
    # the round's cues for a terminal: the title, each line as it starts, the turn, the result
    scenario = LIBRARY.get("late-birthday-present")
    opening = [data for phase, data in events if phase is Phase.CUSTOMER_SPEAKING and "lines" in data]
    assert [data["title"] for data in opening] == [scenario.title] * 2
    lines = [data["text"] for phase, data in events if phase is Phase.CUSTOMER_SPEAKING and "line" in data]
    assert lines == [line.text for line in scenario.lines] * 2
    assert [phase for phase, _ in events].count(Phase.LISTENING) == 2
    assert len(results) == 2 and all(r.transcript for r in results)
    lights.close()


def test_no_answer_is_a_guest_when_optional(tmp_path: Path, factory: MockFactory, reply: np.ndarray,
                                            recognizer: Any, voice: Any) -> None:
    said: list[str] = []
    station, lights, _ = identifying_kiosk(tmp_path, factory, reply, recognizer, voice, [None, ""], said,
                                           identify="optional", identify_timeout_s=0.3)
    assert station.run(rounds=2, wait_for_button=False) == 2
    assert recorded_trainees(station.settings) == ["guest", "guest"]
    assert "Nothing was scanned, so this round is for a guest." in said  # the time-out
    assert "This round is for a guest." in said  # Enter alone
    lights.close()


def test_no_round_without_an_id_when_required(tmp_path: Path, factory: MockFactory, reply: np.ndarray,
                                              recognizer: Any, voice: Any) -> None:
    said: list[str] = []
    station, lights, states = identifying_kiosk(tmp_path, factory, reply, recognizer, voice,
                                                [None, "", "0042"], said, identify="required",
                                                identify_timeout_s=0.3)
    runner = threading.Thread(target=station.run, kwargs={"rounds": 1})
    runner.start()
    wait_for(lambda: bool(states))
    press(factory)
    wait_for(lambda: "No badge was read. Press the button to try again." in said)
    wait_for(lambda: station.state is Phase.IDLE and len(states) >= 2)
    assert station.rounds_done == 0 and Phase.CUSTOMER_SPEAKING not in states
    press(factory)  # again: Enter alone is no id here, so it asks again, then a badge
    runner.join(timeout=120)
    assert not runner.is_alive() and station.rounds_done == 1
    assert "the trainee id is empty" in said
    assert recorded_trainees(station.settings) == ["0042"]
    lights.close()


def test_a_missing_badge_reader(tmp_path: Path, factory: MockFactory, reply: np.ndarray,
                                recognizer: Any, voice: Any) -> None:
    from tutor.identify import EvdevBadgeReader

    said: list[str] = []
    station, lights, _ = identifying_kiosk(tmp_path, factory, reply, recognizer, voice, [], said,
                                           identify="optional")
    station.trainee_ids = EvdevBadgeReader("/dev/input/no-badge-reader-here")
    assert station.run(rounds=1, wait_for_button=False) == 1  # optional: a guest's round
    assert recorded_trainees(station.settings) == ["guest"]
    assert "I can't read the badge reader, so this round is for a guest." in said
    assert station.faults == 0
    lights.close()

    required, lights2, states2 = identifying_kiosk(tmp_path, factory, reply, recognizer, voice, [], said,
                                                   identify="required")
    required.trainee_ids = EvdevBadgeReader("/dev/input/no-badge-reader-here")
    runner = threading.Thread(target=required.run)
    runner.start()
    wait_for(lambda: bool(states2))
    press(factory)
    wait_for(lambda: required.faults == 1 and required.state is Phase.IDLE)
    required.stop()
    runner.join(timeout=60)
    assert Phase.ERROR in states2 and required.rounds_done == 0
    assert "I can't read the badge reader. Please check it is plugged in." in said
    lights2.close()


def test_identify_off_records_the_default_trainee(tmp_path: Path, factory: MockFactory, reply: np.ndarray,
                                                  recognizer: Any, voice: Any) -> None:
    said: list[str] = []
    station, lights, _ = identifying_kiosk(tmp_path, factory, reply, recognizer, voice, ["0042"], said)
    station.trainee = "trainer-demo"
    assert station.run(rounds=1, wait_for_button=False) == 1
    assert recorded_trainees(station.settings) == ["trainer-demo"]
    assert not any("badge" in s for s in said)  # nobody was asked
    lights.close()
