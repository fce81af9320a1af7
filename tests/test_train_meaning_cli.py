"""The meaning model's training command refuses what it cannot train on in one line, before any
training library is needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_training_on_an_unknown_author_is_refused_in_one_line() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.train_meaning", "--train-on", "dev16,dev99"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == "error: --train-on names no split or author: dev99"


def test_training_says_how_many_heard_forms_it_has(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # a model trained with fewer heard forms than the one it replaces hears worse, so the count
    # of transcripts found, and which authors lack them, is printed before training
    import benchmarks.words as words
    from benchmarks.train_meaning import pairs

    replies = words.load_replies(["base"])[:3]
    monkeypatch.setattr(words, "TRANSCRIPTS", tmp_path / "transcripts.json")
    monkeypatch.setattr(words, "KEPT_TRANSCRIPTS", tmp_path / "kept.json")
    hearing = words.Hearing()
    hearing.cache[hearing._key(replies[0].text, "slt")] = "so the gift came late"
    hearing.save()

    made = pairs(replies, heard=True)

    assert "so the gift came late" in {text for _customer, text, _label in made}
    assert len(made) == 3 * 2 + 1  # typed and unpunctuated of each, and the one transcript
    assert capsys.readouterr().out.strip() == ("heard forms: 1 of 6 cached; not yet heard "
                                               "(benchmarks.words --spoken caches them): base 5")


NEEDS_A_STORED_MODEL = ("error: --keep-layers, --ffn-width and --distil need --start-from "
                        "(the model they come from)")


@pytest.mark.parametrize(("arguments", "message"), [
    (["--measure", "heldout41,heldout99"], "error: --measure names no split or author: heldout99"),
    (["--exclude", "dev16,heldout3"], "error: --exclude names no development author: heldout3"),
    (["--train-on", "heldout38", "--measure", "heldout38,dev28"],
     "error: trained on and measured: heldout38"),
    (["--load", "no-such-model.npz", "--measure", "dev28"],
     "error: cannot read a model from no-such-model.npz"),
    (["--load", "pyproject.toml", "--measure", "dev28"],
     "error: cannot read a model from pyproject.toml"),
    (["--keep-layers", "0,2,3,5", "--train-on", "dev28"],
     NEEDS_A_STORED_MODEL),
    (["--distil", "0.5", "--train-on", "dev28"],
     NEEDS_A_STORED_MODEL),
    (["--start-from", "tutor/scoring/data/meaning.npz", "--keep-layers", "0,two"],
     "error: --keep-layers takes layer numbers by comma, not '0,two'"),
    (["--start-from", "tutor/scoring/data/meaning.npz", "--distil", "1.5"],
     "error: --distil is a share from 0 to 1, not 1.5"),
    (["--ffn-width", "768", "--train-on", "dev28"],
     NEEDS_A_STORED_MODEL),
    (["--start-from", "tutor/scoring/data/meaning.npz", "--ffn-width", "-5"],
     "error: --ffn-width is a number of units, not -5"),
])
def test_what_cannot_be_trained_or_measured_is_refused(arguments: list[str], message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.train_meaning", *arguments],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().startswith(message)
    assert len(done.stderr.strip().splitlines()) == 1


def test_an_author_left_out_of_training_may_be_measured() -> None:
    from benchmarks.train_meaning import authors_of, trained_and_measured
    from benchmarks.words import SPLITS

    development = authors_of(["dev"])
    assert development == list(SPLITS["dev"])
    assert trained_and_measured(development, ["dev28", "heldout39"], {"dev28"}) == []
    assert trained_and_measured(development, ["dev28", "dev29"], {"dev28"}) == ["dev29"]


def test_kept_layers_make_a_smaller_model_the_station_can_run() -> None:
    import numpy as np

    from benchmarks.train_meaning import kept_layers, stored_arrays
    from tutor.scoring.meaning import MeaningModel

    shipped = stored_arrays(ROOT / "tutor" / "scoring" / "data" / "meaning.npz")
    layers = int(shipped["meta"][0])
    customer, reply = "My parcel never came and nobody calls me back.", "So it still hasn't arrived."

    every = MeaningModel(kept_layers(shipped, range(layers)))
    assert every.probability(customer, reply) == MeaningModel(shipped).probability(customer, reply)
    fewer = kept_layers(shipped, [0, layers - 1])
    assert int(fewer["meta"][0]) == 2
    assert not any(name.startswith("encoder.layer.2.") for name in fewer)
    assert np.array_equal(fewer["encoder.layer.1.output.dense.bias"],
                          shipped[f"encoder.layer.{layers - 1}.output.dense.bias"])
    assert 0.0 <= MeaningModel(fewer).probability(customer, reply) <= 1.0


def test_narrowed_feed_forward_keeps_the_units_asked_and_the_station_runs_it() -> None:
    import numpy as np

    from benchmarks.train_meaning import narrowed_feed_forward, stored_arrays
    from tutor.scoring.meaning import MeaningModel

    shipped = stored_arrays(ROOT / "tutor" / "scoring" / "data" / "meaning.npz")
    layers = int(shipped["meta"][0])
    units = shipped["encoder.layer.0.intermediate.dense.bias"].shape[0]
    customer, reply = "My parcel never came and nobody calls me back.", "So it still hasn't arrived."

    full = MeaningModel(shipped).probability(customer, reply)
    every = MeaningModel(narrowed_feed_forward(shipped, [range(units)] * layers))
    assert every.probability(customer, reply) == pytest.approx(full, abs=1e-6)
    kept = [[0, 5, units - 1]] + [list(range(units))] * (layers - 1)
    fewer = narrowed_feed_forward(shipped, kept)
    widen, narrow = "encoder.layer.0.intermediate.dense.", "encoder.layer.0.output.dense."
    assert fewer[widen + "weight.q"].shape[0] == 3
    assert np.array_equal(fewer[widen + "weight.q"][2], shipped[widen + "weight.q"][units - 1])
    assert np.array_equal(fewer[widen + "bias"], shipped[widen + "bias"][[0, 5, units - 1]])
    assert np.array_equal(fewer[narrow + "weight.q"][:, 1], shipped[narrow + "weight.q"][:, 5])
    assert np.array_equal(fewer[narrow + "weight.scale"], shipped[narrow + "weight.scale"])
    assert fewer["encoder.layer.1.output.dense.weight.q"].shape[1] == units
    narrowed = MeaningModel(fewer).probability(customer, reply)
    assert 0.0 <= narrowed <= 1.0
    assert narrowed != full


def test_a_narrowed_model_is_trained_on_at_its_own_width() -> None:
    from benchmarks.train_meaning import FULL_WIDTH, narrowed_feed_forward, narrower_width, stored_arrays

    shipped = stored_arrays(ROOT / "tutor" / "scoring" / "data" / "meaning.npz")
    layers = int(shipped["meta"][0])
    assert narrower_width(shipped) == 768  # the shipped model keeps half of each layer's units
    assert narrower_width(narrowed_feed_forward(shipped, [range(100)] * layers)) == 100
    full = {"encoder.layer.0.intermediate.dense.bias": np.zeros(FULL_WIDTH, dtype=np.float32)}
    assert narrower_width(full) is None


def test_distilled_labels_move_toward_the_teacher_by_the_share_asked() -> None:
    from benchmarks.train_meaning import distilled
    from tutor.scoring.meaning import meaning_model

    teacher = meaning_model()
    customer = "My parcel never came and nobody calls me back."
    examples = [(customer, "So it still hasn't arrived.", 1.0), (customer, "Parcels are often late.", 0.0)]

    moved = distilled(examples, teacher, 0.25)

    for (said, text, label), (_, _, target) in zip(examples, moved, strict=True):
        assert target == pytest.approx(0.25 * teacher.probability(said, text) + 0.75 * label)
    assert [text for _, text, _ in moved] == [text for _, text, _ in examples]
