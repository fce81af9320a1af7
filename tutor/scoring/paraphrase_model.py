"""Weights of the paraphrase decision: a logistic regression over restating.FEATURES.

Written by ``python -m benchmarks.train_paraphrase --write`` from the development
split only; do not edit by hand. Shipped as a module so no package data is needed.
"""

from typing import Final

WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ('restated', 1.7545),
    ('coverage', 1.8343),
    ('loose_coverage', 0.6545),
    ('echo_share', -1.1147),
    ('parroted', -0.5176),
    ('explanation', -1.5262),
    ('offer', -0.6001),
    ('wrong_concern', -0.8678),
    ('moves', 1.7984),
    ('novel_share', -0.5805),
    ('reflective_opening', 1.6573),
    ('only_questions', -0.511),
    ('statement_words', 2.0327),
    ('bias', -3.4317),
)
