"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 1.1697),
    ('coverage', 3.5345),
    ('echo_share', -2.2639),
    ('offer', -2.2413),
    ('moves', 2.845),
    ('reflective_opening', 0.955),
    ('statement_words', 3.4692),
    ('bias', -4.6133),
)
