"""What the meaning model costs on one thread: `.venv/bin/python -m benchmarks.meaning_cost`.

    .venv/bin/python -m benchmarks.meaning_cost [--split heldout4] [--model FILE]
                                                [--allocator both|default|service]

Prints, for the shipped model (or ``--model``) over every reply of a split:

- its load time and the resident memory it adds;
- reading each complaint once (what :meth:`MeaningModel.prepare` does while the
  customer speaks), per complaint;
- judging a reply once its complaint is read (what the station waits for after the
  trainee stops), per reply: mean and 95th percentile, with the mean number of word
  pieces on each side;
- the two together, what ``tutor score --text`` pays in a fresh process;
- resident memory after every reply, with the last complaints kept;
- with the shipped model, composing the suggestion for each library complaint stripped of its
  model answer (:func:`tutor.scoring.advice.composed_paraphrase`, which the station runs while
  the customer speaks): per draft judged whole, rules and model, and per complaint;
- the arithmetic: multiply-adds per reply and per complaint (matrix products only,
  counted from the model's sizes), and the rate this machine reached on them.

numpy's BLAS is held to one thread (set before numpy loads), as one busy core of a
Raspberry Pi 4 would run it. Each figure is measured twice, in a fresh process each time:
with the C library's default allocator settings, and with the service's
(``MALLOC_MMAP_THRESHOLD_`` from ``systemd/tutor.service``, under which every array over
128 KB is mapped from the kernel afresh and faulted in page by page; the forward pass keeps
its large arrays few for that reason). The Pi figure the README gives is an estimate from
the arithmetic at a Pi 4 core's single-precision matrix rate, not a measurement on a Pi.
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # before numpy is imported anywhere in this process

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _sizes(model: Path | None) -> tuple[int, int, int]:
    """Layers, hidden width and feed-forward width, read from the weights file."""
    from importlib import resources

    import numpy as np

    with resources.as_file(resources.files("tutor.scoring") / "data" / "meaning.npz") as shipped, \
            np.load(model or shipped) as arrays:
        layers = int(arrays["meta"][0])
        name = "encoder.layer.0.intermediate.dense.weight"  # int8 rows, or fp16 as exported
        inner, hidden = arrays[name + ".q" if name + ".q" in arrays.files else name].shape
    return layers, int(hidden), int(inner)


def _multiply_adds(seen: int, tokens: int, layers: int, hidden: int, inner: int, last_rows: int) -> int:
    """Multiply-adds of the matrix products for ``tokens`` new tokens that also attend to
    ``seen`` read before; the last layer updates only ``last_rows`` of them."""
    total = 0
    for layer in range(layers):
        rows = last_rows if layer == layers - 1 else tokens
        total += 2 * tokens * hidden * hidden  # keys and values for every token
        total += rows * (2 * hidden * hidden + 2 * hidden * inner)  # query, output, feed-forward
        total += 2 * rows * (seen + tokens) * hidden  # attention scores and their weighted sum
    return total + last_rows * hidden * hidden  # the pooler


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="heldout4", help="replies to time (default heldout4)")
    parser.add_argument("--model", type=Path, help="a meaning model file instead of the shipped one")
    parser.add_argument("--allocator", choices=("both", "default", "service"), default="both",
                        help="the C library's allocator settings to measure with: its defaults, the "
                             "service's (systemd/tutor.service's MALLOC_* lines), or both (default)")
    # one measurement in this process, with whatever allocator settings it started with
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.here:
        return _each_allocator(args)

    from benchmarks.words import SPLITS, load_replies
    from tutor.errors import ModelError
    from tutor.scoring.meaning import customer_words, load_meaning_model, meaning_model

    if args.split not in SPLITS:
        sys.exit(f"no split {args.split!r}; choose from {', '.join(sorted(SPLITS))}")
    replies = load_replies(SPLITS[args.split])
    complaints = {r.scenario.id: customer_words(r.scenario) for r in replies}
    import numpy  # noqa: F401  (its own memory is not the model's)
    import tokenizers  # noqa: F401

    before = resident_mb()
    started = time.perf_counter()
    try:
        model = load_meaning_model(args.model) if args.model else meaning_model()
    except ModelError as error:
        sys.exit(str(error))
    loaded_s = time.perf_counter() - started
    loaded = resident_mb()

    reading: list[float] = []
    judging: list[float] = []
    said_pieces: list[int] = []
    reply_pieces: list[int] = []
    for scenario_id, customer in complaints.items():
        started = time.perf_counter()
        model.prepare(customer)
        reading.append(time.perf_counter() - started)
        for reply in (r for r in replies if r.scenario.id == scenario_id):
            started = time.perf_counter()
            model.probability(customer, reply.text)
            judging.append(time.perf_counter() - started)
            said, answer = model.split_pieces(customer, reply.text)
            said_pieces.append(len(said))
            reply_pieces.append(len(answer))
    def ms(values: list[float]) -> str:
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        return f"{1000 * statistics.mean(values):.1f} ms mean, {1000 * p95:.1f} ms 95th percentile"

    print(f"meaning model on one thread, {len(replies)} replies of {args.split} "
          f"over {len(complaints)} complaints")
    print(f"  load: {loaded_s:.2f} s, +{loaded - before:.0f} MB resident")
    print(f"  reading a complaint (while the customer speaks): {ms(reading)}; "
          f"{statistics.mean(said_pieces):.0f} word pieces on average")
    print(f"  judging a reply (after the trainee stops): {ms(judging)}; "
          f"{statistics.mean(reply_pieces):.0f} word pieces on average")
    print(f"  a complaint and one reply, as `tutor score --text` pays: "
          f"{1000 * (statistics.mean(reading) + statistics.mean(judging)):.1f} ms")
    print(f"  resident after all: +{resident_mb() - before:.0f} MB over before loading")
    layers, hidden, inner = _sizes(args.model)
    reply_madds = statistics.mean(_multiply_adds(s, r + 2, layers, hidden, inner, last_rows=1)
                                  for s, r in zip(said_pieces, reply_pieces, strict=True))
    said_madds = statistics.mean(_multiply_adds(0, s + 1, layers, hidden, inner, last_rows=0)
                                 for s in said_pieces)
    print(f"  arithmetic: {reply_madds / 1e6:.0f} M multiply-adds a reply "
          f"({2 * reply_madds / statistics.mean(judging) / 1e9:.0f} GFLOPS here), "
          f"{said_madds / 1e6:.0f} M a complaint")
    if args.model is None:
        _composing(ms)
    return 0


def _composing(ms: Callable[[list[float]], str]) -> None:
    """The cost of the suggestion composed for a complaint with no model answer."""
    import dataclasses

    from tutor.scenarios import ScenarioLibrary
    from tutor.scoring.advice import first_passed, paraphrase_drafts
    from tutor.scoring.paraphrase import prepare_paraphrase, score_paraphrase

    drafts: list[float] = []
    complaints: list[float] = []
    for scenario in (dataclasses.replace(s, model_answer="") for s in ScenarioLibrary(())):
        prepare_paraphrase(scenario)
        started = time.perf_counter()
        first_passed(paraphrase_drafts(scenario), scenario, score_paraphrase)
        complaints.append(time.perf_counter() - started)
        for draft in paraphrase_drafts(scenario):
            started = time.perf_counter()
            score_paraphrase(draft, scenario)
            drafts.append(time.perf_counter() - started)
    print(f"  composing a suggestion (while the customer speaks): a draft judged {ms(drafts)}; "
          f"a library complaint, its complaint read, {1000 * min(complaints):.0f}-"
          f"{1000 * max(complaints):.0f} ms")


def _each_allocator(args: argparse.Namespace) -> int:
    """Measure in a fresh process per allocator setting: glibc reads them only at start."""
    import subprocess

    from benchmarks.memory import environment, service_allocator

    service = service_allocator()
    choices: dict[str, list[dict[str, str] | None]] = {
        "default": [None], "service": [service], "both": [None, service]}
    chosen = choices[args.allocator]
    worst = 0
    for allocator in chosen:
        named = " ".join(f"{k}={v}" for k, v in (allocator or {}).items()) or "the C library's defaults"
        print(f"allocator: {named}", flush=True)
        command = [sys.executable, "-m", "benchmarks.meaning_cost", "--here", "--split", args.split]
        if args.model:
            command += ["--model", str(args.model)]
        worst = max(worst, subprocess.run(command, env=environment(allocator), check=False).returncode)
    return worst


if __name__ == "__main__":
    sys.exit(main())
