"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 0.3359),
    ('coverage', 1.5064),
    ('echo_share', -0.2969),
    ('offer', -1.5619),
    ('moves', 1.8603),
    ('reflective_opening', 0.0138),
    ('carrying_length', 2.8261),
    ('checked', -3.0938),
    ('carried', 1.4713),
    ('bias', -3.0864),
)
# a decision this close to even (probability within the margin of 0.5) is marked unsure
UNSURE_MARGIN: Final = 0.25
