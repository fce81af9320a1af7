"""The `tutor` command as a user runs it: simulated station end to end, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import numpy as np
import pytest

from tutor import __version__
from tutor.audio.wavfile import read_mono, read_round, write_wav

DATA = Path(__file__).parent / "data"
SCENARIO = str(DATA / "short-complaint.toml")
REPLY = "so the screen was cracked when it arrived and you would like it repaired"

Tutor = Callable[..., CompletedProcess[str]]


@pytest.fixture(scope="module")
def reply_wav(speak: Callable[..., Path]) -> Path:
    return speak(REPLY)


def _leading_silence_s(path: Path) -> float:
    from tutor.audio.wavfile import read_mono

    samples = read_mono(path, 16000)
    return float(np.flatnonzero(np.abs(samples) > 300)[0] / 16000)


def test_version_and_help(tutor: Tutor) -> None:
    assert tutor("--version").stdout.strip() == f"tutor {__version__}"
    out = tutor("--help").stdout
    assert "practice" in out and "scenarios" in out
    assert "--simulate" in tutor("practice", "--help").stdout


def test_scenarios_lists_the_library(tutor: Tutor) -> None:
    listing = tutor("scenarios").stdout
    assert "late-birthday-present" in listing and "(pauses mid-complaint)" in listing
    entries = json.loads(tutor("scenarios", "--json").stdout)
    assert len(entries) >= 8 and all(e["lines"] >= 1 for e in entries)


def test_simulated_round_in_real_time(tutor: Tutor, reply_wav: Path, tmp_path: Path) -> None:
    saved = tmp_path / "r.wav"
    began = time.monotonic()
    done = tutor("practice", "--scenario", SCENARIO, "--simulate", str(reply_wav),
                 "--reply-at", "1.0", "--save-round", str(saved))
    took = time.monotonic() - began
    assert done.returncode == 0, done.stderr
    assert "screen" in done.stdout and "Round saved to" in done.stdout
    audio = read_round(saved)
    assert audio.sample_rate == 16000
    assert np.any(audio.speaker) and np.any(audio.mic)
    # without --fast the microphone is fed in real time: the round (customer, pause and the
    # whole reply) cannot be over sooner than it lasts. No upper bound: load only slows it.
    round_s = len(audio.mic) / audio.sample_rate
    assert round_s >= 1.0 + len(read_mono(reply_wav, 16000)) / 16000
    assert took >= 0.8 * round_s, (took, round_s)


def test_cues_come_as_the_customer_speaks(isolated_env: dict[str, str], reply_wav: Path) -> None:
    """Each line is printed as it is played and "Your turn" only when the customer has
    finished: text shown early invites reading ahead and talking over the customer."""
    process = subprocess.Popen([sys.executable, "-m", "tutor", "practice", "--scenario", SCENARIO,
                                "--simulate", str(reply_wav), "--reply-at", "1.0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=isolated_env)
    seen: list[tuple[float, str]] = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append((time.monotonic(), line.rstrip()))
    assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    printed = [text for _, text in seen]
    lines = [text for text in printed if text.startswith('  "')]
    assert printed[0].startswith("Customer (") and len(lines) == 3
    turn = printed.index("Your turn: answer out loud.")
    assert printed.index(lines[-1]) < turn < printed.index("Thinking...")
    # the last line is printed when it starts playing, "Your turn" when the customer ends:
    # in real time each gap is at least the speech between (no upper bound: load only slows it)
    when = dict((text, at) for at, text in seen)
    result = json.loads(subprocess.run(
        [sys.executable, "-m", "tutor", "practice", "--scenario", SCENARIO, "--simulate", str(reply_wav),
         "--json", "--fast"], capture_output=True, text=True, env=isolated_env, timeout=120).stdout)
    _, second, last = result["customer_lines"]  # a 2 s pause comes before the last line
    assert when[lines[2]] - when[lines[1]] >= 0.8 * (last["start_s"] - second["start_s"])
    assert when[printed[turn]] - when[lines[2]] >= 0.8 * (last["end_s"] - last["start_s"])


def test_quiet_practice_hides_the_customer_s_words(tutor: Tutor, reply_wav: Path) -> None:
    done = tutor("practice", "--scenario", SCENARIO, "--simulate", str(reply_wav), "--fast", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "Your turn: answer out loud." in done.stdout
    assert not any(line.startswith('  "') for line in done.stdout.splitlines())


def test_json_round_timings_match_the_truth(tutor: Tutor, reply_wav: Path, tmp_path: Path) -> None:
    saved = tmp_path / "r.wav"
    done = tutor("practice", "--scenario", SCENARIO, "--simulate", str(reply_wav), "--reply-at", "1.5",
                 "--save-round", str(saved), "--json", "--fast")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    truth = result["customer_end_s"] + 1.5 + _leading_silence_s(reply_wav)
    assert result["reply_start_s"] == pytest.approx(truth, abs=0.05)
    assert result["reply_end_s"] > result["reply_start_s"] + 2
    heard = set(result["transcript"].split())
    assert len(heard & set(REPLY.split())) >= len(set(REPLY.split())) - 3, heard
    assert result["round_path"] == str(saved)
    audio = read_round(saved)
    # the speaker channel ends with the customer: nothing after customer_end_s but silence
    end = int(result["customer_end_s"] * 16000)
    quiet = 184  # -45 dBFS, where a customer line is taken to end
    assert np.abs(audio.speaker[end - 1600:end]).max() > quiet
    assert np.abs(audio.speaker[end + 320:]).max() < quiet


def test_talking_over_the_customer(tutor: Tutor, reply_wav: Path, tmp_path: Path) -> None:
    done = tutor("practice", "--scenario", SCENARIO, "--simulate", str(reply_wav), "--reply-at", "-1.0",
                 "--save-round", str(tmp_path / "r.wav"), "--json", "--fast")
    result = json.loads(done.stdout)
    assert result["latency_source"] == "configured"  # no echo simulated: none may be imagined
    assert result["reply_start_s"] - result["customer_end_s"] == pytest.approx(
        -1.0 + _leading_silence_s(reply_wav), abs=0.05)
    assert len(result["speech"]) == 1


def test_silent_reply_is_no_reply_with_nonzero_exit(tutor: Tutor, tmp_path: Path) -> None:
    silent = write_wav(tmp_path / "silent.wav", np.zeros(32000, dtype=np.int16), 16000)
    done = tutor("practice", "--scenario", SCENARIO, "--simulate", str(silent), "--json", "--fast",
                 "--save-round", str(tmp_path / "r.wav"),
                 env={"TUTOR_CONFIG": str(_config(tmp_path, "[listening]\nno_reply_timeout_s = 2\n"))})
    assert done.returncode == 5
    assert "no reply heard" in done.stderr and "Traceback" not in done.stderr
    result = json.loads(done.stdout)
    assert result["no_reply"] and result["reply_start_s"] is None and result["transcript"] == ""
    assert Path(result["round_path"]).exists()


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("args", "message"), [
    (["practice", "--scenario", "late-birthday-presnt"], "did you mean late-birthday-present"),
    (["practice", "--scenario", "/nope/missing.toml"], "does not exist"),
    (["practice", "--scenario", SCENARIO, "--simulate", "/nope/reply.wav"], "does not exist"),
    (["practice", "--scenario", SCENARIO, "--reply-at", "1"], "only apply with --simulate"),
])
def test_bad_input_gets_one_line(tutor: Tutor, args: list[str], message: str) -> None:
    done = tutor(*args)
    assert done.returncode != 0
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_malformed_scenario_names_key_and_line(tutor: Tutor, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "Broken"\nlines = [\n  "fine",\n]\nrate = "fast"\n')
    done = tutor("practice", "--scenario", str(bad))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"tutor: {bad}:5: 'rate' must be words per minute between 60 and 400, not 'fast'")


def test_not_a_wav_reply(tutor: Tutor, tmp_path: Path) -> None:
    fake = tmp_path / "reply.wav"
    fake.write_text("definitely not audio")
    done = tutor("practice", "--scenario", SCENARIO, "--simulate", str(fake))
    assert done.returncode == 2 and "is not a PCM WAV file" in done.stderr


def test_bad_config_names_file_and_line(tutor: Tutor, tmp_path: Path) -> None:
    config = _config(tmp_path, "[listening]\nend_silence = 1\n")
    done = tutor("--config", str(config), "scenarios")
    assert done.returncode == 2
    assert f"{config}:2: unknown key 'end_silence'" in done.stderr


def test_no_sound_card_says_what_to_do(tutor: Tutor, isolated_env: dict[str, str]) -> None:
    # an ALSA configuration whose only device is a sound card that is not there
    config = Path(isolated_env["HOME"]) / "alsa.conf"
    config.write_text("pcm.!default { type hw card 7 }\nctl.!default { type hw card 7 }\n")
    done = tutor("practice", "--scenario", SCENARIO, env={"ALSA_CONFIG_PATH": str(config)})
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("tutor: no ") and "--simulate" in done.stderr


def test_full_disk_round_still_reports(tutor: Tutor, reply_wav: Path, tmp_path: Path) -> None:
    # /dev/full answers every write with ENOSPC: a real full disk
    done = tutor("practice", "--scenario", SCENARIO, "--simulate", str(reply_wav), "--json", "--fast",
                 env={"TUTOR_CONFIG": str(_config(tmp_path, "[storage]\ndata_dir = '/dev/full'\n"))})
    assert done.returncode == 0
    result = json.loads(done.stdout)
    assert result["round_path"] is None and result["transcript"]
    assert "could not save" in done.stderr or "cannot write" in done.stderr


def test_the_command_reads_the_system_file_it_is_given(tutor: Tutor,
                                                      isolated_env: dict[str, str]) -> None:
    # a subprocess never reads the machine's /etc/tutor in the tests: $TUTOR_SYSTEM_CONFIG moves it
    system = Path(isolated_env["TUTOR_SYSTEM_CONFIG"])
    system.parent.mkdir(parents=True)
    system.write_text("[listening]\nend_silence_s = 2.5\n")
    shown = tutor("config").stdout
    assert "end_silence_s = 2.5" in shown
    system.write_text("[listening]\nend_silence_s = 'slow'\n")
    done = tutor("config")
    assert done.returncode != 0 and str(system) in done.stderr
