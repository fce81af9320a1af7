"""Where a round's memory goes, stage by stage: `.venv/bin/python -m benchmarks.memory`.

- peak RSS of a whole `tutor practice --simulate ... --fast` process (what the README
  quotes, and the figure a Pi with 1 GB must hold);
- the same round in a fresh process, stage by stage (import, scenario, recognizer load,
  voice start, voice render, capture with live recognition, the live stream's final
  search, saving, analysis, recognition after the round, scoring, history): resident
  memory after each stage, the stage's own peak, and its single-thread time, the
  process pinned to one CPU as a Pi's one busy core would be;
- with ``--tracemalloc``, the Python and numpy allocations of each stage (their peak) and
  the lines that hold the most where the most was seen (at each stage's end, and just
  after echo cancellation, the analysis's fullest moment). The engines' own C
  memory (pocketsphinx's model, WebRTC's detector) is not seen by tracemalloc: it is
  the difference between RSS and the traced figures.

Every figure is measured twice: with the C library's default allocator settings, and with
the ones the service runs with (the MALLOC_* variables of systemd/tutor.service's
Environment= lines, read from the unit), which glibc reads only when a process starts, so
each measurement runs in a fresh process; ``--soak N`` adds N whole rounds in one process,
its resident memory after loading and after every quarter of them.

A stage's peak comes from the kernel's high-water mark (VmHWM in /proc/self/status),
reset before every stage by writing 5 to /proc/self/clear_refs (Linux 4.0 and later);
where that cannot be reset, the peak shown is the process's peak so far.

The stages are marked by wrapping the functions the round calls (tutor.round's
render_customer, write_round, analyse_round, transcribe_speech, score_reply) and by the
round's own phase events, so the round itself runs unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[1]
SAMPLE_REPLY: Final = ROOT / "tutor" / "data" / "sample-reply.wav"
SERVICE_UNIT: Final = ROOT / "systemd" / "tutor.service"
SCENARIO: Final = "late-birthday-present"
REPLY_AT_S: Final = 1.2
PINNED_CPU: Final = 0
_TOP_LINES: Final = 12


def practice_command(save_to: Path) -> list[str]:
    """The round measured as a whole process: the simulated station, faster than real time."""
    return [sys.executable, "-m", "tutor", "practice", "--scenario", SCENARIO,
            "--simulate", str(SAMPLE_REPLY), "--reply-at", str(REPLY_AT_S), "--fast",
            "--save-round", str(save_to)]


def service_allocator(unit: Path = SERVICE_UNIT) -> dict[str, str]:
    """The C library's allocator settings (MALLOC_* variables) the service's unit sets."""
    found: dict[str, str] = {}
    for line in unit.read_text().splitlines():
        key, _, value = line.strip().partition("=")
        if key.strip() == "Environment":
            for pair in value.split():
                name, _, setting = pair.partition("=")
                if re.fullmatch(r"MALLOC_\w+", name):
                    found[name] = setting
    return found


def environment(allocator: dict[str, str] | None) -> dict[str, str]:
    """This process's environment with exactly ``allocator``'s MALLOC_* settings (None: none)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    return {**env, **(allocator or {})}


