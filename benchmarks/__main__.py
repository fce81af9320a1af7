"""What matters on a station, measured: `.venv/bin/python -m benchmarks [--quick]`.

- feedback latency: from the true end of the trainee's reply to the first light
  change and to the first sound of spoken feedback, in the simulated station
  fed in real time, split into the configured end-of-speech wait and the work
  after it;
- start-up: process start to READY=1 on a notify socket, as systemd sees it;
- peak memory of one round (a fresh `tutor practice` process), the same round
  stage by stage (benchmarks/memory.py), and the memory trend over many rounds
  in one process;
- recognition real-time factor, and the whole scoring of a round against
  recognition alone; timing accuracy on the evaluation rounds
  (benchmarks/evaluate.py).

Medians over several runs; the machine is named. Engine-by-engine figures
(vosk included) come from `python -m benchmarks.engines`.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from benchmarks.engines import machine_description
from benchmarks.memory import PINNED_CPU, median_stages, round_peak_mb, stage_table, stages_in_child
from tutor.audio import DuplexSession
from tutor.audio.playback import Cue
from tutor.audio.simulated import SimulatedDuplex
from tutor.audio.wavfile import read_mono
from tutor.kiosk import Kiosk, ScenarioChooser
from tutor.lights.console import ConsoleLights
from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
from tutor.scenarios import ScenarioLibrary
from tutor.settings import Settings, SimulateSettings
from tutor.vocabulary import Phase
from tutor.voice import EspeakSynthesizer

RATE: Final = 16000
ROOT: Final = Path(__file__).resolve().parents[1]
SAMPLE_REPLY: Final = ROOT / "tutor" / "data" / "sample-reply.wav"
SCENARIO: Final = "late-birthday-present"
REPLY_AT_S: Final = 1.2


@dataclass
class Clock:
    """Wall-clock moments of the simulated station, taken as they happen."""

    session_started: list[float] = field(default_factory=list)
    first_feedback_block: list[float] = field(default_factory=list)
    states: list[tuple[float, Phase]] = field(default_factory=list)


class TimedStation:
    """The simulated station, noting when each stream starts and when feedback first sounds."""

    def __init__(self, reply: np.ndarray, clock: Clock) -> None:
        self._inner = SimulatedDuplex(reply, RATE, reply_at_s=REPLY_AT_S,
                                      settings=SimulateSettings(realtime=True))
        self.sample_rate = RATE
        self._clock = clock
        self._starts = 0

    def start(self, playback: np.ndarray, max_frames: int) -> DuplexSession:
        session = self._inner.start(playback, max_frames)
        self._starts += 1
        self._clock.session_started.append(time.perf_counter())
        if self._starts == 2:  # the second stream of a round is the spoken feedback
            return _FirstBlock(session, self._clock.first_feedback_block)
        return session

    def close(self) -> None:
        self._inner.close()


class _FirstBlock:
    def __init__(self, inner: DuplexSession, moments: list[float]) -> None:
        self._inner, self._moments = inner, moments
        self.stats = inner.stats

    def blocks(self) -> Any:
        for index, block in enumerate(self._inner.blocks()):
            if index == 0:
                self._moments.append(time.perf_counter())
            yield block

    def stop(self) -> None:
        self._inner.stop()

    def play(self, samples: np.ndarray) -> Cue:
        return self._inner.play(samples)

    def interrupt(self, samples: np.ndarray) -> Cue:
        return self._inner.interrupt(samples)

    def played(self, start: int = 0, end: int | None = None) -> np.ndarray:
        return self._inner.played(start, end)


def single_reply_library(folder: Path) -> ScenarioLibrary:
    """A library holding the birthday complaint as one reply, under its own id: the library's is a
    conversation, and these figures are of the station's work after a single reply."""
    from tutor.scenarios import LIBRARY_DIR

    text = (LIBRARY_DIR / f"{SCENARIO}.toml").read_text().split("\n[[turns]]")[0]
    opening = "\n".join(line for line in text.splitlines() if not line.startswith("hidden_need"))
    (folder / f"{SCENARIO}-single.toml").write_text(opening + "\n")
    return ScenarioLibrary((folder,))


def feedback_latency(runs: int) -> dict[str, float]:
    settings = Settings()
    reply = read_mono(SAMPLE_REPLY, RATE)
    library = single_reply_library(Path(tempfile.mkdtemp(prefix="tutor-benchmark-")))
    lights_after, sound_after = [], []
    with EspeakSynthesizer(settings.voice) as voice:
        recognizer = PocketsphinxRecognizer(RATE)
        track_s = _customer_seconds(library, voice, settings)
        for _ in range(runs):
            clock = _one_round(settings, library, voice, recognizer, reply)
            # the true end is the reply's last sound (-45 dBFS), not the file's trailing silence
            spoken_to = int(np.flatnonzero(np.abs(reply) > 184)[-1]) + 1
            reply_end = clock.session_started[0] + track_s + REPLY_AT_S + spoken_to / RATE
            thinking = next(t for t, state in clock.states if state is Phase.THINKING)
            lights_after.append(thinking - reply_end)
            sound_after.append(clock.first_feedback_block[0] - reply_end)
    wait = settings.listening.end_silence_s
    return {"end_silence_s": wait, "light_s": statistics.median(lights_after),
            "sound_s": statistics.median(sound_after),
            "work_after_wait_s": statistics.median(sound_after) - wait}


