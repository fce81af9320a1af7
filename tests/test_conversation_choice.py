"""Conversations on paper: the scenario format with turns, what `tutor scenarios check` finds
wrong with one, and the choice of the customer's next turn from a reply's judgements.

Pure: TOML text in, turns and sentences out; judgements in, a turn out. The replies that
bring each branch on for real (spoken, recognised, on the simulated station) are in
tests/test_conversation.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tutor.conversation import (
    Progress,
    choose_next,
    conditions_met,
    default_turn,
    summarise,
    turn_scenario,
)
from tutor.errors import ScenarioError
from tutor.scenarios import CustomerTurn, Scenario, ScenarioLibrary, check_scenario_file, load_scenario
from tutor.scenarios.turns import MAX_TURNS, OPENING
from tutor.scoring import score_reply
from tutor.scoring.result import Trait
from tutor.settings import ScoringSettings
from tutor.vocabulary import Condition

Tutor = Callable[..., CompletedProcess[str]]
HEAD = 'title = "A parcel"\nlines = ["My parcel never came."]\n'
GOOD = HEAD + """hidden_need = "a refund before the weekend"

[[turns]]
id = "calmer"
when = "acknowledged"
lines = ["Thanks. It was a present."]

[[turns]]
id = "worse"
when = "no_acknowledgement"
lines = ["You're not listening to me."]

[[turns]]
id = "need"
when = "open_question"
after = ["opening", "calmer", "worse"]
lines = ["I just want my money back before the weekend."]
ends = true
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "parcel.toml"
    path.write_text(text)
    return path


def test_a_conversation_loads_with_its_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, GOOD))
    assert scenario.is_conversation and scenario.hidden_need == "a refund before the weekend"
    calmer, worse, need = scenario.turns
    assert calmer.when is Condition.ACKNOWLEDGED and calmer.after == (OPENING,) and not calmer.ends
    assert need.after == (OPENING, "calmer", "worse") and need.ends
    assert [line.text for line in worse.lines] == ["You're not listening to me."]


def test_a_scenario_without_turns_is_one_turn_as_before(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, HEAD))
    assert not scenario.is_conversation and scenario.turns == () and scenario.hidden_need == ""
    assert choose_next(scenario.turns, Progress(), {Condition.OTHERWISE}) is None


def _turn(text: str) -> str:
    return "\n[[turns]]\n" + text