def round_peak_mb(runs: int, allocator: dict[str, str] | None = None) -> float:
    """Peak RSS (MB) of a whole `tutor practice` process running one round; median of ``runs``."""
    peaks = []
    with tempfile.TemporaryDirectory() as folder:
        env = {**environment(allocator), "STATE_DIRECTORY": folder}  # the history goes to a scratch folder
        for _ in range(runs):
            child = subprocess.Popen(practice_command(Path(folder) / "r.wav"), env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            if child.returncode != 0:
                raise RuntimeError(f"`tutor practice` failed with exit code {child.returncode}")
            peaks.append(usage.ru_maxrss / 1024)
    return statistics.median(peaks)


@dataclass
class Stage:
    """One stage of the round as measured: MB resident after it, its peak, seconds it took."""

    name: str
    rss_mb: float
    peak_mb: float
    seconds: float
    traced_peak_mb: float | None = None


class StageMeter:
    """Marks the end of each stage: resident memory, the peak since the last mark, time."""

    def __init__(self, trace: bool) -> None:
        self.stages: list[Stage] = []
        self.trace = trace
        self.peak_resettable = _reset_peak()
        self.heaviest: tuple[float, str, tracemalloc.Snapshot | None] = (0.0, "", None)
        self._began = time.perf_counter()

    def mark(self, name: str) -> None:
        status = _status()
        traced = None
        if self.trace:
            peak = tracemalloc.get_traced_memory()[1]
            traced = peak / 2**20
            tracemalloc.reset_peak()
        self.stages.append(Stage(name, status["VmRSS"], status["VmHWM"], time.perf_counter() - self._began,
                                 traced))
        _reset_peak()
        self._began = time.perf_counter()

    def snapshot_if_heaviest(self, name: str) -> None:
        """Keep what is allocated now, if the traced heap is at its largest so far."""
        if not self.trace:
            return
        current = tracemalloc.get_traced_memory()[0] / 2**20
        if current > self.heaviest[0]:
            self.heaviest = (current, name, tracemalloc.take_snapshot())


def _status() -> dict[str, float]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure_stages(trace: bool) -> dict[str, Any]:
    """One simulated round in this process, stage by stage (run in a fresh process)."""
    import dataclasses

    if trace:
        tracemalloc.start()
    meter = StageMeter(trace)
    meter.mark("interpreter")

    import tutor.listening.analysis as analysis_module
    import tutor.round as round_module
    from tutor.app import App, SimulatedReply
    from tutor.audio.wavfile import MAX_REPLY_S, read_mono
    from tutor.cli import practice  # noqa: F401  (what the command itself imports)
    from tutor.feedback import format_round
    from tutor.recognition.live import LiveListener
    from tutor.settings import load_settings
    from tutor.vocabulary import Phase
    from tutor.voice import EspeakSynthesizer

    meter.mark("import")
    folder = tempfile.mkdtemp(prefix="tutor-memory-")
    settings = load_settings()
    settings = dataclasses.replace(settings, storage=dataclasses.replace(settings.storage, data_dir=folder))
    app = App(settings)
    # one reply, as the stage table has always measured (the library's birthday is a conversation)
    scenario = dataclasses.replace(app.scenario(SCENARIO), turns=(), hidden_need="")
    rate = settings.audio.sample_rate
    reply = read_mono(SAMPLE_REPLY, rate, max_s=MAX_REPLY_S, kind="a reply")
    audio = app.audio_opener(SimulatedReply(reply, REPLY_AT_S, fast=True))()
    meter.mark("settings, scenario, reply file")
    recognizer = app.recognizer()
    meter.mark("recognizer load")

    def wrap(name: str, before: str | None, after: str, owner: Any = round_module) -> None:
        inner: Callable[..., Any] = getattr(owner, name)

        def marked(*args: Any, **kwargs: Any) -> Any:
            if before:
                meter.mark(before)
            result = inner(*args, **kwargs)
            meter.snapshot_if_heaviest(after)
            meter.mark(after)
            return result

        setattr(owner, name, marked)

    wrap("render_customer", None, "voice render")
    wrap("write_round", "(between)", "save the recording")
    # the live recognizer's thread hears the reply while it is captured; faster than real
    # time (--fast), most of its work is left for here
    wrap("finish", None, "live recognition left to finish", owner=LiveListener)
    wrap("analyse_round", "(between)", "analysis (latency, echo, voice activity)")
    wrap("transcribe_speech", None, "recognition after the round")
    wrap("score_reply", "(between)", "scoring")

    def snapshot_after(module: Any, name: str, label: str) -> None:
        inner: Callable[..., Any] = getattr(module, name)

        def snapshotted(*args: Any, **kwargs: Any) -> Any:
            result = inner(*args, **kwargs)
            meter.snapshot_if_heaviest(label)
            return result

        setattr(module, name, snapshotted)

    snapshot_after(analysis_module, "cancel_echo", "analysis, just after echo cancellation")

    def on_event(phase: Phase, data: dict[str, object]) -> None:
        if phase is Phase.THINKING:
            meter.snapshot_if_heaviest("capture")
            meter.mark("capture, live recognition")

    try:
        with EspeakSynthesizer(settings.voice) as synthesizer:
            meter.mark("voice start")
            result = app.practice_round(audio, recognizer, synthesizer, on_event).run(
                scenario, save_to=Path(folder) / "r.wav")
            meter.mark("(between)")
    finally:
        recognizer.close()
        audio.close()
    kept = app.record(result, "guest", keep_file=True)
    format_round(kept.result)
    meter.mark("history record, report")
    top: list[str] = []
    if trace and meter.heaviest[2] is not None:
        for stat in meter.heaviest[2].statistics("lineno")[:_TOP_LINES]:
            frame = stat.traceback[0]
            where = Path(frame.filename)
            shown = where.relative_to(ROOT) if where.is_relative_to(ROOT) else Path(*where.parts[-2:])
            top.append(f"{stat.size / 2**20:7.1f} MB  {stat.count:6d} blocks  {shown}:{frame.lineno}")
    return {"stages": [asdict(stage) for stage in meter.stages],
            "peak_resettable": meter.peak_resettable,
            "heaviest": meter.heaviest[1], "top": top,
            "transcript": result.transcript,
            "heard_reply": result.heard_reply}


def stages_in_child(trace: bool, allocator: dict[str, str] | None = None) -> dict[str, Any]:
    """measure_stages in a fresh interpreter pinned to one CPU, so import costs and time are honest."""
    command = [sys.executable, "-m", "benchmarks.memory", "--child"] + (["--tracemalloc"] if trace else [])
    with tempfile.TemporaryDirectory() as folder:
        env = {**environment(allocator), "STATE_DIRECTORY": folder}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the measuring process failed:\n{done.stderr}")
    data: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return data


def soak(rounds: int) -> list[float]:
    """RSS in MB after loading and after every quarter of ``rounds`` whole rounds in this process
    (the simulated station faster than real time, feedback not spoken, the history recorded)."""
    import dataclasses

    from benchmarks.engines import rss_mb
    from tutor.app import App
    from tutor.audio.simulated import SimulatedDuplex
    from tutor.audio.wavfile import read_mono
    from tutor.kiosk import Kiosk, ScenarioChooser
    from tutor.lights.console import ConsoleLights
    from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
    from tutor.scenarios import ScenarioLibrary
    from tutor.settings import Settings, SimulateSettings
    from tutor.voice import EspeakSynthesizer

    settings = Settings()
    rate = settings.audio.sample_rate
    reply = read_mono(SAMPLE_REPLY, rate)
    readings = []
    with EspeakSynthesizer(settings.voice) as voice, tempfile.TemporaryDirectory() as folder:
        settings = dataclasses.replace(
            settings, storage=dataclasses.replace(settings.storage, data_dir=folder),
            kiosk=dataclasses.replace(settings.kiosk, spoken_feedback=False))
        kiosk = Kiosk(settings=settings, lights=ConsoleLights(lambda text: None), synthesizer=voice,
                      recognizer=PocketsphinxRecognizer(rate),
                      open_audio=lambda: SimulatedDuplex(reply, rate, reply_at_s=REPLY_AT_S,
                                                         settings=SimulateSettings(realtime=False)),
                      chooser=ScenarioChooser(ScenarioLibrary(()), (), "random"),
                      after_round=App(settings).after_round)
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


def soak_in_child(rounds: int, allocator: dict[str, str] | None = None) -> list[float]:
    """:func:`soak` in a fresh process, with exactly ``allocator``'s settings."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.memory", "--child-soak", str(rounds)],
                          capture_output=True, text=True, env=environment(allocator), check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the soak process failed:\n{done.stderr}")
    readings: list[float] = json.loads(done.stdout.splitlines()[-1])
    return readings


def median_stages(runs: list[dict[str, Any]]) -> list[Stage]:
    """Stage by stage, the median of each figure over runs (the stages are the same in each)."""
    merged = []
    for index, first in enumerate(runs[0]["stages"]):
        values = [run["stages"][index] for run in runs]
        traced = [v["traced_peak_mb"] for v in values if v["traced_peak_mb"] is not None]
        merged.append(Stage(first["name"], statistics.median(v["rss_mb"] for v in values),
                            statistics.median(v["peak_mb"] for v in values),
                            statistics.median(v["seconds"] for v in values),
                            statistics.median(traced) if traced else None))
    return merged


def stage_table(stages: list[Stage]) -> str:
    lines = [f"{'stage':44s} {'RSS after':>10s} {'stage peak':>11s} {'time (1 CPU)':>13s}"]
    for stage in stages:
        lines.append(f"{stage.name:44s} {stage.rss_mb:7.0f} MB {stage.peak_mb:8.0f} MB "
                     f"{stage.seconds * 1000:9.0f} ms")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds measured, each in a fresh process "
                        "(default 3; medians are shown)")
    parser.add_argument("--soak", type=int, default=0, metavar="N",
                        help="also N whole rounds in one process, both ways (40 takes a few minutes)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace Python and numpy allocations (slower; one more run)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-soak", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        os.sched_setaffinity(0, {PINNED_CPU})
        print(json.dumps(measure_stages(args.tracemalloc)))
        return 0
    if args.child_soak:
        print(json.dumps(soak(args.child_soak)))
        return 0

    from benchmarks.engines import machine_description

    print(machine_description())
    runs = max(1, args.runs)
    service = service_allocator()
    ways = {"default allocator": None,
            f"the service's ({' '.join(f'{k}={v}' for k, v in service.items()) or 'none set'})": service}
    for label, allocator in ways.items():
        print(f"\n== {label} ==")
        print(f"Peak memory of a round (whole `tutor practice --simulate --fast` process, median of {runs}): "
              f"{round_peak_mb(runs, allocator):.0f} MB")
        measured = [stages_in_child(False, allocator) for _ in range(runs)]
        stages = median_stages(measured)
        if not measured[0]["peak_resettable"]:
            print("(this kernel cannot reset the peak: each stage's peak is the process's peak so far)")
        print(f"The same round in one process, pinned to CPU {PINNED_CPU}, median of {runs}:")
        print(stage_table(stages))
        print(f"{'whole round, peak':44s} {'':10s} {max(s.peak_mb for s in stages):8.0f} MB "
              f"{sum(s.seconds for s in stages) * 1000:9.0f} ms")
        if args.soak:
            trend = soak_in_child(args.soak, allocator)
            print(f"Memory over {args.soak} rounds in one process (MB, after loading then every "
                  f"{max(1, args.soak // 4)}): " + " / ".join(f"{mb:.0f}" for mb in trend))
        print(f"Heard: \"{measured[0]['transcript']}\"")
    if args.tracemalloc:
        traced = stages_in_child(True)
        print("\nPython and numpy allocations (tracemalloc; engines' C memory not included), "
              "each stage's peak:")
        for stage in traced["stages"]:
            print(f"  {stage['name']:44s} {stage['traced_peak_mb']:7.1f} MB")
        print(f"Held where the most traced memory was seen ({traced['heaviest']}):")
        for line in traced["top"]:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
