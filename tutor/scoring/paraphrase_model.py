"""Weights of the paraphrase decision: a logistic regression over some of restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from every development
reply (all authors) with the features and penalty chosen by by-author cross-validation;
do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 1.2021),
    ('coverage', 3.3646),
    ('echo_share', -1.7945),
    ('wrong_concern', -0.6212),
    ('offer', -1.9414),
    ('moves', 2.4563),
    ('reflective_opening', 0.9445),
    ('statement_words', 2.931),
    ('bias', -4.2946),
)
