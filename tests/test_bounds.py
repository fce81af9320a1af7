"""Input bounds: sample rates, durations, scenario sizes and voices are checked before any
work, so a few bytes of header can never make the station allocate gigabytes or hand
espeak-ng a path. WAV files here are sparse: the header is real, the data is a hole."""

from __future__ import annotations

import struct
import subprocess
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tutor import voice as voice_module
from tutor.audio.wavfile import (
    MAX_REPLY_S,
    MAX_ROUND_S,
    check_header,
    read_mono,
    read_round,
    read_wav,
    write_wav,
)
from tutor.errors import AudioFileError, ConfigError, ScenarioError
from tutor.round import device_frames
from tutor.scenarios import (
    MAX_LINE_AUDIO_S,
    MAX_LINE_CHARS,
    MAX_LINES,
    CustomerLine,
    Scenario,
    load_scenario,
)
from tutor.settings import ListeningSettings, VoiceSettings
from tutor.voice import MAX_CUSTOMER_S, EspeakSynthesizer, render_customer, voice_problem

Tutor = Callable[..., subprocess.CompletedProcess[str]]
DATA = Path(__file__).parent / "data"
RATE = 16000


def sparse_wav(path: Path, rate: int, seconds: float, channels: int = 1) -> Path:
    """A 16-bit PCM WAV whose header promises ``seconds`` of audio; the data takes no disk."""
    size = round(rate * seconds) * channels * 2
    with path.open("wb") as out:
        out.write(b"RIFF" + struct.pack("<I", 36 + size) + b"WAVE"
                  + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * channels * 2,
                                          channels * 2, 16)
                  + b"data" + struct.pack("<I", size))
        out.truncate(44 + size)
    return path


def tone(path: Path, seconds: float = 1.0, rate: int = RATE) -> Path:
    t = np.arange(round(seconds * rate)) / rate
    return write_wav(path, (np.sin(2 * np.pi * 300 * t) * 9000).astype(np.int16), rate)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tutor: "), result.stderr
    return lines[0]


