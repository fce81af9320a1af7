"""Does a fitted decision over the reading's features generalise to a new author? Measured by author.

    .venv/bin/python -m benchmarks.train_paraphrase [--search] [--write] [--spoken]

The paraphrase verdict is a logistic regression over a few of the
:data:`~tutor.scoring.restating.FEATURES` of a
:class:`tutor.scoring.restating.Reading`, with the rules
(:func:`tutor.scoring.paraphrase.rule_verdict`) as the baseline it must beat. The
station's decision is the mean of this probability and the meaning model's
(:func:`tutor.scoring.paraphrase.restating_decision`, :mod:`benchmarks.train_meaning`);
the figures here are the rules' part alone.

Why by author: the held-out replies are written by someone else, over
complaints the scorer has never seen. Folds by scenario alone let the model
learn one author's phrasing and still look good (about 94% cross-validated
against 89% held out). Each development source is one author
(``replies.toml``, ``dev/`` to ``dev11/``), so the honest proxy is: fit on the
other authors, test on one, and pool the tested replies. Leave-one-scenario-out
is printed too, as a second, optimistic view. Only the fitted weights are
cross-validated: the rules that compute the features were written while
reading all the development sources, so the figures here are an upper estimate of a
new author's, less optimistic than folds by scenario.

The model decides only what the rules leave open: a reply that explains the
problem away, or in a later turn only says back what the customer said before, fails before
it is consulted (:func:`tutor.scoring.paraphrase.judge`), so such replies are left out of
fitting and fail in the cross-validation too. The shipped weights were fitted when a reply
that only asks was failed the same way; it is now weighed like any other (a restatement
inside a question counts), so a refit would learn from those replies too.

The weights are fitted on both forms of a reply, typed and unpunctuated, and so
are the cross-validated ones: each author's replies are judged by a model fitted
on both forms of the other authors'. ``--spoken`` also measures the replies as
heard (two festival voices and pocketsphinx, cached by ``benchmarks.words
--spoken``), by author, with the same weights; fitting on them too was tried and
did not help (see :data:`FITTED`).

``--search`` compares candidate feature sets and penalties by the by-author
figure, typed and unpunctuated. :data:`CHOSEN` and :data:`L2` are a small set
whose figure is the best's within noise (one reply is 0.2 points), preferred
over larger sets or weaker penalties that score the same. ``--write`` fits
the chosen model on every development reply and saves it as
``tutor/scoring/paraphrase_model.py``. Deterministic (Newton steps from
zero), plain numpy.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import numpy as np

from benchmarks.words import SPLITS, Hearing, Labelled, load_replies, modes, unpunctuate
from tutor.scoring.paraphrase import Paraphrase, decided_by_rules, deciding, rule_verdict
from tutor.scoring.restating import FEATURES, Reading, features, read_reply

MODEL: Final = Path(__file__).parent.parent / "tutor" / "scoring" / "paraphrase_model.py"
L2: Final = 1.0
# few, general features: how much of a concern the reply's own words carry, the complaint's
# moves, and two ways of looking like a restatement without being one (echo, offer). The
# wrong-concern flag was dropped with the fourth author: fitted on four authors it took a
# positive weight (a flagged reflection more likely to restate), and by-author agreement is the
# same without it (95.4%/93.4%, typed/unpunctuated, then; 95.8%/94.3% with both forms fitted on
# and the explanations of the problem made small and the worry waved off, at L2 0.3; 0.1 is two
# replies better, within noise, so the stronger penalty stays). With the fifth and sixth authors
# (1103 replies) the same set and penalty are still the best within noise: 95.5%/93.6% by author
# (dev4 92.2%/88.2%, dev5 95.5%/92.8% when each is the one left out); the wrong-concern flag is
# one reply better typed (95.6%/93.6%), within noise, so the smaller set stays. With the eighth
# author (1523 replies) a statement asked only by its question mark ("you sat it and got a zero?")
# is read as a statement, as recognised speech always read it; how much of a reply is said so
# ("checked") is one more feature: by author 93.2%/91.8% with it against 91.7%/91.7% without (its
# weight is negative: a checked reflection is less often a restatement). The ideas carried across
# concerns ("carried"), and the coverage of only the concerns in which something went wrong (to
# tell a side point said back from the complaint, since removed), were tried for terse
# restatements and side points and left by-author agreement the same or lower.
# The statements' length now counts only where they carry an idea of the customer's own
# ("carrying_length", in place of "statement_words"): a long reply that carries none of it is no
# likelier to restate (139 of 142 such development replies do not), yet the plain length put
# such replies near even (0.54 for a long, polite reply about nothing). By author the two score
# the same within noise (93.7%/91.7% against 93.6%/91.8%, typed/unpunctuated) and the unsure
# band's cost is lower with it (0.114 against 0.116 over both forms, at margins 0.25 and 0.30);
# as heard it is a little lower (slt 87.7% against 88.5%, kal 84.9% against 85.2%)
# With the ninth author (1743 replies, weighted to terse restatements and subtle cases) the larger
# sets pulled ahead by more than noise: every feature but the gates 92.8%/91.0% by author against
# 92.0%/90.4% for the eight above (L2 0.3). The ideas carried ("carried") added to them, at L2 1.0,
# is within noise of the best (92.6%/91.0%, three replies) with six fewer features, so it is chosen.
# With the tenth author (1953 replies) it still is: 91.7%/90.1% against 91.8%/90.1% for every
# feature at L2 0.3 (91.8%/90.2% with the last rules of the day); the unsure margin stays 0.25.
# With the eleventh and twelfth authors (2353 replies) the chosen set at L2 1.0 ties the best,
# every feature at L2 1.0 (90.9%/89.1%). An indicator of a few words that carry the customer's
# failure ("two no-shows, not even a call", against "your daughter is seven") was tried for terse
# restatements and left it the same (91.6%/90.0% against 91.6%/90.1%, eleven authors), as did a
# wider unsure band for short replies (cost 0.0664 at the common margin, 0.0676-0.0705 wider).
# With the thirteenth to sixteenth authors (3153 replies, two of them weighted to terse, hedged
# and then-blame restatements), and stories told otherwise fitted on too (the meaning model now
# weighs them where it is asked), the chosen set at L2 1.0 is 86.6%/85.3% by author
CHOSEN: Final = ("restated", "coverage", "echo_share", "offer", "moves", "reflective_opening",
                 "carrying_length", "checked", "carried")
CANDIDATES: Final[dict[str, tuple[str, ...]]] = {
    "all": tuple(FEATURES),
    "ungated": tuple(f for f in FEATURES if f not in ("explanation", "only_questions")),
    "ungated-small": ("restated", "coverage", "loose_coverage", "echo_share", "parroted", "wrong_concern",
                      "offer", "moves", "statement_words"),
    "chosen": CHOSEN,
    "chosen+wrong": (*CHOSEN, "wrong_concern"),
    "chosen-checked": tuple(f for f in CHOSEN if f != "checked"),
    "chosen-carried": tuple(f for f in CHOSEN if f != "carried"),
    "chosen-length": tuple(f for f in CHOSEN if f != "carrying_length"),
    "chosen-length+words": (*(f for f in CHOSEN if f != "carrying_length"), "statement_words"),
    "chosen+words": (*CHOSEN, "statement_words"),
    "core": ("restated", "coverage", "echo_share", "moves", "statement_words"),
    "core+shape": ("restated", "coverage", "echo_share", "moves", "statement_words",
                   "reflective_opening", "wrong_concern"),
    "no-counts": ("restated", "coverage", "loose_coverage", "echo_share", "wrong_concern", "offer",
                  "moves", "reflective_opening"),
}
PENALTIES: Final = (0.1, 0.3, 1.0, 3.0)
# a reply whose probability is this close to 0.5 is marked unsure rather than judged. The margin
# is the one of MARGINS that costs least by author, where a wrong judgement costs five times a
# "not sure": a trainee forgives being told the station could not tell, not being told wrongly.
# The station's margin is on its decision, the rules' probability weighed with the meaning
# model's (tutor.scoring.paraphrase.restating_decision), so it is chosen there, by the same cost,
# on held-out sets two to six with the model of 2026-11-27: 0.25 (cost 5.4 per hundred typed and
# unpunctuated replies, 0.20 5.6, 0.30 5.5; with the rules' later corrections 5.0,
# 5.3 and 5.3); the rules' own choice by author is printed beside it
DECISION_MARGIN: Final = 0.25
MARGINS: Final = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35)
UNSURE_COST: Final = 0.2
# costs this close count as equal: about four replies' worth over two forms of ~2000 replies
# (0.25 and 0.30 once cost 0.1454 and 0.1443: 38 fewer wrong for 179 more unsure, a coin's toss)
COST_NOISE: Final = 0.002
# the forms the weights are fitted on. The replies as heard (``--spoken``) are measured by
# author too; fitted on as well they left as-heard agreement the same (slt 90.4%, kal 87.4%)
# and cost typed half a point (95.3% against 95.8%), so they are not
FITTED: Final = ("typed", "unpunctuated")


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 30) -> np.ndarray:
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
    return probability(w, x) > 0.5


def probability(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    scores: np.ndarray = np.hstack([x, np.ones((len(x), 1))]) @ w
    chances: np.ndarray = 1 / (1 + np.exp(-scores))
    return chances


def grouped_cv(x: np.ndarray, y: np.ndarray, groups: Sequence[str], l2: float,
               gate: np.ndarray | None = None,
               pooled: Sequence[tuple[np.ndarray, np.ndarray]] = ()) -> np.ndarray:
    """Predictions for every row by a model fitted without that row's group.

    Rows the rules decide before the model is asked (``gate``: an explanation, or
    a later turn saying back only what was said before, see :func:`tutor.scoring.paraphrase.judge`) fail, and
    are left out of fitting, as in use. ``pooled`` gives the same replies in other
    forms (features and gate, rows in the same order): the model is then fitted on
    every form of the other groups' replies, as :func:`main` fits the shipped one,
    with the penalty scaled by the number of forms.
    """
    gate = np.zeros(len(y), dtype=bool) if gate is None else gate
    decided: np.ndarray = (grouped_probabilities(x, y, groups, l2, gate, pooled) > 0.5) & ~gate
    return decided


def grouped_probabilities(x: np.ndarray, y: np.ndarray, groups: Sequence[str], l2: float,
                          gate: np.ndarray, pooled: Sequence[tuple[np.ndarray, np.ndarray]] = ()
                          ) -> np.ndarray:
    """Each row's restating probability by a model fitted without that row's group (see grouped_cv)."""
    out = np.zeros(len(y))
    labels = np.array(groups)
    for group in sorted(set(groups)):
        test = labels == group
        if test.all():
            continue
        train = ~test & ~gate
        xs, ys = [x[train]], [y[train]]
        for other_x, other_gate in pooled:
            keep = ~test & ~other_gate
            xs.append(other_x[keep])
            ys.append(y[keep])
        out[test] = probability(fit(np.vstack(xs), np.concatenate(ys), l2 * len(xs)), x[test])
    return out


def unsure_band(data: Data, l2: float) -> float:
    """Print, for each margin around 0.5, how many replies by author would be judged and how many right.

    A reply whose restating probability is within the margin of 0.5 is marked
    unsure instead of judged (the rules' own failures are always judged). Returns
    the smallest margin (of :data:`MARGINS`) whose cost over the :data:`FITTED`
    forms, by author, is within :data:`COST_NOISE` of the least: each wrong
    judgement counts 1 and each reply marked unsure :data:`UNSURE_COST`.
    """
    print("unsure band, by author (judged share / agreement on judged / cost: wrong + "
          f"{UNSURE_COST} x unsure):")
    costs: dict[float, float] = {}
    for margin in MARGINS:
        cells = []
        for mode, x in data.x.items():
            gate = data.gate[mode]
            pooled = [(data.x[other], data.gate[other]) for other in FITTED if other != mode]
            chance = grouped_probabilities(x, data.y, data.authors, l2, gate, pooled)
            judged = gate | (np.abs(chance - 0.5) >= margin)
            right = ((chance > 0.5) & ~gate) == data.y
            cost = float(np.mean(judged & ~right) + UNSURE_COST * np.mean(~judged))
            cells.append(f"{mode} {np.mean(judged):.1%} / {np.mean(right[judged]):.1%} / {cost:.3f}")
            if mode in FITTED:
                costs[margin] = costs.get(margin, 0.0) + cost
        print(f"  margin {margin:.2f}: " + ", ".join(cells))
    # within noise of the least cost, the smallest margin: a trainee told "not sure" learns nothing
    least = min(costs.values())
    return min(margin for margin in MARGINS if costs[margin] <= least + COST_NOISE)


def by_source(right: np.ndarray, replies: Sequence[Labelled]) -> str:
    parts = []
    for source in dict.fromkeys(r.source for r in replies):
        mask = np.array([r.source == source for r in replies])
        parts.append(f"{source} {np.mean(right[mask]):.1%} of {mask.sum()}")
    return ", ".join(parts)


class Data:
    """Features, labels and rule verdicts of the development replies, typed and as heard."""

    def __init__(self, replies: list[Labelled], columns: Sequence[str] = FEATURES,
                 extra: Callable[[str, Labelled], tuple[float, ...]] | None = None,
                 spoken: bool = False) -> None:
        self.replies = replies
        self.y = np.array([r.labels["paraphrase"] for r in replies], dtype=float)
        self.x: dict[str, np.ndarray] = {}
        self.rules: dict[str, np.ndarray] = {}
        self.gate: dict[str, np.ndarray] = {}
        index = [FEATURES.index(c) for c in columns]
        hearing = Hearing() if spoken else None
        for mode in modes(spoken, unpunctuated=True):
            if mode == "typed":
                texts = [r.text for r in replies]
            elif mode == "unpunctuated":
                texts = [unpunctuate(r.text) for r in replies]
            else:
                assert hearing is not None
                texts = [hearing.heard(r.text, mode.split()[1]) for r in replies]
            readings: list[Reading] = [read_reply(t, r.scenario) for t, r in zip(texts, replies, strict=True)]
            rows = [[features(deciding(reading))[i] for i in index] + list(extra(t, r) if extra else ())
                    for reading, t, r in zip(readings, texts, replies, strict=True)]
            self.x[mode] = np.array(rows)
            self.rules[mode] = np.array([rule_verdict(reading) is Paraphrase.RESTATED
                                         for reading in readings])
            self.gate[mode] = np.array([decided_by_rules(reading) or not reading.words
                                        for reading in readings])
        if hearing is not None:
            hearing.save()
        self.authors = [r.source for r in replies]
        self.scenarios = [r.scenario.id for r in replies]


def report(data: Data, l2: float, name: str = "classifier") -> float:
    """Print rules and classifier agreement by author and by scenario; return by-author (typed).

    The classifier is fitted on both :data:`FITTED` forms of the other authors'
    replies, as the shipped one is; the replies as heard, when loaded, are only measured.
    """
    headline = 0.0
    for mode, x in data.x.items():
        y = data.y
        rules = data.rules[mode] == y
        pooled = [(data.x[other], data.gate[other]) for other in FITTED if other != mode]
        author = grouped_cv(x, y, data.authors, l2, data.gate[mode], pooled) == y
        scenario = grouped_cv(x, y, data.scenarios, l2, data.gate[mode], pooled) == y
        print(f"{mode}: rules {np.mean(rules):.1%} ({by_source(rules, data.replies)})")
        print(f"  {name}, by author:   {np.mean(author):.1%} ({by_source(author, data.replies)})")
        print(f"  {name}, by scenario: {np.mean(scenario):.1%}")
        if mode == "typed":
            headline = float(np.mean(author))
    return headline


def search(replies: list[Labelled]) -> None:
    """By-author agreement (typed, unpunctuated) of each candidate feature set and penalty."""
    for name, columns in CANDIDATES.items():
        data = Data(replies, columns)
        cells = []
        for l2 in PENALTIES:
            figures = [np.mean(grouped_cv(x, data.y, data.authors, l2, data.gate[mode],
                                          [(data.x[o], data.gate[o]) for o in FITTED if o != mode])
                               == data.y)
                       for mode, x in data.x.items()]
            cells.append(f"L2={l2:<4} {figures[0]:.1%}/{figures[1]:.1%}")
        print(f"  {name:<11} ({len(columns):>2})  " + "  ".join(cells))


def write(columns: Sequence[str], w: np.ndarray, margin: float) -> None:
    rows = "\n".join(f"    ({name!r}, {float(weight)!r}),"
                     for name, weight in zip((*columns, "bias"), w.round(4), strict=True))
    MODEL.write_text(
        '"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.\n\n'
        "Written by ``python -m benchmarks.train_paraphrase --write`` from every development\n"
        "reply (all authors) with the features and penalty chosen by by-author cross-validation;\n"
        "do not edit by hand. Shipped as a module so no package data is needed.\n"
        '"""\n\nfrom typing import Final\n\n'
        f"WEIGHTS: Final[tuple[tuple[str, float], ...]] = (\n{rows}\n)\n"
        "# a decision this close to even (probability within the margin of 0.5) is marked unsure\n"
        f"UNSURE_MARGIN: Final = {margin!r}\n")
    print(f"wrote {MODEL}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--search", action="store_true", help="compare candidate feature sets and penalties")
    parser.add_argument("--write", action="store_true", help="save the chosen model fitted on all dev data")
    parser.add_argument("--spoken", action="store_true", help="also fit and measure on the replies as "
                        "heard (festival and pocketsphinx, cached as by benchmarks.words --spoken)")
    args = parser.parse_args()
    replies = load_replies(SPLITS["dev"])
    print(f"{len(replies)} development replies ({by_source(np.ones(len(replies)), replies)})")
    if args.search:
        print("by-author agreement, typed/unpunctuated:")
        search(replies)
    data = Data(replies, CHOSEN, spoken=args.spoken)
    report(data, L2)
    margin = unsure_band(data, L2)
    print(f"the rules' own least-cost margin: {margin:.2f}; the station's: {DECISION_MARGIN:.2f} "
          f"(probabilities {0.5 - DECISION_MARGIN:.2f} to {0.5 + DECISION_MARGIN:.2f})")
    # train on typed and unpunctuated, so the weights suit typed and recognised replies alike; every reply
    # is there once per form, so the penalty scales to regularise as much as in the cross-validation
    used = ~np.concatenate([data.gate[mode] for mode in FITTED])
    x = np.vstack([data.x[mode] for mode in FITTED])
    w = fit(x[used], np.concatenate([data.y] * len(FITTED))[used], len(FITTED) * L2)
    for name, weight in zip((*CHOSEN, "bias"), w, strict=True):
        print(f"  {name:<20} {weight:+.2f}")
    if args.write:
        write(CHOSEN, w, DECISION_MARGIN)
    return 0


if __name__ == "__main__":
    sys.exit(main())
