from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tutor.errors import ScenarioError, UnknownScenarioError
from tutor.scenarios import LIBRARY_DIR, ScenarioLibrary, check_scenario_file, load_scenario

DATA = Path(__file__).parent / "data"


def test_library_has_varied_scenarios_with_mid_complaint_pauses() -> None:
    scenarios = list(ScenarioLibrary())
    assert len(scenarios) >= 8
    assert sum(s.has_mid_pause for s in scenarios) >= 3
    assert len({s.setting for s in scenarios}) >= 5
    for scenario in scenarios:
        assert scenario.lines and all(line.text for line in scenario.lines)
        assert scenario.key_points, scenario.id


def test_minimal_scenario_needs_only_title_and_lines(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text('title = "Tiny"\nlines = ["It broke.", "Fix it."]\n')
    scenario = load_scenario(path)
    assert scenario.id == "tiny"
    assert [line.text for line in scenario.lines] == ["It broke.", "Fix it."]
    assert not scenario.has_mid_pause


@pytest.mark.parametrize(("text", "message"), [
    ('lines = ["a"]\n', "missing required key 'title'"),
    ('title = "T"\n\nlines = "just one string"\n', r":3: 'lines' must be a non-empty array"),
    ('title = "T"\nlines = [\n  "ok",\n  42,\n]\n', r":2: 'lines' item 2 must be a string"),
    ('title = "T"\nlines = ["a"]\ndificulty = "easy"\n', r":3: 'dificulty' is not a scenario key"),
    ('title = "T"\nlines = ["a"]\npause_after = -1\n', r":3: 'pause_after' must be seconds"),
    ('title = "T"\nlines = [{ text = "a", pause = 2 }]\n', "item 1 has unknown key 'pause'"),
    ('title = "T"\nlines = ["a"]\ntitle = "again"\n', r"not valid TOML: .*line 3"),
])
def test_malformed_scenarios_name_key_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=message):
        load_scenario(path)


def test_unknown_id_suggests_close_ones() -> None:
    library = ScenarioLibrary()
    first = library.ids()[0]
    with pytest.raises(UnknownScenarioError, match=f"did you mean .*{first}"):
        library.get(first[:-2] + "zz")


def test_extra_folder_and_path_resolution(tmp_path: Path) -> None:
    (tmp_path / "own.toml").write_text('title = "Own"\nlines = ["Hello."]\n')
    library = ScenarioLibrary((tmp_path,))
    assert library.get("own").title == "Own"
    assert library.resolve(str(DATA / "short-complaint.toml")).has_mid_pause
    with pytest.raises(ScenarioError, match="does not exist"):
        library.resolve(str(tmp_path / "nope.toml"))


def test_every_problem_in_a_file_is_found_not_only_the_first(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('title = 3\nlines = [\n  "",\n  "ok",\n  { text = "x", pause = 1 },\n]\n'
                    'difficulty = "brutal"\nemotions = "angry"\n')
    scenario, problems = check_scenario_file(path)
    assert scenario is None
    assert problems == [
        f"{path}:1: 'title' must be a string, not int",
        f"{path}:2: 'lines' item 1 is empty",
        f"{path}:2: 'lines' item 3 has unknown key 'pause'; known: audio, pause_after, text",
        f"{path}:7: 'difficulty' must be one of easy, medium, hard, not 'brutal'",
        f"{path}:8: 'emotions' must be an array of strings",
    ]
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    assert str(raised.value) == problems[0]


def test_a_trainer_file_with_a_library_id_is_logged_once(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "delayed-package.toml").write_text('title = "Mine"\nlines = ["Hello."]\n')
    library = ScenarioLibrary((tmp_path,))
    with caplog.at_level(logging.WARNING, logger="tutor.scenarios"):
        assert library.get("delayed-package").path == LIBRARY_DIR / "delayed-package.toml"
        library.ids()
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [f"{tmp_path / 'delayed-package.toml'}: the id 'delayed-package' is also "
                        f"{LIBRARY_DIR / 'delayed-package.toml'}, and the built-in library's file wins; "
                        "rename yours (e.g. delayed-package-own.toml) to practise it"]
    assert library.shadowed() == [(tmp_path / "delayed-package.toml", LIBRARY_DIR / "delayed-package.toml")]
