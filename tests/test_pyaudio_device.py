"""The real PyAudio path, against a virtual ALSA sound card that this test sets up.

The card is ALSA's `file` plugin: what the station plays is written to a
file, and the microphone reads a file holding a known reply. It runs as fast
as the machine allows (no hardware clock), which the round must survive: it
is bounded by the audio clock, not the wall clock. A conversation's next line
starts where the card has got to, so its test gives the card a clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import numpy as np
import pytest
from conftest import clocked_virtual_card, virtual_card

from tutor.audio.wavfile import read_mono, read_round

DATA = Path(__file__).parent / "data"
SCENARIO = str(DATA / "short-complaint.toml")
CONVERSATION = str(DATA / "short-conversation.toml")
RATE = 16000


def test_round_on_a_virtual_sound_card(tutor: Callable[..., CompletedProcess[str]],
                                       isolated_env: dict[str, str], speak: Callable[..., Path],
                                       tmp_path: Path) -> None:
    reply = read_mono(speak("so the screen was cracked when it arrived and you want it fixed"), RATE)
    reply_at = 9.0  # seconds into the round; the test scenario's customer is done by then
    mic = np.zeros(int(40 * RATE), dtype=np.int16)  # longer than the round: the plugin loops its input
    start = int(reply_at * RATE)
    mic[start: start + len(reply)] = reply
    played, _ = virtual_card(Path(isolated_env["HOME"]), mic)

    saved = tmp_path / "round.wav"
    done = tutor("practice", "--scenario", SCENARIO, "--save-round", str(saved), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    heard = set(result["transcript"].split())
    assert len(heard & {"so", "the", "screen", "was", "cracked", "when", "it", "arrived", "and", "you",
                        "want", "fixed"}) >= 8, heard
    onset = np.flatnonzero(np.abs(reply) > 300)[0] / RATE
    assert result["reply_start_s"] == pytest.approx(reply_at + onset, abs=0.05)
    assert result["audio"]["device"] == "default"

    # what reached the speaker is exactly channel 1 of the round recording, behind the
    # silence PortAudio primes the output with (the device's output latency)
    audio = read_round(saved)
    sent = np.fromfile(played, dtype="<i2")
    primed = int(np.flatnonzero(sent)[0] - np.flatnonzero(audio.speaker)[0])
    assert 0 <= primed < 0.5 * RATE
    customer_end = int(result["customer_end_s"] * RATE)
    assert np.array_equal(sent[primed: primed + customer_end], audio.speaker[:customer_end])
    # and what the microphone heard is channel 2, sample-aligned with it
    assert np.array_equal(audio.mic, mic[: len(audio.mic)])


def test_a_conversation_on_the_virtual_sound_card(tutor: Callable[..., CompletedProcess[str]],
                                                 isolated_env: dict[str, str], speak: Callable[..., Path],
                                                 tmp_path: Path) -> None:
    """The customer's next turn is queued on the running stream from PortAudio's callback: it
    reaches the card after the reply, and channel 1 is still exactly what the card was sent. The
    card keeps real time here: a conversation waits on the trainee, so on a card that runs as fast
    as the machine allows, the next line would start as late as the machine's load made it."""
    reply = read_mono(speak("so the screen was cracked when it arrived and you want it fixed"), RATE)
    mic = np.zeros(int(120 * RATE), dtype=np.int16)  # longer than the round is listened to
    start = int(6.0 * RATE)
    mic[start: start + len(reply)] = reply

    saved = tmp_path / "round.wav"
    with clocked_virtual_card(Path(isolated_env["HOME"]), mic, RATE) as speaker:
        done = tutor("practice", "--scenario", CONVERSATION, "--save-round", str(saved), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [turn["id"] for turn in result["turns"]] == ["opening", "more"]
    assert {"screen", "fixed"} <= set(result["turns"][0]["transcript"].split())

    audio = read_round(saved)
    sent = speaker.samples()
    primed = int(np.flatnonzero(sent)[0] - np.flatnonzero(audio.speaker)[0])
    assert 0 <= primed < 0.5 * RATE
    assert np.array_equal(sent[primed: primed + len(audio.speaker)], audio.speaker)
    # the second turn was played after the reply and its end-of-speech wait, and is marked
    waited = int((result["reply_end_s"] + 1.2) * RATE)
    assert np.abs(audio.speaker[waited:]).max() > 184  # -45 dBFS: the customer spoke again
    assert [mark.label for mark in audio.turns] == ["turn 1: opening", "turn 2: more"]
    assert audio.turns[1].start >= waited - RATE // 10


def test_missing_named_device_lists_how_to_find_one(tutor: Callable[..., CompletedProcess[str]],
                                                    isolated_env: dict[str, str], tmp_path: Path) -> None:
    virtual_card(Path(isolated_env["HOME"]), np.zeros(RATE, dtype=np.int16))
    config = tmp_path / "c.toml"
    config.write_text("[audio]\ninput_device = 'Blue Yeti'\n")
    done = tutor("--config", str(config), "practice", "--scenario", SCENARIO)
    assert done.returncode == 3
    assert done.stderr.strip() == ("tutor: no microphone named like 'Blue Yeti'; "
                                   "`tutor devices` lists them")


def test_devices_lists_thevirtual_card(tutor: Callable[..., CompletedProcess[str]],
                                        isolated_env: dict[str, str]) -> None:
    virtual_card(Path(isolated_env["HOME"]), np.zeros(RATE, dtype=np.int16))
    done = tutor("devices")
    assert done.returncode == 0 and "default" in done.stdout
    assert "ALSA lib" not in done.stderr  # native chatter is kept off the terminal
