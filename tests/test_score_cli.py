"""`tutor score`: a saved round or a typed reply, scored as a user would ask for it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

Tutor = Callable[..., CompletedProcess[str]]
REPLY = ("so the present arrived after her birthday even though you paid for express delivery "
         "that must have been really upsetting what would help now")


def test_typed_reply_is_scored_with_reasons(tutor: Tutor) -> None:
    done = tutor("score", "--text", "So the gift came late even with the express shipping you paid for. "
                 "No wonder you're upset.", "--scenario", "late-birthday-present", "--json")
    assert done.returncode == 0, done.stderr
    card = json.loads(done.stdout)
    assert card["paraphrase"]["passed"] and card["empathy"]["passed"]
    assert not card["open_question"]["passed"]
    assert card["better_sentence"].endswith("?")
    assert card["pause_s"] is None and card["interruptions"] == [] and card["backchannels"] == []


def test_typed_reply_report_is_readable(tutor: Tutor) -> None:
    done = tutor("score", "--text", "I understand.", "--scenario", "late-birthday-present")
    assert done.returncode == 0, done.stderr
    assert "paraphrase" in done.stdout and "Try saying:" in done.stdout


@pytest.fixture(scope="module")
def saved_round(speak: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    import subprocess
    import sys

    from conftest import isolated_environ

    saved = tmp_path_factory.mktemp("round") / "round.wav"
    # its own HOME, config and data folders: neither the user's settings nor history
    env = isolated_environ(tmp_path_factory.mktemp("home"))
    done = subprocess.run([sys.executable, "-m", "tutor", "practice", "--scenario", "late-birthday-present",
                           "--simulate", str(speak(REPLY)), "--reply-at", "1.2", "--fast",
                           "--save-round", str(saved)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return saved


def test_saved_round_is_scored_like_the_live_one(tutor: Tutor, saved_round: Path,
                                                speak: Callable[..., Path]) -> None:
    import numpy as np

    from tutor.audio.wavfile import read_mono

    done = tutor("score", str(saved_round), "--scenario", "late-birthday-present", "--json")
    assert done.returncode == 0, done.stderr
    card = json.loads(done.stdout)
    reply = read_mono(speak(REPLY), 16000)
    leading = float(np.flatnonzero(np.abs(reply) > 184)[0] / 16000)  # -45 dBFS: where speech starts
    assert card["pause_s"] == pytest.approx(1.2 + leading, abs=0.05)
    assert card["pause"]["verdict"] == "ideal"
    assert card["interruptions"] == [] and card["paraphrase"]["passed"]
    assert {"birthday", "express"} <= set(card["transcript"].split())


def test_saved_round_without_scenario_gives_timing_only(tutor: Tutor, saved_round: Path) -> None:
    done = tutor("score", str(saved_round), "--json")
    card = json.loads(done.stdout)
    assert card["pause"]["passed"] and card["paraphrase"] is None and card["empathy"] is None


@pytest.mark.parametrize(("args", "message"), [
    (["score"], "give either a round recording"),
    (["score", "--text", "hello"], "--text needs --scenario"),
    (["score", "--text", "  ", "--scenario", "late-birthday-present"], "--text is empty"),
    (["score", "--text", "so it came late " * 1000, "--scenario", "late-birthday-present"],
     "--text is 16000 characters; a spoken reply is at most 10000"),
    (["score", "/nope/round.wav"], "does not exist"),
    (["score", "--text", "hi", "--scenario", "late-birthday-presnt"], "did you mean"),
])
def test_bad_input_is_one_clear_line(tutor: Tutor, args: list[str], message: str) -> None:
    done = tutor(*args)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_mono_file_is_refused_as_a_round(tutor: Tutor, speak: Callable[..., Path]) -> None:
    done = tutor("score", str(speak("hello there")))
    assert done.returncode == 2 and "a round recording has 2" in done.stderr


def test_config_is_read_from_the_isolated_home(tutor: Tutor, isolated_env: dict[str, str]) -> None:
    # the user config these tests get is the one in their own HOME, not the real user's
    user_config = Path(isolated_env["XDG_CONFIG_HOME"]) / "tutor" / "config.toml"
    user_config.write_text("[scoring]\nno_such_key = 1\n")
    done = tutor("score", "--text", "I understand.", "--scenario", "late-birthday-present")
    assert done.returncode == 2
    assert f"{user_config}:2: unknown key 'no_such_key'" in done.stderr
