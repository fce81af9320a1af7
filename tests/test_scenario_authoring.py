"""Writing scenarios as a trainer does: `tutor scenarios check` and `show`, a file hidden by a
library id, voices espeak-ng lists but that do not speak English, and the suggestion spoken
when a scenario has no model answer."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tutor.audio.wavfile import read_mono
from tutor.errors import ScenarioError
from tutor.scenarios import LIBRARY_DIR, CustomerLine, Scenario, ScenarioLibrary, load_scenario
from tutor.scoring.advice import composed_paraphrase, example_sentence, first_passed, paraphrase_drafts
from tutor.scoring.paraphrase import Paraphrase, score_paraphrase
from tutor.scoring.result import Trait
from tutor.voice import voice_problem

Tutor = Callable[..., subprocess.CompletedProcess[str]]
LIBRARY = list(ScenarioLibrary())

BAD = """title = "Four problems"
lines = [
  "Fine.",
  42,
]
voice = "klingon"
dificulty = "easy"
rate = 5
"""


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "bad.toml").write_text(BAD)
    (folder / "good.toml").write_text(GOOD)
    (folder / "delayed-package.toml").write_text('title = "Mine"\nlines = ["Where is it?"]\n'
                                                 'key_points = ["late"]\n')
    return folder


def test_check_reports_every_problem_with_its_line_and_exits_2(tutor: Tutor, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    result = tutor("scenarios", "check", str(folder), str(tmp_path / "absent.toml"))
    assert result.returncode == 2, result.stderr
    bad = folder / "bad.toml"
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        f"{bad}:2: 'lines' item 2 must be a string or a table with 'text', not int",
        f"{bad}:6: 'voice' must be a voice that speaks English, not 'klingon' (espeak-ng's Klingon "
        "voice, art/piqd); English voices: gmw/en, gmw/en-US, gmw/en-029, gmw/en-US-nyc "
        "(`espeak-ng --voices=en` lists them)",
        f"{bad}:7: 'dificulty' is not a scenario key; known keys: difficulty, emotions, hidden_need, "
        "key_points, lines, model_answer, pause_after, rate, setting, summary, tags, title, turns, voice",
        f"{bad}:8: 'rate' must be words per minute between 60 and 400, not 5",
    ]
    assert f"scenario file {tmp_path / 'absent.toml'} does not exist" in lines
    assert not any("good.toml" in line for line in lines)
    # the hidden file's suggestion from its one verbless key point restates nothing (a warning)
    assert lines[-1] == "checked 4 scenario files: 2 files with problems (5 problems, 2 warnings)"
    assert "Traceback" not in result.stderr


def test_check_of_the_library_and_a_good_file_exits_0(tutor: Tutor, tmp_path: Path) -> None:
    result = tutor("scenarios", "check")
    assert result.returncode == 0, result.stdout
    summary = f"checked {len(LIBRARY)} scenario files: all fine (0 problems, 0 warnings)"
    assert result.stdout.strip() == summary
    good = _folder(tmp_path) / "good.toml"
    assert tutor("scenarios", "check", str(good)).returncode == 0


GOOD = ('title = "Good"\nlines = ["My new kettle stopped working after two days.", "I want my money back."]\n'
        'key_points = ["the kettle broke after two days"]\n'
        'model_answer = "So your brand new kettle died after just two days. That is really annoying."\n')
WASHER = ('title = "Washer"\n'
          'lines = ["My washing machine flooded the kitchen the day after your engineer fixed it.",\n'
          '         "Now the floor is ruined and nobody will come back out."]\n'
          'key_points = ["the machine flooded the kitchen after the repair", "nobody will come back"]\n'
          'emotions = ["angry"]\n'
          'model_answer = "{answer}"\n')


@pytest.mark.parametrize(("answer", "expected"), [
    ("Your washing machine flooded the kitchen the day after our engineer fixed it.",
     "the station does not pass the model_answer as restating the customer: you used the customer's own "
     "words ('your washing machine flooded the kitchen the day after our engineer fixed it'); say it in "
     "your own words; trainees told to say it would be marked down"),
    ("So the repair made it worse and you are stuck with a wrecked floor. Is that right?",
     "the station does not count the model_answer's question as an open one ('is that right' can be "
     "answered yes or no; an open question lets the customer explain)"),
    ("So the repair made it worse and you are stuck with a wrecked floor. There is no need to get angry.",
     "the station does not count the feeling the model_answer names as the customer's ('no need to get' "
     "talks the feeling away instead of acknowledging it)"),
])
def test_check_warns_of_a_model_answer_the_station_would_mark_down(tutor: Tutor, tmp_path: Path,
                                                                   answer: str, expected: str) -> None:
    path = tmp_path / "washer.toml"
    path.write_text(WASHER.format(answer=answer))
    result = tutor("scenarios", "check", str(path))
    assert result.returncode == 0, result.stderr  # a warning: the scenario still plays
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, result.stdout
    assert warnings[0].startswith(f"warning: {path}:6: {expected}"), warnings[0]
    assert tutor("scenarios", "check", "--strict", str(path)).returncode == 2


def test_the_empathy_suggestion_without_emotions_is_a_sentence() -> None:
    bare = Scenario(id="bare", title="Bare", lines=(CustomerLine("It broke."),))
    assert example_sentence(bare, "empathy") == "I can see why you'd feel frustrated."


@pytest.mark.parametrize(("scenario_file", "expected"), [
    # "Try saying ..." gives one sentence of the model answer: the whole answer passes, helped by
    # its second sentence, but the sentence a trainee is told to say is a close call alone
    (GOOD.replace("died after", "packed up after"),
     ":4: the station cannot tell whether the sentence of the model_answer it suggests for restating "
     "(\"So your brand new kettle packed up after just two days.\") restates the customer (a close call)"),
    ('title = "Late"\nlines = ["Where is it?"]\nkey_points = ["late"]\n',
     ":3: no model_answer, and the station does not pass the suggestion built from the key_points "
     "(\"So you've had a difficult time with this. That sounds really frustrating.\") as restating the "
     "customer: the customer's concern ('late') was not restated; add a model_answer"),
])
def test_check_warns_of_a_suggested_sentence_the_station_doubts(tutor: Tutor, tmp_path: Path,
                                                                scenario_file: str, expected: str) -> None:
    path = tmp_path / "own.toml"
    path.write_text(scenario_file)
    result = tutor("scenarios", "check", str(path))
    assert result.stdout.splitlines()[0] == f"warning: {path}{expected}"


def test_a_later_turn_s_model_answer_is_checked_as_a_reply_to_that_turn() -> None:
    from tutor.cli.station import _suggestion_doubts

    conversation = next(s for s in LIBRARY if s.turns and any(t.model_answer for t in s.turns))
    assert _suggestion_doubts(conversation) == []  # the library's answers all pass
    number, turn = next((n, t) for n, t in enumerate(conversation.turns, 1) if t.model_answer)
    echo = " ".join(line.text for line in turn.lines)  # the turn's own words, said back
    echoed = dataclasses.replace(conversation, turns=tuple(
        dataclasses.replace(t, model_answer=echo) if t is turn else t for t in conversation.turns))
    doubts = _suggestion_doubts(echoed)
    assert doubts and all(key == "turns" for key, _ in doubts)
    assert doubts[0][1].startswith(f"turn {number} ('{turn.id}'): the station ")


def test_a_file_hidden_by_a_library_id_is_warned_about(tutor: Tutor, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "bad.toml").unlink()
    config = tmp_path / "config.toml"
    config.write_text(f'[recognition]\nengine = "pocketsphinx"\n[storage]\nscenario_dirs = ["{folder}"]\n')
    mine = folder / "delayed-package.toml"
    expected = (f"{mine}: the id 'delayed-package' is also {LIBRARY_DIR / 'delayed-package.toml'}, and "
                "the built-in library's file wins; rename yours (e.g. delayed-package-own.toml) to "
                "practise it")
    check = tutor("--config", str(config), "scenarios", "check")
    assert f"warning: {expected}" in check.stdout.splitlines()
    assert check.returncode == 0  # the library still plays: a warning, not a problem
    assert tutor("--config", str(config), "scenarios", "check", "--strict").returncode == 2
    listing = tutor("--config", str(config), "scenarios")
    assert listing.returncode == 0
    assert expected in listing.stderr  # the station's log says it too
    assert "good" in listing.stdout.split()


def test_plain_list_and_json_still_work(tutor: Tutor) -> None:
    plain = tutor("scenarios")
    assert plain.returncode == 0 and len(plain.stdout.splitlines()) == len(LIBRARY)
    assert tutor("scenarios", "list").stdout == plain.stdout
    import json

    listed = json.loads(tutor("scenarios", "--json").stdout)
    assert [s["id"] for s in listed] == [s.id for s in LIBRARY]
    assert json.loads(tutor("scenarios", "list", "--json").stdout) == listed


def test_show_prints_lines_pauses_points_and_answer(tutor: Tutor) -> None:
    scenario = next(s for s in LIBRARY if s.id == "broadband-engineer-no-show")
    result = tutor("scenarios", "show", scenario.id)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(scenario.title)
    assert "      ... 2.4 s pause  <- the trainee should wait this out" in out.splitlines()
    for line in scenario.lines:
        assert line.text in out
    for point in scenario.key_points:
        assert f"  - {point}" in out
    assert "emotions: angry, frustrated" in out
    assert f"model answer: {scenario.model_answer}" in out
    assert "voice: gmw/en-us (the station default), 165 words a minute" in out


def test_show_unknown_id_is_one_line(tutor: Tutor) -> None:
    result = tutor("scenarios", "show", "delayed-packag")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("tutor: no scenario called 'delayed-packag'; did you mean")
    assert len(result.stderr.strip().splitlines()) == 1


def test_show_say_renders_the_customer_with_espeak(tutor: Tutor, tmp_path: Path) -> None:
    path = tmp_path / "own.toml"
    path.write_text('title = "Own"\nvoice = "en-us+f3"\nrate = 150\nlines = [\n'
                    '  { text = "My parcel never came.", pause_after = 2.0 },\n'
                    '  "Nobody called me back.",\n]\n')
    out = tmp_path / "say.wav"
    result = tutor("scenarios", "show", str(path), "--say", str(out))
    assert result.returncode == 0, result.stderr
    assert "voice: en-us+f3, 150 words a minute" in result.stdout
    samples = read_mono(out, 16000).astype(np.float64)
    frames = samples[: len(samples) // 320 * 320].reshape(-1, 320)  # 20 ms
    loud = np.sqrt((frames ** 2).mean(axis=1)) > 500
    assert loud.mean() > 0.3  # mostly speech
    # the 2 s pause is in the file: a run of silent frames at least 1.9 s long
    runs = "".join("1" if f else "0" for f in loud)
    assert max(len(r) for r in runs.split("1")) * 0.02 >= 1.9
    assert loud[:10].any() and loud[-10:].any()  # speech at both ends, trimmed


def test_klingon_is_listed_by_espeak_but_refused_at_load(tmp_path: Path) -> None:
    path = tmp_path / "k.toml"
    path.write_text('title = "K"\nlines = ["Hi."]\n\nvoice = "klingon"\n')
    with pytest.raises(ScenarioError, match=r"k.toml:4: 'voice' must be a voice that speaks English, "
                                            r"not 'klingon' \(espeak-ng's Klingon voice, art/piqd\)"):
        load_scenario(path)
    assert "speaks English" in (voice_problem("fr") or "")
    for voice in ("en-us", "gmw/en-GB-scotland", "en-us+f3"):
        assert voice_problem(voice) is None, voice


# --- the suggestion when there is no model answer ---------------------------------------


def _reads_as_a_sentence(text: str) -> None:
    assert re.fullmatch(r"So [a-z].*[a-z0-9]\. That sounds really [a-z]+\.", text), text
    lowered = f" {text.lower()} "
    for wrong in (" hi ", " hello ", " i ", " i'm ", " my ", " me ", "  ", " ,", "..", " please"):
        assert wrong not in lowered, (wrong, text)
    assert "what i'm hearing is that" not in lowered


# of the package's drafts the station's judge passes none without doubt: the best, "So your
# package is about a week late, and you stayed home waiting for it.", is a close call (the
# meaning model 0.41 against the rules' 0.98), so it is said though marked unsure; strict, so a
# model or a draft that passes it is noticed (before the drafts were judged, six of the ten
# suggestions were doubted, all said in impersonal words: "So the package is about a week late")
DOUBTED_SUGGESTION = pytest.mark.xfail(strict=True, reason="the meaning model doubts every draft; the "
                                       "suggestion said passes, marked unsure")
DOUBTED_SUGGESTIONS = ("delayed-package",)


@pytest.mark.parametrize("scenario", [pytest.param(s, marks=DOUBTED_SUGGESTION)
                                      if s.id in DOUBTED_SUGGESTIONS else s for s in LIBRARY],
                         ids=lambda s: s.id)
def test_without_model_answer_the_suggestion_is_built_from_key_points(scenario: Scenario) -> None:
    without = dataclasses.replace(scenario, model_answer="")
    suggestion = example_sentence(without, "paraphrase")
    _reads_as_a_sentence(suggestion)
    assert suggestion in paraphrase_drafts(without)
    # the scenario's own judge passes it, without doubt
    trait = score_paraphrase(suggestion, without)
    assert trait.passed and trait.reliable, (suggestion, trait.details)


@pytest.mark.parametrize("scenario", LIBRARY, ids=lambda s: s.id)
def test_without_model_answer_the_suggestion_is_never_judged_a_fail(scenario: Scenario) -> None:
    without = dataclasses.replace(scenario, model_answer="")
    suggestion = example_sentence(without, "paraphrase")
    trait = score_paraphrase(suggestion, without)
    assert trait.passed or not trait.reliable, (suggestion, trait.details)


@pytest.mark.parametrize("scenario", LIBRARY, ids=lambda s: s.id)
def test_without_key_points_either_the_first_line_is_turned_round(scenario: Scenario) -> None:
    bare = dataclasses.replace(scenario, model_answer="", key_points=())
    _reads_as_a_sentence(example_sentence(bare, "paraphrase"))


@pytest.mark.parametrize(("first", "expected"), [
    ("Hi, you're in room 214...", "So we're in room 214."),
    ("Hi. I ordered a lamp from you.", "So you ordered a lamp from us."),
    ("Hello there, I want to cancel my contract, please.", "So you want to cancel your contract."),
    ("Why has nobody called me? My boiler broke on Monday.", "So your boiler broke on Monday."),
    ("Um, yes, hi. We were charged twice and I was on hold for an hour.",
     "So you were charged twice and you were on hold for an hour."),
])
def test_odd_first_lines_become_sentences(first: str, expected: str) -> None:
    scenario = Scenario(id="odd", title="Odd", lines=(CustomerLine(first), CustomerLine("It is bad.")))
    suggestion = example_sentence(scenario, "paraphrase")
    assert suggestion == f"{expected} That sounds really frustrating."
    _reads_as_a_sentence(suggestion)


def test_key_point_notes_become_clauses_said_to_the_customer() -> None:
    scenario = Scenario(id="kp", title="KP", lines=(CustomerLine("It broke."),), emotions=("worried",),
                        key_points=("no help at the airport", "lost a day's pay waiting in",
                                    "wants a refund", "the pipes kept them awake", "nothing at all"))
    assert paraphrase_drafts(scenario) == (
        "So there was no help at the airport, and you lost a day's pay waiting in. "
        "That sounds really worrying.",
        "So there was no help at the airport, and you want a refund. That sounds really worrying.",
        "So you lost a day's pay waiting in, and you want a refund. That sounds really worrying.",
        "So there was no help at the airport. That sounds really worrying.",
        "So you lost a day's pay waiting in. That sounds really worrying.",
        "So you want a refund. That sounds really worrying.",
        "So it broke. That sounds really worrying.",
    )
    said_as_written = Scenario(id="kp2", title="KP", lines=(CustomerLine("It broke."),),
                               key_points=("flight cancelled at the last minute", "The bags were lost"))
    assert paraphrase_drafts(said_as_written)[:2] == (
        "So your flight cancelled at the last minute, and your bags were lost. "
        "That sounds really frustrating.",
        "So the flight cancelled at the last minute, and the bags were lost. That sounds really frustrating.")


def passes_only(*passing: str, doubted: tuple[str, ...] = ()) -> Callable[[str, Scenario], Trait]:
    """A stand-in for the paraphrase judge that passes exactly the drafts named."""
    def judge(text: str, _: Scenario) -> Trait:
        trait = Trait(text in passing or text in doubted, 1.0, Paraphrase.RESTATED, "")
        return trait.unsure("close call") if text in doubted else trait
    return judge


def test_the_suggestion_is_the_first_draft_the_judge_passes_without_doubt() -> None:
    scenario = Scenario(id="kp", title="KP", lines=(CustomerLine("It broke."),),
                        key_points=("lost a day's pay", "wants a refund", "the engineer never came"))
    drafts = paraphrase_drafts(scenario)
    assert len(drafts) == 7
    assert first_passed(drafts, scenario, passes_only(drafts[3])) == drafts[3]
    assert first_passed(drafts, scenario, passes_only(drafts[4], doubted=(drafts[1],))) == drafts[4]
    assert first_passed(drafts, scenario, passes_only(doubted=(drafts[2], drafts[5]))) == drafts[2]
    assert first_passed(drafts, scenario, passes_only()) == drafts[0]  # none passes: the best still


def test_the_suggestion_is_worked_out_while_the_customer_speaks() -> None:
    from tutor.scoring import prepare_words
    scenario = dataclasses.replace(LIBRARY[0], id="prepared-suggestion", model_answer="")
    prepare_words(scenario)  # what the station runs beside the customer's voice
    before = composed_paraphrase.cache_info()
    suggestion = example_sentence(scenario, "paraphrase")
    after = composed_paraphrase.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)  # nothing judged again
    assert suggestion in paraphrase_drafts(scenario)
