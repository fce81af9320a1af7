"""The customer's voice, rendered for real by pyttsx3 and espeak-ng."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tutor.audio.wavfile import write_wav
from tutor.scenarios import load_scenario
from tutor.settings import VoiceSettings
from tutor.voice import EspeakSynthesizer, render_customer, trim_silence

RATE = 16000


@pytest.fixture(scope="module")
def synthesizer() -> EspeakSynthesizer:
    with EspeakSynthesizer() as synth:
        yield synth


def test_espeak_renders_speech_trimmed_to_its_sound(synthesizer: EspeakSynthesizer) -> None:
    short = synthesizer.render("Hello.", RATE)
    long = synthesizer.render("My order arrived three days late and nobody told me why.", RATE)
    assert 0.2 < len(short) / RATE < len(long) / RATE < 6
    assert np.abs(long).max() > 3000
    # trimmed: the first and last 10 ms are near the edge of the sound, not long silence
    assert np.abs(long[:800]).max() > 300 and np.abs(long[-800:]).max() > 300


def test_slower_rate_takes_longer(synthesizer: EspeakSynthesizer) -> None:
    text = "I have been waiting for a refund for six weeks."
    assert len(synthesizer.render(text, RATE, rate_wpm=90)) > 1.5 * len(
        synthesizer.render(text, RATE, rate_wpm=250))


def test_customer_track_lays_out_lines_and_pauses(tmp_path: Path, synthesizer: EspeakSynthesizer) -> None:
    recorded = tmp_path / "trainer-line.wav"
    t = np.arange(int(44100 * 0.5)) / 44100
    write_wav(recorded, (np.sin(2 * np.pi * 300 * t) * 9000).astype(np.int16), 44100)
    scenario_file = tmp_path / "s.toml"
    scenario_file.write_text(
        'title = "T"\npause_after = 0.5\n'
        'lines = ["First line.", { text = "Second.", pause_after = 2.5 }, '
        '{ text = "Recorded line.", audio = "trainer-line.wav" }]\n')
    track = render_customer(load_scenario(scenario_file), synthesizer, RATE, VoiceSettings(volume=1.0))
    first, second, third = track.lines
    assert first.start == 0 and track.end == third.end == len(track.samples)
    assert second.start - first.end == int(0.5 * RATE)
    assert third.start - second.end == int(2.5 * RATE)
    assert abs((third.end - third.start) - 0.5 * RATE) < 0.03 * RATE  # the trainer's WAV, resampled
    assert not np.any(track.samples[first.end:second.start])


def test_trim_silence_keeps_only_sound() -> None:
    signal = np.concatenate([np.zeros(1600), np.full(800, 5000), np.zeros(1600)]).astype(np.int16)
    trimmed = trim_silence(signal, RATE)
    assert 800 <= len(trimmed) <= 800 + 2 * 160 + 2
    assert len(trim_silence(np.zeros(100, dtype=np.int16), RATE)) == 0


def test_whole_line_is_rendered_to_its_last_word(tmp_path: Path, synthesizer: EspeakSynthesizer) -> None:
    """Same length as espeak-ng's own command-line rendering: no words lost at the end."""
    import subprocess

    from tutor.audio.wavfile import read_mono

    cases = [("Second.", 165), ("I have been waiting for a refund for six weeks and nobody called.", 165),
             ("I have been waiting for a refund for six weeks and nobody called.", 250),
             ("I have been waiting for a refund for six weeks and nobody called.", 120)]
    for text, rate in cases:
        reference = tmp_path / "espeak.wav"
        subprocess.run(["espeak-ng", "-v", "gmw/en-us", "-s", str(rate), "-w", str(reference), text],
                       check=True)
        expected = trim_silence(read_mono(reference, RATE), RATE)
        rendered = synthesizer.render(text, RATE, rate_wpm=rate)
        assert abs(len(rendered) - len(expected)) < 0.05 * RATE, (text, rate)


def _espeak_in_this_process() -> bool:
    return "espeak" in Path("/proc/self/maps").read_text()


def test_a_hung_voice_is_killed_and_the_next_line_gets_a_fresh_one() -> None:
    """A line far too long for its time limit really hangs espeak-ng: the render gives up
    in time, the engine's process is killed, and the next line renders normally."""
    import os
    import time

    from tutor.errors import VoiceError

    line = "I have been waiting for a refund for six weeks and nobody called."
    with EspeakSynthesizer() as fresh:
        expected = len(fresh.render(line, RATE))
    with EspeakSynthesizer(VoiceSettings(timeout_s=0.2)) as synthesizer:
        synthesizer.render("Hello.", RATE)  # the engine is up: the limit is the line's alone
        hung = synthesizer._child
        assert hung is not None
        began = time.monotonic()
        with pytest.raises(VoiceError, match=r"^text-to-speech did not answer within 0.2 s$"):
            synthesizer.render("My order arrived three days late. " * 6000, RATE)  # 200,000 characters
        assert time.monotonic() - began < 2.0
        assert hung._process.returncode is not None  # killed, not left running
        with pytest.raises(ProcessLookupError):
            os.kill(hung._process.pid, 0)
        synthesizer.settings = VoiceSettings()
        again = synthesizer.render(line, RATE)
        assert synthesizer._child is not hung
        assert abs(len(again) - expected) < 0.03 * expected
    assert not _espeak_in_this_process()  # espeak-ng only ever ran in the children


def test_close_ends_the_voice_process_and_can_be_repeated() -> None:
    from tutor.errors import VoiceError

    synthesizer = EspeakSynthesizer()
    synthesizer.render("Hello.", RATE)
    child = synthesizer._child
    assert child is not None
    synthesizer.close()
    assert child._process.returncode == 0  # ended politely: end of input, not a kill
    synthesizer.close()
    with pytest.raises(VoiceError, match="closed"):
        synthesizer.render("Hello.", RATE)
