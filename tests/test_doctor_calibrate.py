"""`tutor doctor` and `tutor calibrate` on a virtual sound card made of files."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import numpy as np
from conftest import virtual_card

from tutor.audio.wavfile import read_mono
from tutor.calibration import calibration_signal

RATE = 16000
Tutor = Callable[..., CompletedProcess[str]]
SAMPLE_REPLY = Path(__file__).parent.parent / "tutor" / "data" / "sample-reply.wav"


def _checks(done: CompletedProcess[str]) -> dict[str, dict[str, object]]:
    return {check["name"]: check for check in json.loads(done.stdout)}


def test_doctor_hears_the_room_and_reports_everything(tutor: Tutor, isolated_env: dict[str, str]) -> None:
    speech = read_mono(SAMPLE_REPLY, RATE)
    virtual_card(Path(isolated_env["HOME"]), np.tile(speech, 3))
    done = tutor("doctor", "--json")
    checks = _checks(done)
    assert checks["microphone and speaker"]["ok"], checks["microphone and speaker"]
    assert "dBFS" in str(checks["microphone and speaker"]["detail"])
    assert checks["voice"]["ok"] and checks["clock"]["ok"] and checks["disk space"]["ok"]
    assert "pocketsphinx" in str(checks["speech model"]["detail"])
    assert checks["paraphrase model"]["ok"] and "loaded in" in str(checks["paraphrase model"]["detail"])
    # the microphone hears someone talking all the time: not a room to judge timing in
    assert not checks["room"]["ok"] and "voices" in str(checks["room"]["detail"])
    assert "headset" in str(checks["room"]["fix"])
    # GPIO may or may not be there (a Pi has it): whichever, a problem comes with a fix
    gpio = checks["button and lights"]
    assert isinstance(gpio["ok"], bool) and gpio["detail"]
    assert gpio["ok"] or gpio["fix"], gpio
    # the exit status says whether any check failed; the room did, so it is 1 here
    assert done.returncode == (0 if all(check["ok"] for check in checks.values()) else 1)
    assert done.returncode == 1


def test_doctor_finds_a_quiet_room_fit_and_a_noisy_one_unfit(tutor: Tutor,
                                                            isolated_env: dict[str, str]) -> None:
    rng = np.random.default_rng(3)
    for noise_dbfs, fit in ((-60.0, True), (-30.0, False)):
        hum = rng.normal(0.0, 32768 * 10 ** (noise_dbfs / 20), 10 * RATE)
        virtual_card(Path(isolated_env["HOME"]), np.round(hum).astype(np.int16))
        room = _checks(tutor("doctor", "--json"))["room"]
        assert room["ok"] is fit, room
        measured = float(str(room["detail"]).split("room noise ")[1].split(" dBFS")[0])
        assert abs(measured - noise_dbfs) <= 3.0  # the floor of steady noise is its own level


def test_doctor_spots_a_silent_microphone(tutor: Tutor, isolated_env: dict[str, str]) -> None:
    virtual_card(Path(isolated_env["HOME"]), np.zeros(10 * RATE, dtype=np.int16))
    check = _checks(tutor("doctor", "--json"))["microphone and speaker"]
    assert not check["ok"] and "silence" in str(check["detail"]) and "alsamixer" in str(check["fix"])


def test_doctor_without_a_sound_card(tutor: Tutor, isolated_env: dict[str, str]) -> None:
    (Path(isolated_env["HOME"]) / ".asoundrc").write_text("pcm.!default { type hw card 7 }\n")
    done = tutor("doctor")
    assert done.returncode == 1
    assert "PROBLEM  microphone and speaker" in done.stdout and "fix: plug in" in done.stdout
    assert "Traceback" not in done.stderr


def test_calibrate_finds_the_echo_and_rounds_use_it(tutor: Tutor, isolated_env: dict[str, str],
                                                    tmp_path: Path) -> None:
    home = Path(isolated_env["HOME"])
    mic = np.zeros(10 * RATE, dtype=np.float64)
    delay = int(0.080 * RATE)  # the speaker-to-microphone path of this pretend station
    signal = calibration_signal(RATE).astype(np.float64)
    mic[delay: delay + len(signal)] += 0.25 * signal
    mic += np.random.default_rng(1).normal(0, 30, len(mic))
    virtual_card(home, np.clip(mic, -32768, 32767).astype(np.int16))
    done = tutor("calibrate")
    assert done.returncode == 0, done.stderr
    stored = tomllib.loads((home / ".local/share/tutor/calibration.toml").read_text())
    assert abs(stored["loop_latency_ms"] - 80.0) <= 1.0
    assert abs(stored["echo_level_db"] - (-12.0)) <= 1.5  # 0.25x is -12 dB

    # a round with no echo to measure now uses the stored latency
    scenario = Path(__file__).parent / "data" / "short-complaint.toml"
    round_done = tutor("practice", "--scenario", str(scenario), "--simulate", str(SAMPLE_REPLY),
                       "--fast", "--json", "--save-round", str(tmp_path / "r.wav"))
    result = json.loads(round_done.stdout)
    assert result["latency_source"] == "calibrated" and result["loop_latency_ms"] == 80.0


def test_calibrate_that_hears_nothing_says_what_to_do(tutor: Tutor, isolated_env: dict[str, str]) -> None:
    virtual_card(Path(isolated_env["HOME"]), np.zeros(10 * RATE, dtype=np.int16))
    done = tutor("calibrate")
    assert done.returncode == 3
    assert "turn the speaker up" in done.stderr and len(done.stderr.strip().splitlines()) == 1
