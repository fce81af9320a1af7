"""Conversations on the simulated station: the customer (espeak-ng) answers back, the trainee's
replies are festival speech recognised by pocketsphinx, and each branch is taken for real.

Every round here is one duplex stream: the simulated microphone is made block by block from
what the speaker was actually sent, so a reply that talks over the customer is answered by
"Sorry, can I finish?" as it would be on a sound card, while the reply is still playing.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory

from tutor.audio.simulated import SimulatedDuplex
from tutor.audio.wavfile import read_round
from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
from tutor.round import PracticeRound, RoundResult
from tutor.scenarios import ScenarioLibrary
from tutor.settings import Settings, SimulateSettings
from tutor.vocabulary import Condition, Phase
from tutor.voice import EspeakSynthesizer

RATE = 16000
LIBRARY = ScenarioLibrary(())
BIRTHDAY = LIBRARY.get("late-birthday-present")
ACKNOWLEDGES = ("so the present came after her birthday even though you paid for express delivery "
                "that must be so disappointing")
IGNORES_THE_FEELING = "the couriers are very busy at this time of year"
ASKS = "that sounds really upsetting what would help put this right for you"
RESTATES_THE_NEED = "so you need the new present there before her party on saturday"
CUTS_IN = "wait but did you check the tracking number on the order"
# every key `tutor practice --json` had before conversations: they stay, and describe the first turn
SINGLE_REPLY_KEYS = {
    "transcript", "scenario", "pause_s", "pause", "interruptions", "backchannels", "turn_taking",
    "paraphrase", "empathy", "open_question", "better_sentence", "scenario_title", "customer_end_s",
    "reply_start_s", "reply_end_s", "no_reply", "end_reason", "round_path", "save_error",
    "loop_latency_ms", "latency_source", "room", "customer_lines", "speech", "utterances", "words",
    "recognizer", "sample_rate", "duration_s", "started_at", "audio", "processing_ms"}


@pytest.fixture(scope="module")
def voice() -> Iterator[EspeakSynthesizer]:
    with EspeakSynthesizer() as synthesizer:
        yield synthesizer


@pytest.fixture(scope="module")
def recognizer() -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer(RATE)


Converse = Callable[..., tuple[RoundResult, list[tuple[Phase, dict[str, object]]]]]


@pytest.fixture
def converse(voice: EspeakSynthesizer, recognizer: PocketsphinxRecognizer, tmp_path: Path,
             speak_samples: Callable[..., np.ndarray]) -> Converse:
    """A round on the simulated station with these replies, one per turn (text, seconds after the
    customer's turn ends); the round recording is saved as tmp_path/round.wav."""
    base = Settings()
    settings = dataclasses.replace(base, storage=dataclasses.replace(base.storage, data_dir=str(tmp_path)))

    def run(replies: list[tuple[str, float]], scenario_id: str = "late-birthday-present",
            room: SimulateSettings | None = None
            ) -> tuple[RoundResult, list[tuple[Phase, dict[str, object]]]]:
        spoken = [(speak_samples(text), at) for text, at in replies]
        first, first_at = spoken[0] if spoken else (None, 0.0)
        audio = SimulatedDuplex(first, RATE, reply_at_s=first_at, later_replies=spoken[1:],
                                settings=room or SimulateSettings(realtime=False))
        events: list[tuple[Phase, dict[str, object]]] = []
        practice = PracticeRound(audio=audio, recognizer=recognizer, synthesizer=voice, settings=settings,
                                 on_event=lambda phase, data: events.append((phase, data)))
        return practice.run(LIBRARY.get(scenario_id), save_to=tmp_path / "round.wav"), events

    return run


def _ids(result: RoundResult) -> list[str]:
    return [turn.id for turn in result.turns]


def test_an_acknowledgement_calms_the_customer(converse: Converse) -> None:
    result, events = converse([(ACKNOWLEDGES, 1.2), ("so it was the one present she asked for", 1.2)])
    assert _ids(result)[:2] == ["opening", "calmer"]
    first, calmer = result.turns[:2]
    assert Condition.ACKNOWLEDGED in first.met and calmer.condition is Condition.ACKNOWLEDGED
    assert calmer.lines == tuple(line.text for line in BIRTHDAY.turns[0].lines)
    assert calmer.reply is not None and "asked" in calmer.reply.transcript
    assert result.conversation is not None and result.conversation.calmed is True
    said = [data["text"] for phase, data in events if phase is Phase.CUSTOMER_SPEAKING and "line" in data]
    assert said[len(BIRTHDAY.lines)] == BIRTHDAY.turns[0].lines[0].text  # the calmer line, as it started
    assert [phase for phase, _ in events].count(Phase.THINKING) == 1  # once, when the conversation is over


def test_ignoring_the_feeling_makes_the_customer_escalate(converse: Converse) -> None:
    result, _ = converse([(IGNORES_THE_FEELING, 1.2)])
    assert _ids(result)[:2] == ["opening", "escalates"]
    assert result.turns[1].condition is Condition.NO_ACKNOWLEDGEMENT
    assert result.score is not None and result.score.empathy is not None and not result.score.empathy.passed


def test_an_open_question_brings_out_the_need_and_the_customer_s_last_word(converse: Converse) -> None:
    result, events = converse([(ASKS, 1.2), (RESTATES_THE_NEED, 1.2)])
    assert _ids(result) == ["opening", "need", "settled"]
    need, settled = result.turns[1:]
    assert need.reply is not None and {"party", "saturday"} <= set(need.reply.transcript.split())
    # the need turn is judged against the hidden need: restating it is a paraphrase
    assert need.reply.score is not None and need.reply.score.paraphrase is not None
    assert need.reply.score.paraphrase.passed
    assert settled.ends and settled.reply is None  # the customer's last word: no reply listened for
    assert result.conversation is not None and result.conversation.to_json() == {
        "turns": 3, "calmed": True, "need_reached": True}
    assert [phase for phase, _ in events].count(Phase.LISTENING) == 2  # not after the last word


def test_dead_air_brings_are_you_still_there_and_silence_again_ends_it(converse: Converse, tmp_path: Path
                                                                      ) -> None:
    result, _ = converse([])
    assert _ids(result) == ["opening", "dead_air"]
    hello = result.turns[1]
    assert hello.lines == ("Hello? Are you still there?",)
    assert result.turns[0].met >= {Condition.DEAD_AIR} and not result.replied
    # asked once the silence passed dead air, not at the no-reply time-out
    audio = read_round(tmp_path / "round.wav")
    opening_end = _last_sound(audio.speaker[: int(hello.start_s * RATE)]) / RATE
    said_at = (int(hello.start_s * RATE) + _first_sound(audio.speaker[int(hello.start_s * RATE):])) / RATE
    dead_air = Settings().scoring.dead_air_above_s
    assert dead_air <= said_at - opening_end < Settings().listening.no_reply_timeout_s


def test_talking_over_the_customer_is_answered_while_the_trainee_is_still_talking(
        converse: Converse, tmp_path: Path) -> None:
    result, _ = converse([(CUTS_IN, -3.0), (ACKNOWLEDGES, 1.2)])
    first, repair = result.turns[:2]
    assert repair.id == "interrupted" and repair.condition is Condition.INTERRUPTED
    assert first.cut_at_s is not None
    assert repair.lines[0] == "Sorry, can I finish?"
    assert repair.lines[-1].removeprefix("...") == BIRTHDAY.lines[-1].text  # the cut part, said again
    card = first.reply.score if first.reply else None
    assert card is not None and card.pause is not None and card.pause.verdict == "talked_over"
    assert card.turn_taking is not None and not card.turn_taking.passed
    assert first.reply is not None and "tracking" in first.reply.transcript

    audio = read_round(tmp_path / "round.wav")
    cut = round(first.cut_at_s * RATE)
    # channel 1: the customer was mid-line when cut off, and "Sorry, can I finish?" starts at once
    assert _dbfs(audio.speaker[cut - int(0.3 * RATE): cut]) > -40
    assert _first_sound(audio.speaker[cut:]) < 0.05 * RATE
    assert first.reply.timing.customer_lines[-1].end_s == pytest.approx(first.cut_at_s, abs=0.02)
    # channel 2: the trainee was still talking as the customer stopped them
    assert _dbfs(audio.mic[cut: cut + RATE // 4]) > -40
    assert first.reply.timing.reply is not None and first.reply.timing.reply.end_s > first.cut_at_s + 0.25
    # the reply to the repair is the second reply, judged as a reply to the opening
    assert repair.reply is not None and {"birthday", "express"} <= set(repair.reply.transcript.split())
    assert result.turns[2].id == "calmer"  # and the conversation went on from where it was


def test_with_the_customer_s_echo_in_the_microphone_only_talking_over_them_cuts_them_off(
        converse: Converse) -> None:
    """A loudspeaker station: the customer's voice comes back into the microphone, 40 ms late and
    as loud as the trainee. The talk-over check tells the two apart as the analysis does."""
    room = SimulateSettings(realtime=False, echo_gain=1.0, loop_latency_ms=40.0, noise_dbfs=-60.0)
    after, _ = converse([(ACKNOWLEDGES, 1.2)], room=room)
    assert _ids(after)[:2] == ["opening", "calmer"] and after.turns[0].cut_at_s is None
    over, _ = converse([(CUTS_IN, -3.0)], room=room)
    assert _ids(over)[:2] == ["opening", "interrupted"] and over.turns[0].cut_at_s is not None


def test_the_first_turn_keeps_the_single_reply_json(converse: Converse) -> None:
    result, _ = converse([(ACKNOWLEDGES, 1.2)])
    data = json.loads(json.dumps(result.to_json()))
    assert set(data) == SINGLE_REPLY_KEYS | {"turns", "conversation"}
    first = data["turns"][0]
    assert first["id"] == "opening" and first["condition"] is None and first["number"] == 1
    for key in ("transcript", "reply_start_s", "reply_end_s", "pause", "paraphrase", "customer_lines"):
        assert first[key] == data[key], key
    assert all(set(turn) >= {"number", "id", "condition", "lines", "start_s", "end_s", "cut_at_s", "ends",
                             "met"} for turn in data["turns"])
    later = data["turns"][1]
    assert later["start_s"] == first["end_s"] and later["customer_lines"][0]["start_s"] >= later["start_s"]


def test_a_scenario_without_turns_is_one_turn_as_before(converse: Converse) -> None:
    result, events = converse([("so it arrived two days late", 1.2)], scenario_id="delayed-package")
    assert _ids(result) == ["opening"] and result.conversation is not None
    assert result.conversation.to_json() == {"turns": 1, "calmed": None, "need_reached": None}
    assert not any(phase is Phase.CUSTOMER_SPEAKING and "turn" in data and "line" not in data
                   for phase, data in events)


def test_practice_and_run_take_one_reply_per_turn(tutor: Callable[..., subprocess.CompletedProcess[str]],
                                                  speak: Callable[..., Path], tmp_path: Path) -> None:
    done = tutor("practice", "--scenario", "late-birthday-present", "--simulate", str(speak(ASKS)),
                 "--simulate", str(speak(RESTATES_THE_NEED)), "--reply-at", "1.2", "--fast", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [turn["id"] for turn in data["turns"]] == ["opening", "need", "settled"]
    assert "saturday" in data["turns"][1]["transcript"] and data["conversation"]["need_reached"]
    printed = tutor("practice", "--scenario", "late-birthday-present", "--simulate", str(speak(ASKS)),
                    "--simulate", str(speak(RESTATES_THE_NEED)), "--reply-at", "1.2", "--fast")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.count("Your turn: answer out loud.") == 2
    assert "Turn 2, the customer (after your open question):" in printed.stdout
    assert "Conversation: 3 turns; the customer calmed down; you reached the need" in printed.stdout
    config = tmp_path / "station.toml"
    config.write_text('[kiosk]\nscenarios = ["late-birthday-present"]\nspoken_feedback = false\n')
    history = json.loads(tutor("report", "--json").stdout)
    assert [(r["turns"], r["calmed"], r["need_reached"]) for r in history] == [(3, True, True)] * 2
    station = tutor("--config", str(config), "run", "--simulate", str(speak(IGNORES_THE_FEELING)),
                    "--rounds", "1", "--fast")
    assert station.returncode == 0, station.stderr
    assert '"You\'re not hearing me."' in station.stdout  # the customer escalated, on the station too
    assert "station: 1 round(s), 0 fault(s)" in station.stdout
    bad = tutor("practice", "--simulate", str(speak(ASKS)), "--reply-at", "1", "--reply-at", "2")
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "tutor: 2 --reply-at for 1 --simulate: give at most one per reply")


def test_the_station_shows_the_conversation_s_result_and_names_the_turn_that_mattered(
        tmp_path: Path, factory: MockFactory, voice: EspeakSynthesizer, recognizer: PocketsphinxRecognizer,
        speak_samples: Callable[..., np.ndarray]) -> None:
    from tutor.kiosk import Kiosk, ScenarioChooser
    from tutor.lights.gpio import GpioLights
    from tutor.settings import GpioSettings, KioskSettings

    gpio = GpioSettings(long_press_s=0.3, bounce_s=0.0)
    base = Settings()
    settings = dataclasses.replace(base, gpio=gpio, kiosk=KioskSettings(spoken_feedback=False),
                                   storage=dataclasses.replace(base.storage, data_dir=str(tmp_path)))
    replies = [(speak_samples(ASKS), 1.2), (speak_samples(RESTATES_THE_NEED), 1.2)]
    said: list[str] = []
    states: list[Phase] = []
    lights = GpioLights(gpio, pin_factory=factory)
    station = Kiosk(settings=settings, lights=lights, synthesizer=voice, recognizer=recognizer,
                    open_audio=lambda: SimulatedDuplex(replies[0][0], RATE, reply_at_s=1.2,
                                                       later_replies=replies[1:],
                                                       settings=SimulateSettings(realtime=False)),
                    chooser=ScenarioChooser(LIBRARY, ("late-birthday-present",), "sequence"),
                    say=said.append, on_state=states.append)
    try:
        assert station.run(rounds=1, wait_for_button=False) == 1
        assert said[0].startswith("When the customer said 'I felt awful', you asked an open question, and "
                                  "they told you what they really needed.")
        # each turn of the customer is its own state (and watchdog limit), then one thinking
        assert states.count(Phase.CUSTOMER_SPEAKING) == 3 and states.count(Phase.THINKING) == 1
        # both replies paused well and let the customer finish; the first restated nothing
        seen: dict[int, set[bool]] = {pin: set() for pin in (gpio.pause_led, gpio.interruptions_led,
                                                             gpio.paraphrase_led)}
        until = time.monotonic() + 3.0  # a blink shows both states well within this, however loaded
        while time.monotonic() < until and len(seen[gpio.paraphrase_led]) < 2:
            for pin, states_seen in seen.items():
                states_seen.add(bool(factory.pin(pin).state))
            time.sleep(0.01)
        assert seen[gpio.pause_led] == {True} and seen[gpio.interruptions_led] == {True}
        assert seen[gpio.paraphrase_led] == {True, False}  # blinking: work on it
    finally:
        lights.close()


def _first_sound(samples: np.ndarray) -> int:
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 184)  # -45 dBFS, as lines are trimmed
    return int(loud[0]) if len(loud) else len(samples)


def _last_sound(samples: np.ndarray) -> int:
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 184)
    return int(loud[-1]) + 1 if len(loud) else 0


def _dbfs(samples: np.ndarray) -> float:
    power = float(np.mean(samples.astype(np.float64) ** 2))
    return 10 * np.log10(max(power, 1e-12) / 32768.0 ** 2)
