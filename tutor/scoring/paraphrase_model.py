"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 0.5557),
    ('coverage', 3.8617),
    ('echo_share', -2.3976),
    ('offer', -2.1065),
    ('moves', 2.7496),
    ('reflective_opening', 0.5932),
    ('statement_words', 3.5901),
    ('bias', -4.2032),
)
# a decision this close to even (probability within the margin of 0.5) is marked unsure
UNSURE_MARGIN: Final = 0.25
