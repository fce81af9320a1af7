"""The labelled replies the word judgements are measured on load, and a second trainer's labels
line up with the replies they judge (benchmarks.labellers refuses a file that does not)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import labellers, words
from benchmarks.words import CLOSE_TO_DEVELOPMENT, DEVELOPMENT, HABITS, HELD_OUT, SPLITS, load_replies

ROOT = Path(__file__).resolve().parent.parent
WITH_SECOND = tuple(f"heldout{n}" for n in range(9, 59))


def test_every_set_loads_with_its_scenarios() -> None:
    for source in SPLITS["all"]:
        replies = load_replies([source])
        assert replies, source
        assert all(r.text.strip() and r.scenario.lines for r in replies), source


@pytest.mark.parametrize("split", HELD_OUT[-10:])
def test_newest_held_out_sets_are_two_hundred_over_twenty_complaints(split: str) -> None:
    replies = load_replies([split])
    assert len(replies) == 200
    assert len({r.scenario.id for r in replies}) == 20


def test_the_complaints_close_to_development_ones_are_held_out_complaints() -> None:
    held_out = {r.scenario.id for r in load_replies(HELD_OUT)}
    development = {r.scenario.id for r in load_replies(DEVELOPMENT)}
    assert CLOSE_TO_DEVELOPMENT.issubset(held_out - development)


@pytest.mark.parametrize("split", WITH_SECOND)
def test_second_labels_line_up_with_the_replies(split: str) -> None:
    texts = [r.text for r in load_replies([split])]
    labels = labellers.second_labels(split, texts)
    assert len(labels) == len(texts)
    assert all(set(label) == set(HABITS) for label in labels)


def test_second_labels_for_other_replies_are_refused() -> None:
    texts = [r.text for r in load_replies(["heldout9"])]
    with pytest.raises(labellers.LabelFileError, match="label 2 is for another reply"):
        labellers.second_labels("heldout9", [texts[0], "something else entirely", *texts[2:]])
    with pytest.raises(labellers.LabelFileError, match="200 labels for 199 replies"):
        labellers.second_labels("heldout9", texts[:199])


def test_labellers_says_which_split_lacks_second_labels_in_one_line() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.labellers", "--split", "heldout2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: no second trainer's labels for heldout2"


def test_labellers_can_leave_the_station_out(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # a set kept for a later release's test has its second labels checked without the station
    def station_must_not_run(*_: object) -> None:
        raise AssertionError("the station was run")

    monkeypatch.setattr(labellers, "score_reply", station_must_not_run)
    monkeypatch.setattr(sys, "argv", ["labellers", "--split", "heldout9", "--trainers-only"])
    assert labellers.main() == 0
    out = capsys.readouterr().out
    assert "(the station not run)" in out and "station with" not in out
    assert re.search(r"paraphrase +trainers agree \d+/200 = ", out)


KEPT_HEARD = tuple(f"heldout{n}" for n in range(47, 59))


@pytest.mark.parametrize("split", KEPT_HEARD)
def test_the_kept_transcripts_cover_their_sets_as_written_now(split: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # a reply edited after it was heard would be heard afresh, by another key: the kept file
    # must follow its sets, or a fresh machine spends an hour hearing them again
    monkeypatch.setattr(words, "TRANSCRIPTS", tmp_path / "no-cache.json")
    hearing = words.Hearing()
    replies = load_replies([split])
    missing = [(r.text, voice) for r in replies for voice in words.VOICES
               if hearing.cached(r.text, voice) is None]
    assert not missing


def test_hearing_a_kept_set_again_hears_nothing_and_prints_no_figures(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    kept = tmp_path / "kept.json"
    kept.write_bytes(words.KEPT_TRANSCRIPTS.read_bytes())
    monkeypatch.setattr(words, "KEPT_TRANSCRIPTS", kept)
    monkeypatch.setattr(words, "TRANSCRIPTS", tmp_path / "cache.json")
    before = json.loads(kept.read_text())

    heard_now = words.hear_and_keep(load_replies(["heldout49"]))

    assert heard_now == 0  # festival never ran: every transcript came from the kept file
    assert json.loads(kept.read_text()) == before
    out = capsys.readouterr().out
    assert out.startswith("400 transcripts kept in ")
    assert "%" not in out and "paraphrase" not in out  # a set heard before its test stays unmeasured


def test_two_hearing_runs_at_once_keep_each_others_transcripts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = tmp_path / "kept.json"
    kept.write_bytes(words.KEPT_TRANSCRIPTS.read_bytes())
    monkeypatch.setattr(words, "KEPT_TRANSCRIPTS", kept)
    monkeypatch.setattr(words, "TRANSCRIPTS", tmp_path / "cache.json")
    cached = words.Hearing.cached

    def another_run_keeps_one_meanwhile(self: words.Hearing, text: str, voice: str) -> str | None:
        ours = json.loads(kept.read_text())
        ours["pocketsphinx:another-run"] = "kept by the other run"
        kept.write_text(json.dumps(ours))
        return cached(self, text, voice)

    monkeypatch.setattr(words.Hearing, "cached", another_run_keeps_one_meanwhile)

    assert words.hear_and_keep(load_replies(["heldout49"])[:2]) == 0

    assert json.loads(kept.read_text())["pocketsphinx:another-run"] == "kept by the other run"
