"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', -0.2341),
    ('coverage', 1.9182),
    ('echo_share', -0.4817),
    ('offer', -1.5443),
    ('moves', 2.3463),
    ('reflective_opening', 0.2113),
    ('carrying_length', 2.1904),
    ('checked', -2.4113),
    ('carried', 1.0977),
    ('bias', -2.5491),
)
# a decision this close to even (probability within the margin of 0.5) is marked unsure
UNSURE_MARGIN: Final = 0.25
