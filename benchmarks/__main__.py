"""What matters on a station, measured, in one table: `.venv/bin/python -m benchmarks [--quick]`.

- feedback latency: from the true end of the trainee's reply (its last sound) to the first
  light change and to the first sound of spoken feedback, in the simulated station fed in
  real time with the history recorded as on a station; split into the end-of-speech wait
  and the work after the decision, and the work into its parts: the live recognizer's
  final search still left when the wait ended, saving the recording, the analysis,
  recognition after the round, scoring, the result LEDs, the history, and the first
  sentence of the feedback rendered; also the longest a captured block waited behind the
  clock (the final search runs beside capture, never in its way);
- start-up: process start to READY=1 on a notify socket, as systemd sees it;
- peak memory of one round (a fresh `tutor practice` process) and the memory over many
  rounds in one process, each with the C library's default allocator and with the
  service's (benchmarks/memory.py);
- recognition real-time factor, and the whole scoring of a round against recognition
  alone; timing accuracy on the evaluation rounds (benchmarks/evaluate.py).

Each figure that is work for the CPU gets a Pi 4 estimate: the figure here times 1.5 to 4.
The 1.5 is measured (sysbench cpu, one thread: 2196 events/s here against 1478 published for
a Pi 4); it is integer work only, and the round's heavy work is vectorised floating point,
where the gap should be wider, so the 4 is an assumption. Medians over several runs; the
machine is named. `python -m benchmarks.memory` gives the round stage by stage,
`python -m benchmarks.endpoint` the figures the end-of-speech wait was chosen from,
`python -m benchmarks.engines` the engines side by side (vosk too).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from benchmarks.engines import machine_description
from benchmarks.memory import round_peak_mb, service_allocator, soak_in_child
from tutor.audio import DuplexSession
from tutor.audio.playback import Cue
from tutor.audio.simulated import SimulatedDuplex
from tutor.audio.wavfile import read_mono
from tutor.kiosk import Kiosk, ScenarioChooser
from tutor.lights.console import ConsoleLights
from tutor.recognition import RecognitionStream, Transcript
from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
from tutor.scenarios import ScenarioLibrary
from tutor.settings import Settings, SimulateSettings
from tutor.vocabulary import Habit, Phase
from tutor.voice import EspeakSynthesizer

RATE: Final = 16000
ROOT: Final = Path(__file__).resolve().parents[1]
SAMPLE_REPLY: Final = ROOT / "tutor" / "data" / "sample-reply.wav"
SCENARIO: Final = "late-birthday-present"
REPLY_AT_S: Final = 1.2
PI_FACTORS: Final = (1.5, 4.0)  # a Pi 4 against this machine: 1.5 measured (sysbench), 4 assumed
SPOKEN_ENOUGH: Final = 184  # -45 dBFS: the reply's last sound, not the file's trailing silence


class Moments:
    """Wall-clock moments of one simulated round, as they happen: named marks and spans."""

    def __init__(self) -> None:
        self.marks: dict[str, float] = {}
        self.spans: dict[str, list[tuple[float, float]]] = {}
        self.capture_lag_s = 0.0

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, time.perf_counter())

    def timed(self, name: str, work: Callable[..., Any]) -> Callable[..., Any]:
        """``work``, with each call's start and end kept under ``name``."""
        def timed_work(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return work(*args, **kwargs)
            finally:
                self.spans.setdefault(name, []).append((began, time.perf_counter()))

        return timed_work

    def took(self, name: str, after: float = 0.0) -> float:
        """Seconds spent in ``name``'s calls that began after ``after``."""
        return sum(end - began for began, end in self.spans.get(name, []) if began >= after)


@contextlib.contextmanager
def _timing_the_round(moments: Moments) -> Iterator[None]:
    """The round's own steps timed where tutor.round calls them; the round runs unchanged."""
    import tutor.round as round_module
    from tutor.recognition.live import LiveListener

    names = {"write_round": "save", "analyse_round": "analysis", "transcribe_speech": "recognition after",
             "score_reply": "scoring"}
    saved = {name: getattr(round_module, name) for name in names}
    finish = LiveListener.finish
    try:
        for name, label in names.items():
            setattr(round_module, name, moments.timed(label, saved[name]))
        LiveListener.finish = moments.timed("search left", finish)  # type: ignore[method-assign]
        yield
    finally:
        for name, work in saved.items():
            setattr(round_module, name, work)
        LiveListener.finish = finish  # type: ignore[method-assign]


class TimedRecognizer(PocketsphinxRecognizer):
    """pocketsphinx, noting when each live stream's final search starts and ends."""

    def __init__(self, moments: Callable[[], Moments]) -> None:
        super().__init__(RATE)
        self._moments = moments

    def stream(self, *, live: bool = True) -> Any:
        inner = super().stream(live=live)
        if not live:
            return inner
        moments = self._moments

        class Timed:
            def accept(self, samples: np.ndarray) -> None:
                inner.accept(samples)

            def finish(self) -> Transcript:
                heard: Transcript = moments().timed("final search", inner.finish)()
                return heard

        timed: RecognitionStream = Timed()
        return timed


class TimedStation:
    """The simulated station in real time: when the round's stream starts, how late its captured
    blocks come, and when the spoken feedback's first block plays."""

    def __init__(self, reply: np.ndarray, moments: Moments) -> None:
        self._inner = SimulatedDuplex(reply, RATE, reply_at_s=REPLY_AT_S,
                                      settings=SimulateSettings(realtime=True))
        self.sample_rate = RATE
        self._moments = moments
        self._starts = 0

    def start(self, playback: np.ndarray, max_frames: int) -> DuplexSession:
        session = self._inner.start(playback, max_frames)
        self._starts += 1
        if self._starts == 1:
            self._moments.mark("round started")
        return _Watched(session, self._moments, first_session=self._starts == 1)

    def close(self) -> None:
        self._inner.close()


class _Watched:
    def __init__(self, inner: DuplexSession, moments: Moments, first_session: bool) -> None:
        self._inner, self._moments, self._first = inner, moments, first_session
        self.stats = inner.stats

    def blocks(self) -> Any:
        began, frames = time.perf_counter(), 0
        for block in self._inner.blocks():
            frames += len(block)
            if self._first:  # how far behind the clock the capture loop took this block
                self._moments.capture_lag_s = max(self._moments.capture_lag_s,
                                                  time.perf_counter() - began - frames / RATE)
            else:
                self._moments.mark("first sound")
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


class TimedLights(ConsoleLights):
    def __init__(self, moments: Callable[[], Moments]) -> None:
        super().__init__(lambda text: None)
        self._moments = moments

    def show_results(self, results: dict[Habit, bool | None]) -> None:
        self._moments().mark("results lit")
        super().show_results(results)


class TimedVoice:
    """espeak-ng, noting how long each render after the decision took."""

    def __init__(self, inner: EspeakSynthesizer, moments: Callable[[], Moments]) -> None:
        self._inner, self._moments = inner, moments

    def render(self, text: str, sample_rate: int, *, rate_wpm: int | None = None,
               voice: str | None = None) -> np.ndarray:
        moments = self._moments()
        if "decision" not in moments.marks:
            return self._inner.render(text, sample_rate, rate_wpm=rate_wpm, voice=voice)
        rendered: np.ndarray = moments.timed("render", self._inner.render)(
            text, sample_rate, rate_wpm=rate_wpm, voice=voice)
        return rendered


@dataclass
class Latency:
    """Medians over the runs, in seconds."""

    wait_setting_s: float
    parts: dict[str, float] = field(default_factory=dict)


def feedback_latency(runs: int) -> Latency:
    """The simulated station in real time, a whole round with its history and spoken feedback."""
    from tutor.app import App
    from tutor.station import load_what_rounds_use

    reply = read_mono(SAMPLE_REPLY, RATE)
    spoken_to = int(np.flatnonzero(np.abs(reply) > SPOKEN_ENOUGH)[-1]) + 1
    current = [Moments()]
    measured: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as folder, EspeakSynthesizer(Settings().voice) as espeak:
        base = Settings()
        settings = dataclasses.replace(base, storage=dataclasses.replace(base.storage, data_dir=folder))
        recognizer = TimedRecognizer(lambda: current[0])
        app = App(settings)
        load_what_rounds_use(settings, sound_card=False)  # as the station does before READY=1
        library = single_reply_library(Path(folder))
        for _ in range(runs):
            moments = current[0] = Moments()
            station = TimedStation(reply, moments)
            customer_end: list[float] = []

            def on_state(state: Phase, moments: Moments = moments) -> None:
                if state is Phase.THINKING:
                    moments.mark("decision")

            def on_round_event(phase: Phase, data: dict[str, Any], heard: list[float] = customer_end) -> None:
                if phase is Phase.LISTENING:
                    heard.append(data["customer_end_s"])

            def open_audio(station: TimedStation = station) -> TimedStation:
                return station

            kiosk = Kiosk(settings=settings, lights=TimedLights(lambda: current[0]),
                          synthesizer=TimedVoice(espeak, lambda: current[0]),
                          recognizer=recognizer, open_audio=open_audio,
                          chooser=ScenarioChooser(library, (f"{SCENARIO}-single",), "sequence"),
                          after_round=moments.timed("history", app.after_round), on_state=on_state,
                          on_round_event=on_round_event)
            with _timing_the_round(moments):
                kiosk.run(rounds=1, wait_for_button=False)
            marks = moments.marks
            reply_end = marks["round started"] + customer_end[0] + REPLY_AT_S + spoken_to / RATE
            decision = marks["decision"]
            search = moments.spans.get("final search", [(decision, decision)])[-1]
            renders = moments.spans.get("render", [])
            parts = {
                "wait": decision - reply_end,
                "light": marks["results lit"] - reply_end,
                "sound": marks["first sound"] - reply_end,
                "work": marks["first sound"] - decision,
                "search left": moments.took("search left"),
                "search": search[1] - search[0],
                "search done": search[1] - decision,  # negative: before the wait was over
                "save": moments.took("save"),
                "analysis": moments.took("analysis"),
                "recognition after": moments.took("recognition after"),
                "scoring": moments.took("scoring"),
                "results lit": marks["results lit"] - decision,
                "history": moments.took("history"),
                "first sentence": renders[0][1] - renders[0][0] if renders else 0.0,
                "capture lag": moments.capture_lag_s,
            }
            named = ("search left", "save", "analysis", "recognition after", "scoring", "history",
                     "first sentence")
            parts["other"] = parts["work"] - sum(parts[name] for name in named)
            measured.append(parts)
    medians = {key: statistics.median(run[key] for run in measured) for key in measured[0]}
    return Latency(Settings().listening.end_silence_s, medians)


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
                                     env={**os.environ, "NOTIFY_SOCKET": address, "STATE_DIRECTORY": folder},
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


def real_time_factor(runs: int) -> float:
    reply = read_mono(SAMPLE_REPLY, RATE)
    recognizer = PocketsphinxRecognizer(RATE)
    took = []
    for _ in range(max(3, runs)):
        began = time.perf_counter()
        recognizer.transcribe(reply)
        took.append(time.perf_counter() - began)
    return statistics.median(took) / (len(reply) / RATE)


@dataclass(frozen=True)
class Row:
    figure: str
    here: str
    pi: str = ""
    target: str = ""


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _on_a_pi(seconds: float) -> str:
    low, high = PI_FACTORS
    return f"{seconds * low:.2f} - {seconds * high:.2f} s"


def latency_rows(latency: Latency) -> list[Row]:
    p = latency.parts
    low, high = PI_FACTORS
    work_parts = ("save", "analysis", "recognition after", "scoring", "history", "first sentence", "other")
    cpu_work = sum(p[name] for name in work_parts)
    # on a Pi the last stretch's search takes longer: what of it would be left once the wait is over
    searched_from = p["search done"] - p["search"]
    left_on_pi = [max(0.0, searched_from + p["search"] * factor) for factor in PI_FACTORS]
    pi_work = [cpu_work * factor + left for factor, left in zip(PI_FACTORS, left_on_pi, strict=True)]
    pi_range = f"{pi_work[0]:.2f} - {pi_work[1]:.2f} s"
    return [
        Row("feedback latency after the true end of the reply:", ""),
        Row(f"  end-of-speech wait (listening.end_silence_s = {latency.wait_setting_s:g} s)", _s(p["wait"]),
            _s(p["wait"])),
        Row("  first light change (result LEDs)", _s(p["light"]),
            f"{p['wait'] + p['results lit'] * low:.2f} - {p['wait'] + p['results lit'] * high:.2f} s"),
        Row("  first sound of spoken feedback", _s(p["sound"]),
            f"{p['wait'] + pi_work[0]:.2f} - {p['wait'] + pi_work[1]:.2f} s", "wait + 1 s"),
        Row("  work from the decision to the first sound", _s(p["work"]), pi_range,
            "1 s (0.25 s here)"),
        Row("    final search left when the wait ended", _s(p["search left"]),
            f"{left_on_pi[0]:.2f} - {left_on_pi[1]:.2f} s"),
        Row(f"      (the last stretch's search took {p['search']:.2f} s, done "
            f"{-p['search done']:.2f} s before the wait ended)", ""),
        *(Row(f"    {label}", _s(p[key]), _on_a_pi(p[key])) for key, label in (
            ("save", "saving the recording"), ("analysis", "analysis (latency, echo, voice activity)"),
            ("recognition after", "recognition after the round"), ("scoring", "scoring"),
            ("history", "history record and progress remark"),
            ("first sentence", "first sentence of the feedback rendered"),
            ("other", "the rest (states, lights, text, starting the sound)"))),
        Row("  result LEDs lit, after the decision", _s(p["results lit"]), _on_a_pi(p["results lit"])),
        Row("  longest a captured block waited behind the clock", f"{p['capture lag'] * 1000:.0f} ms"),
    ]


def print_table(machine: str, rows: list[Row]) -> None:
    low, high = PI_FACTORS
    heads = Row("figure", "here", f"Pi 4 estimate (x{low:g} - x{high:g})", "target on a Pi 4")
    widths = [max(len(getattr(r, f.name)) for r in [heads, *rows]) for f in dataclasses.fields(Row)]
    print(machine)
    for row in [heads, Row(*("-" * w for w in widths)), *rows]:
        print("  ".join(getattr(row, f.name).ljust(w) for f, w in zip(dataclasses.fields(Row), widths,
                                                                        strict=True)).rstrip())
    print(f"\nPi 4 estimates: this machine's time x{low:g} (sysbench cpu, one thread, measured: 2196 "
          f"events/s here, 1478 published for a Pi 4) to x{high:g} (assumed: the round's heavy work is "
          "vectorised floating point, where the gap is wider); the wait is a setting, not work; memory "
          "not measured on a Pi (the same models and arrays).")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and rounds (about 4 minutes)")
    args = parser.parse_args()
    runs, rounds = (1, 20) if args.quick else (3, 40)
    rows = latency_rows(feedback_latency(runs))
    ready = startup(runs)
    rows.append(Row("start-up to READY=1", _s(ready), _on_a_pi(ready), "5 s"))
    service = service_allocator()
    setting = " ".join(f"{k}={v}" for k, v in service.items())
    plain, tuned = round_peak_mb(runs, None), round_peak_mb(runs, service)
    rows.append(Row("peak memory of a round (whole `tutor practice`)",
                    f"{plain:.0f} MB; {tuned:.0f} MB with {setting}", "about the same", "150 MB"))
    for label, allocator in (("default allocator", None), (setting, service)):
        trend = soak_in_child(rounds, allocator)
        every = max(1, rounds // 4)
        rows.append(Row(f"memory over {rounds} rounds, {label} (after loading, then every {every})",
                        " / ".join(f"{mb:.0f}" for mb in trend) + " MB", "about the same", "flat"))

    from benchmarks.evaluate import evaluate_timing

    timing = evaluate_timing(ScenarioLibrary(()).get(SCENARIO), Settings(), quick=args.quick)
    errors = timing["errors"]
    assert isinstance(errors, list)
    rtf = real_time_factor(runs)
    rows.append(Row("recognition real-time factor", f"{rtf:.2f}", f"{rtf * PI_FACTORS[0]:.2f} - "
                    f"{rtf * PI_FACTORS[1]:.2f}", "under 1"))
    rows.append(Row("whole scoring of a round against recognition alone", f"{timing['ratio']:.2f}x", "",
                    "under 1.5x"))
    rows.append(Row(f"pause error on the {timing['rounds']} evaluation rounds",
                    f"median {1000 * statistics.median(errors):.0f} ms, worst {1000 * max(errors):.0f} ms",
                    "the same", "50 ms / 100 ms"))
    print_table(f"{machine_description()}\nEngine: pocketsphinx (embedded); medians of {runs} run(s)\n", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
