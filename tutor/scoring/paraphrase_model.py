"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 0.3142),
    ('coverage', 1.4519),
    ('echo_share', -0.2608),
    ('offer', -1.5647),
    ('moves', 1.8534),
    ('reflective_opening', 0.0018),
    ('carrying_length', 2.8706),
    ('checked', -3.1089),
    ('carried', 1.5816),
    ('bias', -3.1458),
)
# a decision this close to even (probability within the margin of 0.5) is marked unsure
UNSURE_MARGIN: Final = 0.25
