"""`tutor doctor`: is this station ready? Each check says what is wrong and how to fix it."""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Final

import numpy as np

from tutor.audio import DuplexAudio
from tutor.audio.levels import amplitude_dbfs
from tutor.errors import TutorError
from tutor.settings import Settings

LISTEN_S: Final = 3.0
SILENT_DBFS: Final = -75.0  # a muted or disconnected microphone reads digital silence
CLIPPED_SHARE: Final = 0.01
MIN_FREE_MB: Final = 200
EARLIEST_SANE: Final = datetime(2026, 1, 1)  # no clock is right before this tutor existed


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks(settings: Settings, audio_factory: Callable[[], DuplexAudio] | None = None) -> list[Check]:
    """Every check, in the order a person would fix things."""
    sound, room = _sound(settings, audio_factory)
    return [sound, *([room] if room else []), _voice(settings), _speech_model(settings), _meaning_model(),
            _gpio(settings),
            _scenarios(settings), _disk(settings), _clock(), _calibration(settings)]


def _sound(settings: Settings, audio_factory: Callable[[], DuplexAudio] | None) -> tuple[Check, Check | None]:
    """The microphone and speaker work, and (when they do) whether the room is fit for practice."""
    try:
        if audio_factory is None:
            from tutor.audio.pyaudio_duplex import PyAudioDuplex

            audio: DuplexAudio = PyAudioDuplex(settings.audio)
        else:
            audio = audio_factory()
        rate = audio.sample_rate
        session = audio.start(np.zeros(int(LISTEN_S * rate), dtype=np.int16), int(LISTEN_S * rate))
        try:
            heard = [block for block in session.blocks()]
        finally:
            session.stop()
            audio.close()
    except TutorError as exc:
        return Check("microphone and speaker", False, str(exc),
                     "plug in the USB microphone and speaker, then check `tutor devices` and the "
                     "[audio] input_device and output_device settings"), None
    mic = np.concatenate(heard).astype(np.float64) if heard else np.zeros(1)
    rms = math.sqrt(float(np.mean(mic ** 2)))
    level = amplitude_dbfs(rms)
    peak = amplitude_dbfs(float(np.abs(mic).max()))
    clipped = float(np.mean(np.abs(mic) >= 32767))
    detail = f"{LISTEN_S:g} s of room sound: level {level:.0f} dBFS, peak {peak:.0f} dBFS"
    if level < SILENT_DBFS:
        return Check("microphone and speaker", False, detail + " (silence)",
                     "the microphone hears nothing: unmute it (`alsamixer`, F4 for capture) "
                     "or try another"), None
    if clipped > CLIPPED_SHARE:
        return Check("microphone and speaker", False, detail + f" ({clipped:.0%} clipped)",
                     "the microphone is too loud: turn its gain down in `alsamixer`"), None
    return Check("microphone and speaker", True, detail), _room(np.concatenate(heard), rate)


def _room(samples: np.ndarray, rate: int) -> Check:
    from tutor.listening.room import probe_room

    probe = probe_room(samples, rate)
    if probe.fit_for_practice:
        return Check("room", True, probe.describe() + ": quiet enough to judge timing")
    return Check("room", False, probe.describe() + ": too noisy to judge timing reliably",
                 "use a USB headset or handset, move the station away from the fridge, fan or "
                 "conversation, or practise at a quieter moment")


def _voice(settings: Settings) -> Check:
    from tutor.voice import EspeakSynthesizer

    try:
        with EspeakSynthesizer(settings.voice) as synthesizer:
            began = time.perf_counter()
            samples = synthesizer.render("Hello.", settings.audio.sample_rate)
            took = time.perf_counter() - began
    except TutorError as exc:
        return Check("voice", False, str(exc), "install espeak-ng: sudo apt-get install espeak-ng")
    return Check("voice", True, f"espeak-ng voice {settings.voice.voice}: "
                 f"{len(samples) / settings.audio.sample_rate:.1f} s of speech in {took * 1000:.0f} ms")


