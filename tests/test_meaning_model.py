"""The paraphrase meaning model: shipped in the package, the same numbers everywhere, damage in one line."""

from __future__ import annotations

import os
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tutor.errors import ModelError
from tutor.scenarios import ScenarioLibrary
from tutor.scoring.meaning import PREPARED_COMPLAINTS, customer_words, load_meaning_model, meaning_model
from tutor.scoring.paraphrase import MEANING_WEIGHT, score_paraphrase

LAPTOP = ScenarioLibrary(()).get("laptop-repair-still-broken")
RESTATES = "so you paid for a repair and the laptop still won't start"
OFFERS = "I can book you in for another repair on Monday"
# computed once with the model as shipped (numpy, this package's file); a change of weights,
# tokenizer or forward pass moves them
REFERENCE = {RESTATES: 0.980266, OFFERS: 0.002749}


def test_it_loads_from_the_installed_package_and_reproduces_its_reference_values() -> None:
    model = meaning_model()
    assert model is meaning_model()  # loaded once per process
    for reply, expected in REFERENCE.items():
        assert model.probability(customer_words(LAPTOP), reply) == pytest.approx(expected, abs=1e-4)


def test_it_tells_a_restatement_from_an_offer_on_the_same_complaint() -> None:
    model = meaning_model()
    customer = customer_words(LAPTOP)
    restates, offers = model.probability(customer, RESTATES), model.probability(customer, OFFERS)
    assert restates > 0.5 > offers and restates - offers > 0.5


def test_a_complaint_read_ahead_gives_the_same_numbers_as_one_read_with_the_reply() -> None:
    model = meaning_model()
    customer = customer_words(LAPTOP)
    model.forget()
    cold = model.probability(customer, OFFERS)  # reads the complaint as it goes
    assert model.is_prepared(customer)
    model.forget()
    assert not model.is_prepared(customer)
    model.prepare(customer)
    assert model.is_prepared(customer)
    assert model.probability(customer, OFFERS) == cold


def test_only_the_last_few_complaints_are_kept() -> None:
    model = meaning_model()
    model.forget()
    complaints = [f"My order number {n} never arrived and nobody answers."
                  for n in range(PREPARED_COMPLAINTS + 2)]
    for complaint in complaints:
        model.prepare(complaint)
    assert [model.is_prepared(c) for c in complaints] == [False, False] + [True] * PREPARED_COMPLAINTS
    model.forget()


def test_the_verdict_weighs_both_probabilities_and_shows_them() -> None:
    # a terse restatement the rules and the model are not equally sure of
    trait = score_paraphrase("So it's broken again after the repair.", LAPTOP)
    details = trait.details
    assert details["rules_probability"] != details["meaning_probability"]  # or the weights are not seen
    assert details["restating_probability"] == pytest.approx(
        (1 - MEANING_WEIGHT) * details["rules_probability"] + MEANING_WEIGHT * details["meaning_probability"],
        abs=0.011)
    assert trait.passed == (details["restating_probability"] >= 0.5)


def test_judging_a_reply_holds_no_widened_matrix_whole() -> None:
    """Each int8 matrix is widened a block at a time into one kept buffer: a whole one would be a
    0.6-2.4 MB array, which the service's allocator setting maps and faults in afresh each time
    (three times the reply's cost here). numpy reports its arrays to tracemalloc."""
    model = meaning_model()
    customer = customer_words(LAPTOP)
    model.prepare(customer)
    tracemalloc.start()
    try:
        model.probability(customer, RESTATES + " and you have been without it for three weeks now")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_500_000  # the blocks, the feed-forward's 135 KB, attention; 3.1 MB widened whole


def test_a_very_long_reply_is_cut_to_the_model_length_not_refused() -> None:
    model = meaning_model()
    long_reply = " ".join([RESTATES] * 200)
    chance = model.probability(customer_words(LAPTOP), long_reply)
    assert 0.0 <= chance <= 1.0


def _shipped() -> Path:
    from importlib import resources

    with resources.as_file(resources.files("tutor.scoring") / "data" / "meaning.npz") as path:
        return Path(path)


@pytest.mark.parametrize("damage", ["missing", "empty", "not a zip", "cut short", "array missing",
                                    "layer missing", "wrong shape", "older layout", "too large"])
def test_a_damaged_file_is_one_clear_error(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "meaning.npz"
    shipped = _shipped().read_bytes()
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "not a zip":
        path.write_text("weights\n")
    elif damage == "cut short":
        path.write_bytes(shipped[: len(shipped) // 2])
    elif damage in ("array missing", "layer missing", "wrong shape", "older layout"):
        gone = {"array missing": "meta", "layer missing": "encoder.layer.5.output.dense.bias"}.get(damage)
        with np.load(_shipped()) as archive:
            kept = {name: archive[name] for name in archive.files if name != gone}
        if damage == "wrong shape":
            kept["classifier.bias"] = np.zeros(3, dtype=np.float32)
            kept["pooler.dense.bias"] = np.zeros(7, dtype=np.float32)
        elif damage == "older layout":  # one budget for the pair, before each side had its own
            kept["meta"] = kept["meta"][:3]
        np.savez(path, **kept)
    elif damage == "too large":
        with path.open("wb") as stream:  # sparse: no disk is used
            stream.truncate(300_000_000)
    with pytest.raises(ModelError) as caught:
        load_meaning_model(path)
    message = str(caught.value)
    assert "\n" not in message and "meaning model" in message and "reinstall" in message


def test_the_shipped_file_is_a_plain_numpy_archive_without_pickles() -> None:
    with zipfile.ZipFile(_shipped()) as archive:
        names = archive.namelist()
    assert "meta.npy" in names and "tokenizer.npy" in names
    assert os.path.getsize(_shipped()) < 40_000_000
    with np.load(_shipped(), allow_pickle=False) as arrays:  # an object array would raise here
        assert all(arrays[name].dtype != object for name in arrays.files)
