"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 0.325),
    ('coverage', 1.3939),
    ('echo_share', -0.2223),
    ('offer', -1.5634),
    ('moves', 1.8772),
    ('reflective_opening', 0.0032),
    ('carrying_length', 2.9224),
    ('checked', -3.2204),
    ('carried', 1.5543),
    ('bias', -3.1524),
)
# a decision this close to even (probability within the margin of 0.5) is marked unsure
UNSURE_MARGIN: Final = 0.25