def _speech_model(settings: Settings) -> Check:
    from tutor.recognition import choose_engine, make_recognizer

    try:
        choice = choose_engine(settings)
        began = time.perf_counter()
        recognizer = make_recognizer(settings, settings.audio.sample_rate)
        took = time.perf_counter() - began
        recognizer.close()
    except TutorError as exc:
        return Check("speech model", False, str(exc), "see `tutor models list`")
    return Check("speech model", True, f"{choice.name} ({choice.reason}); loaded in {took:.1f} s")


def _meaning_model() -> Check:
    from tutor.scoring.meaning import meaning_model
    from tutor.scoring.moves import prepare_moves

    try:
        began = time.perf_counter()
        meaning_model()
        prepare_moves()  # the people nouns the emotion judgement reads
        took = time.perf_counter() - began
    except TutorError as exc:
        return Check("paraphrase model", False, str(exc), "reinstall the tutor: sudo scripts/install.sh")
    return Check("paraphrase model", True, f"loaded in {took:.1f} s")


def _gpio(settings: Settings) -> Check:
    from tutor.lights import open_lights
    from tutor.lights.console import ConsoleLights

    lights = open_lights(settings.gpio)
    try:
        if isinstance(lights, ConsoleLights):
            return Check("button and lights", False, "no GPIO found: the station runs without them",
                         "on a Raspberry Pi, add the user to the gpio group; check the [gpio] pins "
                         "(README, Hardware)")
        return Check("button and lights", True, f"button on GPIO{settings.gpio.button}, LEDs on GPIO"
                     f"{settings.gpio.status_led}/{settings.gpio.pause_led}/"
                     f"{settings.gpio.interruptions_led}/{settings.gpio.paraphrase_led}")
    finally:
        lights.close()


def _scenarios(settings: Settings) -> Check:
    """Every scenario file loads; one that does not is skipped by the station, and named here."""
    from pathlib import Path

    from tutor.scenarios import ScenarioLibrary
    from tutor.terminal import printable

    library = ScenarioLibrary(tuple(Path(d).expanduser() for d in settings.storage.scenario_dirs))
    scenarios, problems = library.load_all()
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return Check("scenarios", False,
                     f"{len(problems)} scenario file(s) skipped, {len(scenarios)} usable: "
                     f"{printable(problems[0])}{more}",
                     "fix or remove the file(s); `tutor scenarios` warns about each one")
    if not scenarios:
        return Check("scenarios", False, "the scenario library is empty",
                     "add scenario files to a folder in storage.scenario_dirs")
    return Check("scenarios", True, f"{len(scenarios)} scenarios")


def _disk(settings: Settings) -> Check:
    folder = settings.data_dir
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free_mb = shutil.disk_usage(probe).free / 1e6
    detail = f"{free_mb:,.0f} MB free for {folder}"
    if free_mb < MIN_FREE_MB:
        return Check("disk space", False, detail,
                     "delete old rounds in the data folder, or set history.keep_recordings = false")
    return Check("disk space", True, detail)


def _clock() -> Check:
    now = datetime.now()
    if now < EARLIEST_SANE:
        return Check("clock", False, f"the clock says {now:%Y-%m-%d %H:%M}",
                     "set the time (sudo date -s 'YYYY-MM-DD HH:MM') or fit a real-time clock: "
                     "history and reports use it")
    return Check("clock", True, f"{now:%Y-%m-%d %H:%M}")


def _calibration(settings: Settings) -> Check:
    from tutor.calibration import load

    try:
        calibration = load(settings)
    except TutorError as exc:
        return Check("calibration", False, str(exc), "run `tutor calibrate`")
    if calibration is None:
        # optional: rounds measure the latency from their own echo when there is one
        return Check("calibration", True, "not calibrated: rounds with no echo use audio.loop_latency_ms",
                     "run `tutor calibrate` once the speaker and microphone are in place")
    return Check("calibration", True, f"loop latency {calibration.loop_latency_ms:.0f} ms, echo "
                 f"{calibration.echo_level_db:.0f} dB (measured {calibration.measured_at})")


def as_json(checks: list[Check]) -> list[dict[str, object]]:
    return [asdict(check) for check in checks]