# each mistake, the line it is reported at (counted in the whole file) and what is said
CHECKS = [
    (_turn('id = "a"\nwhen = "pleased"\nlines = ["Hm."]\n'), 6,
     "turn 1: 'when' must be one of interrupted, dead_air, open_question, acknowledged, "
     "no_acknowledgement, otherwise, not 'pleased'"),
    (_turn('id = "a"\nwhen = "otherwise"\nlines = ["Hm."]\nafter = ["calm"]\n'), 8,
     "turn 1: 'after' names 'calm', which is no turn here; known: opening, a"),
    (_turn('id = "a"\nwhen = "otherwise"\nlines = ["Hm."]\nafter = ["nowhere"]\n')
     + _turn('id = "nowhere"\nwhen = "acknowledged"\nlines = ["Ok."]\nafter = ["a"]\n'), 8,
     "turn 1 ('a') can never be played: none of the turns it follows ('nowhere') is ever reached"),
    (_turn('id = "a"\nwhen = "otherwise"\nlines = ["Hm."]\nends = true\n')
     + _turn('id = "b"\nwhen = "otherwise"\nlines = ["Ok."]\nafter = ["a"]\n'), 14,
     "turn 2 ('b') can never be played: the turns it follows ('a') end the conversation or are "
     "never reached"),
    (_turn('id = "a"\nwhen = "otherwise"\nlines = ["Hm."]\n')
     + _turn('id = "b"\nwhen = "otherwise"\nlines = ["Ok."]\nafter = ["a"]\n')
     + _turn('id = "c"\nwhen = "otherwise"\nlines = ["Ok."]\nafter = ["b"]\n')
     + _turn('id = "d"\nwhen = "otherwise"\nlines = ["Ok."]\nafter = ["c"]\n'), 25,
     f"turn 4 ('d') can never be played: it would be turn 5 or later, and a conversation has at most "
     f"{MAX_TURNS}"),
    (_turn('id = "a"\nwhen = "otherwise"\nlines = ["Hm."]\nafter = ["opening", "b"]\n')
     + _turn('id = "b"\nwhen = "acknowledged"\nlines = ["Ok."]\nafter = ["a"]\n'), 8,
     "turns 'a' -> 'b' -> 'a' go round in a loop: the conversation could only stop at the 4-turn "
     "limit; end one of them (ends = true) or take it out of the loop"),
    (_turn('id = "a"\nwhen = "otherwise"\nlines = ["Hm."]\nafter = ["opening", "a"]\n'), 8,
     "turns 'a' -> 'a' go round in a loop: the conversation could only stop at the 4-turn "
     "limit; end one of them (ends = true) or take it out of the loop"),
    (_turn('id = "a"\nwhen = "acknowledged"\nlines = ["Hm."]\n')
     + _turn('id = "b"\nwhen = "acknowledged"\nlines = ["Ok."]\n'), 11,
     "turn 2 ('b') is never played after 'opening': turn 1 ('a') answers when = \"acknowledged\" "
     "there first"),
    ('hidden_need = "a refund"\n' + _turn('id = "a"\nwhen = "acknowledged"\nlines = ["Hm."]\n'), 3,
     "'hidden_need' is never revealed: add a turn with when = \"open_question\" whose lines say it"),
    (_turn('id = "a"\nwhen = "dead_air"\nlines = ["Hello?"]\n')
     + _turn('id = "b"\nwhen = "otherwise"\nlines = ["Ok."]\nafter = ["a"]\n'), 13,
     "turn 2: 'after' names 'a', a turn with when = \"dead_air\", after which the conversation picks "
     "up where it was: name the turn it follows instead"),
    (_turn('id = "opening"\nwhen = "otherwise"\nlines = ["Hm."]\n'), 5,
     "turn 1: 'opening' is the scenario's own lines; give this turn another id"),
    (_turn('id = "a"\nwhen = "otherwise"\nlines = ["Hm."]\n') + _turn('id = "a"\nwhen = "acknowledged"\n'
                                                                       'lines = ["Ok."]\n'), 10,
     "turn 2: the id 'a' is used by an earlier turn"),
    (_turn('id = "a"\nwhen = "otherwise"\nlines = []\n'), 7,
     "turn 1: needs 'lines': a non-empty array of what the customer says"),
    (_turn('id = "a"\nwhen = "otherwise"\nlines = ["Hm."]\nends = "yes"\n'), 8,
     "turn 1: 'ends' must be true or false, not 'yes'"),
    (_turn('id = "a"\nwhen = "otherwise"\nline = ["Hm."]\n'), 7,
     "turn 1: 'line' is not a turn key; known: after, ends, id, key_points, lines, model_answer, when"),
]


@pytest.mark.parametrize(("extra", "line", "message"), CHECKS, ids=[c[2][:48] for c in CHECKS])
def test_a_mistake_in_the_turns_is_one_line_with_its_place(tmp_path: Path, extra: str, line: int,
                                                           message: str) -> None:
    path = _write(tmp_path, HEAD + extra)
    scenario, problems = check_scenario_file(path)
    assert scenario is None
    assert f"{path}:{line}: {message}" in problems, problems
    with pytest.raises(ScenarioError):
        load_scenario(path)


def test_an_interrupted_turn_of_the_scenario_s_own_is_fine_without_naming_it(tmp_path: Path) -> None:
    own = _turn('id = "finish"\nwhen = "interrupted"\nlines = ["Excuse me, I haven\'t finished."]\n')
    assert check_scenario_file(_write(tmp_path, HEAD + own))[1] == []


