"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 0.7668),
    ('coverage', 3.7659),
    ('echo_share', -2.5907),
    ('offer', -1.9144),
    ('moves', 2.6723),
    ('reflective_opening', 0.573),
    ('statement_words', 4.0325),
    ('bias', -4.6422),
)
# a decision this close to even (probability within the margin of 0.5) is marked unsure
UNSURE_MARGIN: Final = 0.25
