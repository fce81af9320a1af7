"""The list of nouns that name people: written from WordNet, shipped in the package, read as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import people_nouns
from tutor.errors import ModelError
from tutor.scoring.moves import _is_person, _wordnet_people, load_people_nouns

WORDNET_INSTALLED = (Path("/usr/share/wordnet") / "index.noun").is_file()


@pytest.mark.skipif(not WORDNET_INSTALLED, reason="Debian's wordnet-base is not installed")
def test_the_shipped_list_is_what_wordnet_gives() -> None:
    # `scripts/setup.sh --test` installs wordnet-base, so this runs in CI: a hand edit of the
    # file, or a change of the rules that wrote it, shows here
    assert people_nouns.main(["--check"]) == 0


def test_the_list_is_read_from_the_installed_package() -> None:
    people = _wordnet_people()
    assert people is _wordnet_people()  # read once per process
    assert {"volunteers", "drummer", "chiropodist", "children", "bridesmaids"} <= people
    # words that are adjectives more often, and words that are not people, stay out
    assert not {"general", "local", "that", "have", "day", "week", "situation"} & people


@pytest.mark.parametrize(("word", "before", "person"), [
    ("sponsors", "your", True),
    ("mum", "your", True),
    ("one", "little", True),
    ("ones", "young", True),
    ("youngest", "your", True),
    ("one", "this", False),
    ("youngest", "", False),
    ("delivery", "the", False),
])
def test_who_counts_as_someone_else(word: str, before: str, person: bool) -> None:
    assert _is_person(word, before) == person


def test_the_check_fails_on_a_changed_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not WORDNET_INSTALLED:
        pytest.skip("Debian's wordnet-base is not installed")
    edited = tmp_path / "people.txt"
    edited.write_text(people_nouns.OUTPUT.read_text(encoding="utf-8").replace("\ndrummer\n", "\n"),
                      encoding="utf-8")
    monkeypatch.setattr(people_nouns, "OUTPUT", edited)
    assert people_nouns.main(["--check"]) == 1


def test_without_wordnet_it_says_so_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setattr(people_nouns, "WORDNET", tmp_path)
    assert people_nouns.main([]) == 2
    expected = f"error: WordNet not found at {tmp_path}; install Debian's wordnet-base"
    assert capsys.readouterr().err.strip() == expected


@pytest.mark.parametrize("damage", ["missing", "empty", "binary", "not words", "too large"])
def test_a_damaged_list_is_one_clear_error(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "people.txt"
    if damage == "empty":
        path.write_text("# header only\n", encoding="utf-8")
    elif damage == "binary":
        path.write_bytes(b"\xff\xfe\x00garbage")
    elif damage == "not words":
        path.write_text("drummer\n<html>\n", encoding="utf-8")
    elif damage == "too large":
        with path.open("wb") as stream:  # sparse: no disk is used
            stream.truncate(50_000_000)
    with pytest.raises(ModelError) as caught:
        load_people_nouns(path)
    message = str(caught.value)
    assert "\n" not in message and "people nouns" in message and "reinstall" in message


def test_the_shipped_list_loads_by_the_same_checks() -> None:
    assert load_people_nouns(people_nouns.OUTPUT) == _wordnet_people()


def test_the_doctor_names_a_missing_list_with_its_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor import doctor
    from tutor.scoring import moves

    monkeypatch.setattr(moves, "PEOPLE_FILE", "people-gone.txt")  # as an install that lost the file
    _wordnet_people.cache_clear()
    try:
        check = doctor._meaning_model()
    finally:
        monkeypatch.undo()
        _wordnet_people.cache_clear()
    assert not check.ok and "people nouns" in check.detail and "people-gone.txt" in check.detail
    assert "reinstall" in check.fix