def test_scenarios_check_reports_turn_problems_and_passes_the_library(tutor: Tutor, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "loop.toml").write_text(HEAD + CHECKS[5][0])
    (folder / "fine.toml").write_text(GOOD)
    done = tutor("scenarios", "check", str(folder))
    assert done.returncode == 2
    assert f"{folder / 'loop.toml'}:8: turns 'a' -> 'b' -> 'a' go round in a loop" in done.stdout
    assert not any(line.startswith(str(folder / "fine.toml")) for line in done.stdout.splitlines())
    assert tutor("scenarios", "check").returncode == 0  # the library's conversations are all fine
    shown = tutor("scenarios", "show", str(folder / "fine.toml")).stdout
    assert "hidden need (said when an open question draws it out): a refund before the weekend" in shown
    assert "  need: when open_question, after opening, calmer, worse; the customer's last word" in shown
    assert "(answers back)" in tutor("scenarios").stdout


# choosing the next turn -------------------------------------------------------------

BIRTHDAY = ScenarioLibrary(()).get("late-birthday-present")
TURNS = {turn.id: turn for turn in BIRTHDAY.turns}


def _next(met: set[Condition], progress: Progress | None = None) -> str | None:
    turn = choose_next(BIRTHDAY.turns, progress or Progress(), met | {Condition.OTHERWISE})
    return None if turn is None else turn.id


@pytest.mark.parametrize(("met", "chosen"), [
    ({Condition.INTERRUPTED, Condition.OPEN_QUESTION, Condition.ACKNOWLEDGED}, "interrupted"),
    ({Condition.DEAD_AIR, Condition.NO_ACKNOWLEDGEMENT}, "dead_air"),
    ({Condition.OPEN_QUESTION, Condition.ACKNOWLEDGED}, "need"),
    ({Condition.ACKNOWLEDGED}, "calmer"),
    ({Condition.NO_ACKNOWLEDGEMENT}, "escalates"),
    (set(), None),  # only "otherwise", and the opening has no such turn: the conversation ends
])
def test_the_first_condition_in_precedence_with_a_turn_wins(met: set[Condition], chosen: str) -> None:
    assert _next(met) == chosen


def test_repairs_are_the_library_s_unless_the_scenario_has_its_own_and_keep_the_place() -> None:
    interrupted = choose_next(BIRTHDAY.turns, Progress(), {Condition.INTERRUPTED})
    assert interrupted is not None and [line.text for line in interrupted.lines] == ["Sorry, can I finish?"]
    after = Progress().after(interrupted)
    assert after.position == OPENING and after.played == 2  # the repair took a turn, not the place
    assert _next({Condition.ACKNOWLEDGED}, after) == "calmer"
    own = dataclasses.replace(TURNS["calmer"], id="finish", when=Condition.INTERRUPTED,
                              lines=interrupted.lines[:0] + TURNS["escalates"].lines[:1])
    chosen = choose_next((*BIRTHDAY.turns, own), Progress(), {Condition.INTERRUPTED})
    assert chosen is own


def test_silence_after_are_you_still_there_ends_it_and_so_does_the_turn_limit() -> None:
    hello = choose_next(BIRTHDAY.turns, Progress(), {Condition.DEAD_AIR})
    assert hello is not None and hello.when is Condition.DEAD_AIR
    assert choose_next(BIRTHDAY.turns, Progress().after(hello), {Condition.DEAD_AIR}) is None
    late = Progress(position="calmer", answering=TURNS["calmer"], played=MAX_TURNS)
    assert choose_next(BIRTHDAY.turns, late, {Condition.OPEN_QUESTION}) is None
    need = Progress(position="need", answering=TURNS["need"], played=2)
    assert _next(set(), need) == "settled"  # any reply to the need brings the customer's last word
    assert choose_next(BIRTHDAY.turns, need.after(TURNS["settled"]), {Condition.OTHERWISE}) is None


def _card(reply: str, turn: CustomerTurn | None = None) -> object:
    return score_reply(reply, turn_scenario(BIRTHDAY, turn), ScoringSettings())


