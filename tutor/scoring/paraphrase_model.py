"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 0.6924),
    ('coverage', 2.5976),
    ('echo_share', -0.4867),
    ('offer', -2.0637),
    ('moves', 2.2232),
    ('reflective_opening', 0.4632),
    ('carrying_length', 3.3488),
    ('checked', -4.3212),
    ('bias', -3.4002),
)
# a decision this close to even (probability within the margin of 0.5) is marked unsure
UNSURE_MARGIN: Final = 0.25
