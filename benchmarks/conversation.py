"""How soon the customer answers back: `.venv/bin/python -m benchmarks.conversation [--runs N]`.

The birthday conversation on the simulated station fed in real time, answered twice with the
bundled sample reply (its open question brings out the need, and the reply to the need brings
the customer's last word). For each of the two answers back it measures, in the round
recording, from the reply's true end (its last sound in the microphone) to the first sound of
the customer's next line: the end-of-speech wait (`listening.end_silence_s`) plus the work
after it (the voice detector's last frames, the recognizer's final search, the analysis of the
turn's stretch, the scores, the choice, and queueing the line rendered while the customer was
still speaking). In real time the simulated device starts a queued line where the clock has got
to, as a sound card that kept playing silence would, so thinking time shows in the recording.

A Pi 4 is estimated from the work after the wait, scaled by 1.5 to 4: 1.5 is the single-core
ratio sysbench measured between this machine and a Pi 4 (integer work; see the README's
"Pi-class estimates"), 4 an assumption for the floating-point, vectorised work of recognition
and analysis, where the gap should be wider. Medians and the worst of the runs; the machine is
named.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Final

import numpy as np

from benchmarks.engines import machine_description
from tutor.audio.simulated import SimulatedDuplex
from tutor.audio.wavfile import read_mono, read_round
from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
from tutor.round import PracticeRound
from tutor.scenarios import ScenarioLibrary
from tutor.settings import Settings, SimulateSettings
from tutor.voice import EspeakSynthesizer

RATE: Final = 16000
ROOT: Final = Path(__file__).resolve().parents[1]
SAMPLE_REPLY: Final = ROOT / "tutor" / "data" / "sample-reply.wav"
SCENARIO: Final = "late-birthday-present"
REPLY_AT_S: Final = 1.2
TARGET_S: Final = 1.2  # the bound on the work after the wait, here
PI_FACTORS: Final = (1.5, 4.0)
_QUIET: Final = 184  # -45 dBFS: where a rendered line, and the sample reply, start and end


def answers_back(runs: int) -> list[dict[str, float]]:
    """Each answer back of each run: its gap after the reply's true end, and the turn's own
    processing times (ms) as the round recorded them."""
    settings = Settings()
    reply = read_mono(SAMPLE_REPLY, RATE)
    measured: list[dict[str, float]] = []
    with EspeakSynthesizer(settings.voice) as voice, tempfile.TemporaryDirectory() as folder:
        recognizer = PocketsphinxRecognizer(RATE)
        storage = dataclasses.replace(settings.storage, data_dir=folder)
        settings = dataclasses.replace(settings, storage=storage)
        for run in range(runs):
            audio = SimulatedDuplex(reply, RATE, reply_at_s=REPLY_AT_S,
                                    later_replies=[(reply, REPLY_AT_S)], block_ms=settings.audio.block_ms,
                                    settings=SimulateSettings(realtime=True))
            path = Path(folder) / f"run-{run}.wav"
            result = PracticeRound(audio=audio, recognizer=recognizer, synthesizer=voice,
                                   settings=settings).run(ScenarioLibrary(()).get(SCENARIO), save_to=path)
            recording = read_round(path)
            for answered, following in zip(result.turns, result.turns[1:], strict=False):
                if answered.reply is None or not answered.reply.heard_reply:
                    continue
                window = slice(round(answered.start_s * RATE), round(answered.end_s * RATE))
                said = np.flatnonzero(np.abs(recording.mic[window].astype(np.int32)) > _QUIET)
                true_end = window.start + int(said[-1]) + 1
                spoken = np.flatnonzero(np.abs(recording.speaker[true_end:].astype(np.int32)) > _QUIET)
                next_line = true_end + int(spoken[0])
                timings = answered.reply.timings_ms
                measured.append({"gap_s": (next_line - true_end) / RATE,
                                 "to": following.number,
                                 **{key: timings.get(key, 0.0) for key in ("analyse", "recognise", "score")}})
        recognizer.close()
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.conversation",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="conversations (default 3)")
    args = parser.parse_args(argv)
    print(machine_description())
    wait = Settings().listening.end_silence_s
    measured = answers_back(max(1, args.runs))
    work = [m["gap_s"] - wait for m in measured]
    low, high = PI_FACTORS
    print(f"The customer's next line after the trainee's reply ended, {len(measured)} answers back "
          f"over {args.runs} conversation(s) in real time:")
    print(f"  from the reply's true end: median {statistics.median(m['gap_s'] for m in measured):.2f} s, "
          f"worst {max(m['gap_s'] for m in measured):.2f} s")
    print(f"  = end-of-speech wait {wait:.2f} s + work after it: median {statistics.median(work):.2f} s, "
          f"worst {max(work):.2f} s (target {TARGET_S:.1f} s: "
          f"{'met' if max(work) <= TARGET_S else 'NOT met'})")
    print(f"  of which, per turn (ms, median): analysis "
          f"{statistics.median(m['analyse'] for m in measured):.0f}, recognition after the reply "
          f"{statistics.median(m['recognise'] for m in measured):.0f}, scores "
          f"{statistics.median(m['score'] for m in measured):.0f}")
    print(f"  Pi 4 estimate of the work after the wait ({low:g}x measured by sysbench to {high:g}x "
          f"assumed): {low * statistics.median(work):.2f} to {high * statistics.median(work):.2f} s "
          f"(worst {high * max(work):.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
