"""The meaning model's training command refuses what it cannot train on in one line, before any
training library is needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_training_on_an_unknown_author_is_refused_in_one_line() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.train_meaning", "--train-on", "dev16,dev99"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == "error: --train-on names no split or author: dev99"
