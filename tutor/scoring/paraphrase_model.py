"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 1.28),
    ('coverage', 4.0303),
    ('echo_share', -2.3859),
    ('offer', -1.8396),
    ('moves', 2.7162),
    ('reflective_opening', 0.7166),
    ('statement_words', 3.5794),
    ('bias', -4.6262),
)
