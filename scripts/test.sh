#!/usr/bin/env bash
# Install everything the tests need, then lint, type-check and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/ruff check tutor tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