# --- WAV headers -------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [1, 7999, 192001])
def test_sample_rate_is_checked_before_reading(tmp_path: Path, rate: int,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = sparse_wav(tmp_path / "reply.wav", rate, 20000 / rate)
    monkeypatch.setattr(wave.Wave_read, "readframes", lambda *a: pytest.fail("read the samples"))
    message = f"reply.wav: sample rate {rate} Hz is outside 8000-192000 Hz"
    for read in (read_wav, check_header, lambda p: read_mono(p, RATE), lambda p: read_round(p, RATE)):
        with pytest.raises(AudioFileError, match=message):
            read(path)


def test_duration_limits_come_from_the_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    long_reply = sparse_wav(tmp_path / "reply.wav", 8000, MAX_REPLY_S + 1)
    long_round = sparse_wav(tmp_path / "round.wav", 8000, MAX_ROUND_S + 1, channels=2)
    assert check_header(long_reply) == pytest.approx(MAX_REPLY_S + 1)  # under the general ceiling
    monkeypatch.setattr(wave.Wave_read, "readframes", lambda *a: pytest.fail("read the samples"))
    with pytest.raises(AudioFileError, match=r"reply.wav: 121.0 s long; a reply may be at most 120 s"):
        read_mono(long_reply, RATE, max_s=MAX_REPLY_S, kind="a reply")
    with pytest.raises(AudioFileError, match=r"901.0 s long; a round recording may be at most 900 s"):
        read_round(long_round, RATE)


def test_the_device_never_runs_longer_than_a_saved_round_may_be() -> None:
    """A conversation may reach four turns, each with a long customer line and a full reply; the
    device is still stopped where a recording `tutor score --round` reads back ends."""
    listening = ListeningSettings()
    reply_bound = int((listening.no_reply_timeout_s + listening.max_reply_s + listening.end_silence_s + 1.0)
                      * RATE)
    assert device_frames(10 * RATE, listening, RATE, conversing=False) == 10 * RATE + reply_bound
    assert device_frames(10 * RATE, listening, RATE, conversing=True) == int(MAX_ROUND_S * RATE)
    patient = ListeningSettings(max_reply_s=MAX_ROUND_S)
    assert device_frames(10 * RATE, patient, RATE, conversing=False) == int(MAX_ROUND_S * RATE)


def test_a_header_that_promises_more_than_the_file_holds_is_judged_by_the_file(tmp_path: Path) -> None:
    path = tone(tmp_path / "cut.wav", 1.0)
    with path.open("r+b") as wav:  # a streamed recording's placeholder: "as long as it gets"
        wav.seek(40)
        wav.write(struct.pack("<I", 0x7FFFFFF0))
    assert check_header(path, max_s=2) == pytest.approx(1.0)
    samples, rate = read_wav(path, max_s=2)
    assert rate == RATE and len(samples) == RATE


def test_practice_refuses_a_one_hz_reply_in_one_line(tutor: Tutor, tmp_path: Path) -> None:
    reply = sparse_wav(tmp_path / "reply.wav", 1, 20000)  # 40 KB: once 3.8 GB after resampling
    line = one_line(tutor("practice", "--simulate", str(reply), "--fast",
                          "--scenario", str(DATA / "short-complaint.toml"), timeout=60))
    assert line == f"tutor: {reply}: sample rate 1 Hz is outside 8000-192000 Hz"


def test_practice_refuses_a_reply_over_two_minutes(tutor: Tutor, tmp_path: Path) -> None:
    reply = sparse_wav(tmp_path / "reply.wav", 16000, 121)
    line = one_line(tutor("practice", "--simulate", str(reply), "--fast",
                          "--scenario", str(DATA / "short-complaint.toml"), timeout=60))
    assert line.endswith("reply.wav: 121.0 s long; a reply may be at most 120 s")


@pytest.mark.parametrize(("rate", "seconds", "message"), [
    (1, 20000, "sample rate 1 Hz is outside 8000-192000 Hz"),
    (8000, 901, "901.0 s long; a round recording may be at most 900 s"),
])
def test_score_refuses_oversized_rounds(tutor: Tutor, tmp_path: Path, rate: int, seconds: float,
                                        message: str) -> None:
    recording = sparse_wav(tmp_path / "round.wav", rate, seconds, channels=2)
    assert one_line(tutor("score", str(recording), timeout=60)).endswith(message)


# --- scenario sizes ----------------------------------------------------------------------


def _scenario(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "own.toml"
    path.write_text(f'title = "T"\n{body}\n')
    return path


def test_scenario_line_count_and_length_are_bounded(tmp_path: Path) -> None:
    many = "lines = [\n" + '  "Hi.",\n' * (MAX_LINES + 1) + "]"
    with pytest.raises(ScenarioError,
                       match=r"own.toml:2: 'lines' has 21 items; a scenario may have at most 20"):
        load_scenario(_scenario(tmp_path, many))
    assert len(load_scenario(_scenario(tmp_path, "lines = [\n" + '  "Hi.",\n' * MAX_LINES + "]")).lines) == 20
    wordy = "x" * (MAX_LINE_CHARS + 1)
    with pytest.raises(ScenarioError, match=r"own.toml:2: 'lines' item 2 has 401 characters; .* at most 400"):
        load_scenario(_scenario(tmp_path, f'lines = ["Hi.", {{ text = "{wordy}" }}]'))
    assert load_scenario(_scenario(tmp_path, f'lines = ["{"x" * MAX_LINE_CHARS}"]')).lines


@pytest.mark.parametrize(("rate", "seconds", "message"), [
    (1, 20000, "sample rate 1 Hz is outside 8000-192000 Hz"),
    (16000, MAX_LINE_AUDIO_S + 1, "61.0 s long; a recorded line may be at most 60 s"),
])
def test_recorded_line_is_checked_at_load(tmp_path: Path, rate: int, seconds: float, message: str) -> None:
    sparse_wav(tmp_path / "line.wav", rate, seconds)
    path = _scenario(tmp_path, 'lines = [{ text = "Hi.", audio = "line.wav" }]')
    with pytest.raises(ScenarioError, match=rf"own.toml:2: 'lines' item 1: .*line.wav: {message}"):
        load_scenario(path)


def test_recorded_line_replaced_after_loading_is_still_bounded(tmp_path: Path) -> None:
    tone(tmp_path / "line.wav", 0.5)
    scenario = load_scenario(_scenario(tmp_path, 'lines = [{ text = "Hi.", audio = "line.wav" }]'))
    sparse_wav(tmp_path / "line.wav", 16000, MAX_LINE_AUDIO_S + 1)
    with pytest.raises(AudioFileError, match="a recorded line may be at most 60 s"):
        render_customer(scenario, EspeakSynthesizer(), RATE)


def test_practice_refuses_a_one_hz_recorded_line(tutor: Tutor, tmp_path: Path) -> None:
    sparse_wav(tmp_path / "line.wav", 1, 20000)
    path = _scenario(tmp_path, 'lines = [{ text = "Hi.", audio = "line.wav" }]')
    line = one_line(tutor("practice", "--simulate", str(tone(tmp_path / "reply.wav")), "--fast",
                          "--scenario", str(path), timeout=60))
    assert line.startswith(f"tutor: {path}:2: 'lines' item 1: ") and line.endswith(
        "line.wav: sample rate 1 Hz is outside 8000-192000 Hz")


def test_customer_track_stops_rendering_at_five_minutes(tmp_path: Path) -> None:
    """Real espeak-ng at its slowest: each long line lasts most of a minute; rendering stops
    at the line that crosses the limit instead of rendering the rest."""
    sentence = "My refund has not arrived after six weeks and nobody can tell me where it is. "
    text = (sentence * 6)[:MAX_LINE_CHARS].strip()
    path = _scenario(tmp_path, "rate = 60\nlines = [\n" + f'  "{text}",\n' * MAX_LINES + "]")
    rendered: list[str] = []

    class Counting(EspeakSynthesizer):
        def render(self, text: str, sample_rate: int, *, rate_wpm: int | None = None,
                   voice: str | None = None) -> np.ndarray:
            rendered.append(text)
            return super().render(text, sample_rate, rate_wpm=rate_wpm, voice=voice)

    with Counting() as synthesizer, pytest.raises(
            ScenarioError, match=r"own.toml:3: 'lines' last over 300 s by item \d+; "
                                 r"a customer may speak for at most 300 s"):
        render_customer(load_scenario(path), synthesizer, 8000)
    assert 2 <= len(rendered) < MAX_LINES
    assert MAX_CUSTOMER_S == 300


# --- voices ------------------------------------------------------------------------------


def test_voice_path_is_refused_at_load_with_file_and_line(tmp_path: Path) -> None:
    path = _scenario(tmp_path, 'voice = "../../../../etc/passwd"\nlines = ["Hi."]')
    with pytest.raises(ScenarioError, match=r"own.toml:2: 'voice' must be a voice espeak-ng lists, "
                                            r"not '../../../../etc/passwd'"):
        load_scenario(path)


def test_close_voices_are_suggested_and_listed_ones_accepted(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"'voice' .* not 'gmw/en-uss'; did you mean gmw/en-US"):
        load_scenario(_scenario(tmp_path, 'voice = "gmw/en-uss"\nlines = ["Hi."]'))
    for voice in ("gmw/en-us", "en-us", "English (America)", "en-us+f3", "en-us+3"):
        assert voice_problem(voice) is None, voice
    assert "variant" in (voice_problem("en-us+" + "x" * 200) or "")


def test_practice_with_a_path_voice_is_one_line_not_a_crash(tutor: Tutor, tmp_path: Path) -> None:
    path = _scenario(tmp_path, 'voice = "../../../../etc/passwd"\nlines = ["Hi."]')
    result = tutor("practice", "--simulate", str(tone(tmp_path / "reply.wav")), "--fast",
                   "--scenario", str(path), timeout=60)
    assert "root:" not in result.stderr + result.stdout
    assert one_line(result).startswith(f"tutor: {path}:2: 'voice' must be a voice espeak-ng lists")


def test_settings_voice_is_checked_before_synthesis(tutor: Tutor, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[recognition]\nengine = "pocketsphinx"\n[voice]\nvoice = "../../../../etc/passwd"\n')
    result = tutor("--config", str(config), "practice", "--simulate", str(tone(tmp_path / "reply.wav")),
                   "--fast", "--scenario", str(DATA / "short-complaint.toml"), timeout=60)
    assert "root:" not in result.stderr + result.stdout
    assert one_line(result) == ("tutor: voice.voice in the settings must be a voice espeak-ng lists, "
                                "not '../../../../etc/passwd'; `espeak-ng --voices` lists them")
    with pytest.raises(ConfigError, match=r"voice\.voice"), \
            EspeakSynthesizer(VoiceSettings(voice="en-uss")) as synthesizer:
        synthesizer.render("Hi.", RATE)


def test_a_scenario_built_in_code_is_checked_before_synthesis() -> None:
    scenario = Scenario(id="built", title="T", lines=(CustomerLine("Hi."),), voice="/etc/passwd")
    with EspeakSynthesizer() as synthesizer, pytest.raises(ScenarioError, match="built: 'voice'"):
        render_customer(scenario, synthesizer, RATE)


def test_without_espeak_listing_paths_are_still_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(voice_module, "espeak_voices", lambda: None)
    assert voice_problem("gmw/en-us") is None
    for voice in ("../../../../etc/passwd", "/etc/passwd", "en+" + "x" * 60):
        assert voice_problem(voice) is not None, voice
