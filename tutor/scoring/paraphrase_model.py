"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 0.3298),
    ('coverage', 1.5476),
    ('echo_share', -0.2227),
    ('offer', -1.7042),
    ('moves', 1.9281),
    ('reflective_opening', 0.0808),
    ('carrying_length', 2.823),
    ('checked', -2.9776),
    ('carried', 1.5098),
    ('bias', -3.1972),
)
# a decision this close to even (probability within the margin of 0.5) is marked unsure
UNSURE_MARGIN: Final = 0.25
