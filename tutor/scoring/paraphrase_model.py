"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 0.1199),
    ('coverage', 1.6593),
    ('echo_share', -0.2233),
    ('offer', -1.4883),
    ('moves', 2.1629),
    ('reflective_opening', 0.0657),
    ('carrying_length', 2.8127),
    ('checked', -3.2085),
    ('carried', 1.4583),
    ('bias', -3.1925),
)
# a decision this close to even (probability within the margin of 0.5) is marked unsure
UNSURE_MARGIN: Final = 0.25
