"""Would a fitted decision over the reading's features beat the rules? Cross-validated on dev only.

    .venv/bin/python -m benchmarks.train_paraphrase [--write]

The paraphrase verdict is a rule over a :class:`tutor.scoring.restating.Reading`.
This fits an L2-regularised logistic regression over the same reading's
:data:`~tutor.scoring.restating.FEATURES` on the development split (the 127
replies written alongside the scorer and ``data/dev``), and compares it with
the rules by 5-fold cross-validation grouped by scenario: every fold's
scenarios are unseen by the model fitted for it, as the held-out complaints
will be. Deterministic (fixed folds, Newton steps from zero), plain numpy.
``--write`` saves the weights as ``tutor/scoring/paraphrase_model.py``; that
is worth doing only when the cross-validated figure beats the rules clearly.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

from benchmarks.words import load_replies
from tutor.scoring.paraphrase import Paraphrase, rule_verdict
from tutor.scoring.restating import FEATURES, features, read_reply

FOLDS = 5
L2 = 1.0
MODEL = Path(__file__).parent.parent / "tutor" / "scoring" / "paraphrase_model.py"


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method; the bias (last column) is not penalised."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    penalty = np.eye(xb.shape[1]) * l2
    penalty[-1, -1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        gradient = xb.T @ (p - y) + penalty @ w
        hessian = xb.T @ (xb * (p * (1 - p))[:, None]) + penalty
        w -= np.linalg.solve(hessian, gradient)
    return w


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    scores: np.ndarray = np.hstack([x, np.ones((len(x), 1))]) @ w
    return scores > 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="save the weights fitted on all of dev")
    args = parser.parse_args()
    replies = load_replies(("base", "dev"))
    for spoken_like in (False, True):
        texts = [re.sub(r"[^\w\s']", " ", r.text.lower()) if spoken_like else r.text for r in replies]
        readings = [read_reply(t, r.scenario) for t, r in zip(texts, replies, strict=True)]
        x = np.array([features(reading) for reading in readings])
        y = np.array([r.labels["paraphrase"] for r in replies], dtype=float)
        rules = np.array([rule_verdict(reading) is Paraphrase.RESTATED for reading in readings])
        scenarios = sorted({r.scenario.id for r in replies})
        fold_of = {s: i % FOLDS for i, s in enumerate(scenarios)}
        folds = np.array([fold_of[r.scenario.id] for r in replies])
        model = np.zeros(len(replies), dtype=bool)
        for fold in range(FOLDS):
            train, test = folds != fold, folds == fold
            model[test] = predict(fit(x[train], y[train]), x[test])
        dev = np.array([r.source == "dev" for r in replies])
        label = "unpunctuated, lower case" if spoken_like else "typed"
        print(f"{label}: rules {np.mean(rules == y):.1%} (dev part {np.mean((rules == y)[dev]):.1%}); "
              f"classifier, {FOLDS}-fold by scenario, {np.mean(model == y):.1%} "
              f"(dev part {np.mean((model == y)[dev]):.1%})")
    w = fit(x, y)
    for name, weight in zip((*FEATURES, "bias"), w, strict=True):
        print(f"  {name:<20} {weight:+.2f}")
    if args.write:
        rows = "\n".join(f"    ({name!r}, {float(weight)!r}),"
                          for name, weight in zip((*FEATURES, "bias"), w.round(4), strict=True))
        MODEL.write_text(
            '"""Weights of the paraphrase decision: a logistic regression over restating.FEATURES.\n\n'
            "Written by ``python -m benchmarks.train_paraphrase --write`` from the development\n"
            "split only; do not edit by hand. Shipped as a module so no package data is needed.\n"
            '"""\n\nfrom typing import Final\n\n'
            f"WEIGHTS: Final[tuple[tuple[str, float], ...]] = (\n{rows}\n)\n")
        print(f"wrote {MODEL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