@pytest.mark.parametrize(("reply", "met"), [
    ("So the present came after her birthday even though you paid for express, and nobody warned you. "
     "That must be so disappointing.", {Condition.ACKNOWLEDGED}),
    ("Our couriers are very busy at this time of year.", {Condition.NO_ACKNOWLEDGEMENT}),
    ("That sounds really upsetting. What would help put this right for you?",
     {Condition.OPEN_QUESTION}),
])
def test_what_a_typed_reply_meets(reply: str, met: set[Condition]) -> None:
    assert conditions_met(_card(reply)) == frozenset(met | {Condition.OTHERWISE})  # type: ignore[arg-type]


def test_an_unsure_judgement_meets_nothing_and_a_cut_off_reply_is_an_interruption() -> None:
    card = _card("Our couriers are very busy at this time of year.")
    unsure = dataclasses.replace(card, empathy=card.empathy.unsure("too noisy"))  # type: ignore[attr-defined]
    assert conditions_met(unsure) == {Condition.OTHERWISE}
    assert Condition.INTERRUPTED in conditions_met(None, cut_off=True)
    silent = dataclasses.replace(card, pause=Trait(False, 0.0, "no_reply", "No reply was heard."))  # type: ignore[attr-defined]
    assert conditions_met(silent) == {Condition.DEAD_AIR, Condition.OTHERWISE}


def test_a_later_reply_is_judged_against_that_turn_and_the_need_against_the_hidden_need() -> None:
    need = turn_scenario(BIRTHDAY, TURNS["need"])
    assert need.key_points == (BIRTHDAY.hidden_need,) and need.lines == TURNS["need"].lines
    assert need.emotions == BIRTHDAY.emotions
    repaired = choose_next(BIRTHDAY.turns, Progress(), {Condition.DEAD_AIR})
    assert turn_scenario(BIRTHDAY, repaired, TURNS["calmer"]).lines == TURNS["calmer"].lines
    assert turn_scenario(BIRTHDAY, repaired) == BIRTHDAY


# the bundled sample reply as the recogniser hears it: it restates the opening, not the need
SAMPLE_REPLY_HEARD = ("says the gift you chose didn't get there until after her birthday even though "
                      "you'd pay for the fast shipping that must have been really disappointing what would "
                      "help now")


@pytest.mark.parametrize(("reply", "turn", "restates"), [
    (SAMPLE_REPLY_HEARD, None, True),  # to the opening, it restates
    (SAMPLE_REPLY_HEARD, "need", False),  # to the need: "get there" and "birthday" are the opening's
    ("so you need the new present there before her party on saturday", "need", True),
    ("so the replacement has to reach her in time for saturday's party", "need", True),
    ("so it came after her birthday even though you paid for express", "need", False),
])
def test_the_need_turn_is_restated_only_by_the_need(reply: str, turn: str | None, restates: bool) -> None:
    scenario = turn_scenario(BIRTHDAY, TURNS[turn] if turn else None)
    trait = score_reply(reply, scenario, ScoringSettings()).paraphrase
    assert trait is not None and trait.passed is restates, trait
    if not restates:
        assert trait.reliable, trait  # saying the opening again is clearly no restatement of the need


@pytest.mark.parametrize(("played", "calmed", "need"), [
    ([None], False, False),
    ([None, "calmer", "need", "settled"], True, True),
    ([None, "need", "settled"], True, True),
    ([None, "calmer", "escalates"], False, False),
    ([None, "escalates", "calmer"], True, False),
    ([None, "need", "dead_air"], False, True),
])
def test_the_summary_says_whether_the_customer_calmed_and_the_need_was_reached(
        played: list[str | None], calmed: bool, need: bool) -> None:
    turns = [None if name is None else TURNS.get(name) or default_turn(Condition(name), OPENING)
             for name in played]
    summary = summarise(BIRTHDAY, turns)
    assert summary.to_json() == {"turns": len(played), "calmed": calmed, "need_reached": need}
    plain = Scenario(id="x", title="x", lines=BIRTHDAY.lines)
    assert summarise(plain, [None]).to_json() == {"turns": 1, "calmed": None, "need_reached": None}
