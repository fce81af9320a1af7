#!/usr/bin/env bash
# Install everything, then run one practice round: on the sound card if there is one,
# otherwise on the simulated station with the bundled sample reply.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if arecord -l 2>/dev/null | grep -q '^card' && aplay -l 2>/dev/null | grep -q '^card'; then
  exec .venv/bin/tutor practice "$@"
fi
echo "No sound card found: running the simulated station with a recorded sample reply."
exec .venv/bin/tutor practice --scenario late-birthday-present --simulate tutor/data/sample-reply.wav --reply-at 1.2 "$@"