def _one_round(settings: Settings, library: ScenarioLibrary, voice: EspeakSynthesizer,
               recognizer: PocketsphinxRecognizer, reply: np.ndarray) -> Clock:
    clock = Clock()
    station = TimedStation(reply, clock)
    kiosk = Kiosk(settings=settings, lights=ConsoleLights(lambda text: None), synthesizer=voice,
                  recognizer=recognizer, open_audio=lambda: station,
                  chooser=ScenarioChooser(library, (f"{SCENARIO}-single",), "sequence"),
                  on_state=lambda state: clock.states.append((time.perf_counter(), state)))
    kiosk.run(rounds=1, wait_for_button=False)
    return clock


def _customer_seconds(library: ScenarioLibrary, voice: EspeakSynthesizer, settings: Settings) -> float:
    from tutor.voice import render_customer

    return render_customer(library.get(f"{SCENARIO}-single"), voice, RATE, settings.voice).end / RATE


def startup(runs: int) -> float:
    """Seconds from process start to READY=1."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            address = str(Path(folder) / "notify")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(address)
            sock.settimeout(60)
            began = time.perf_counter()
            child = subprocess.Popen([sys.executable, "-m", "tutor", "run", "--simulate", str(SAMPLE_REPLY)],
                                     env={**os.environ, "NOTIFY_SOCKET": address},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                while b"READY=1" not in sock.recv(4096):
                    pass
                times.append(time.perf_counter() - began)
            finally:
                child.terminate()
                child.wait(timeout=10)
                sock.close()
    return statistics.median(times)


def soak(rounds: int) -> list[float]:
    """RSS in MB after loading and after every quarter of ``rounds`` whole rounds in one process."""
    from benchmarks.engines import rss_mb

    settings = Settings()
    reply = read_mono(SAMPLE_REPLY, RATE)
    library = ScenarioLibrary(())
    readings = []
    with EspeakSynthesizer(settings.voice) as voice, tempfile.TemporaryDirectory() as folder:
        import dataclasses

        settings = dataclasses.replace(
            settings, storage=dataclasses.replace(settings.storage, data_dir=folder),
            kiosk=dataclasses.replace(settings.kiosk, spoken_feedback=False))
        kiosk = Kiosk(settings=settings, lights=ConsoleLights(lambda text: None), synthesizer=voice,
                      recognizer=PocketsphinxRecognizer(RATE),
                      open_audio=lambda: SimulatedDuplex(reply, RATE, reply_at_s=REPLY_AT_S,
                                                         settings=SimulateSettings(realtime=False)),
                      chooser=ScenarioChooser(library, (), "random"))
        readings.append(rss_mb())
        step = max(1, rounds // 4)
        done = 0
        while done < rounds:
            kiosk.run(rounds=done + step, wait_for_button=False)
            done = kiosk.rounds_done
            for wav in Path(folder).glob("rounds/*.wav"):
                wav.unlink()  # the disk is not what is measured
            readings.append(rss_mb())
    return readings


def real_time_factor(runs: int) -> float:
    reply = read_mono(SAMPLE_REPLY, RATE)
    recognizer = PocketsphinxRecognizer(RATE)
    took = []
    for _ in range(max(3, runs)):
        began = time.perf_counter()
        recognizer.transcribe(reply)
        took.append(time.perf_counter() - began)
    return statistics.median(took) / (len(reply) / RATE)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and rounds (about 3 minutes)")
    args = parser.parse_args()
    runs, rounds = (1, 40) if args.quick else (3, 200)
    print(machine_description())
    print(f"Engine: pocketsphinx (embedded); medians of {runs} run(s)\n")

    latency = feedback_latency(runs)
    print(f"Feedback latency after the true end of the reply, simulated station in real time:\n"
          f"  first light change {latency['light_s']:.2f} s; "
          f"first sound of feedback {latency['sound_s']:.2f} s\n"
          f"  = end-of-speech wait {latency['end_silence_s']:.2f} s (listening.end_silence_s) + "
          f"work after it {latency['work_after_wait_s']:.2f} s")
    print(f"Start-up to READY=1: {startup(runs):.2f} s")
    print(f"Peak memory of a round (whole `tutor practice` process): {round_peak_mb(runs):.0f} MB")
    stages = median_stages([stages_in_child(False) for _ in range(runs)])
    table = "\n".join("  " + line for line in stage_table(stages).splitlines())
    print(f"The round stage by stage in one process pinned to CPU {PINNED_CPU} "
          f"(python -m benchmarks.memory):\n{table}")
    trend = soak(rounds)
    print(f"Memory over {rounds} rounds in one process (MB, after loading then every {max(1, rounds // 4)}): "
          + " / ".join(f"{mb:.0f}" for mb in trend))

    from benchmarks.evaluate import evaluate_timing

    timing = evaluate_timing(ScenarioLibrary(()).get(SCENARIO), Settings(), quick=args.quick)
    errors = timing["errors"]
    assert isinstance(errors, list)
    counted = timing["counted"]
    assert isinstance(counted, dict)
    print(f"Recognition real-time factor: {real_time_factor(runs):.3f} on the {SAMPLE_REPLY.name} reply; "
          f"whole scoring of a {timing['duration_s']:.0f} s round (analysis, recognition, scores) "
          f"{timing['ratio']:.2f}x recognition alone")
    print(f"Timing accuracy over {timing['rounds']} evaluation rounds: pause error median "
          f"{1000 * statistics.median(errors):.0f} ms, worst {1000 * max(errors):.0f} ms; "
          + ", ".join(f"{key} {right}/{total}" for key, (right, total) in counted.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
