"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 0.302),
    ('coverage', 1.5065),
    ('echo_share', -0.2469),
    ('offer', -1.7063),
    ('moves', 1.9407),
    ('reflective_opening', 0.1312),
    ('carrying_length', 2.7596),
    ('checked', -2.9848),
    ('carried', 1.5335),
    ('bias', -3.1602),
)
# a decision this close to even (probability within the margin of 0.5) is marked unsure
UNSURE_MARGIN: Final = 0.25
