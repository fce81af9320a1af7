"""The list of nouns that name people: written from WordNet, shipped in the package, read as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import people_nouns
from tutor.scoring.moves import _is_person, _wordnet_people

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
