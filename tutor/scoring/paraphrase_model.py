"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 0.0511),
    ('coverage', 1.7522),
    ('echo_share', -0.2872),
    ('offer', -1.5553),
    ('moves', 2.1748),
    ('reflective_opening', -0.0501),
    ('carrying_length', 2.8019),
    ('checked', -3.2465),
    ('carried', 1.3425),
    ('bias', -3.0774),
)
# a decision this close to even (probability within the margin of 0.5) is marked unsure
UNSURE_MARGIN: Final = 0.25
