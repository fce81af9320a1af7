"""How many words the embedded recognizer should know: `.venv/bin/python -m benchmarks.vocabulary`.

pocketsphinx's search costs memory for every word it may hear. This measures, for the
language model's N likeliest words (its own unigram probabilities) and for its whole
vocabulary:

- word error on the evaluation's labelled replies spoken by both festival voices at their
  own speed, one stream per reply (development and held-out parts apart);
- the share of the replies' words outside the vocabulary;
- resident memory of a fresh process after loading the recognizer, and its decode speed.

The rule, applied to the development part only: the smallest vocabulary whose word error
is within half a point of the whole vocabulary's and that leaves at most 2% of the replies'
words unknown (a word outside the vocabulary can never be heard, and the ones that drop out
first are a complaint's own nouns, which a paraphrase needs more than word error shows). The
held-out part is reported beside it
and plays no part in the choice. Each size runs in its own process (so one decoder's memory
never shows in another's), two at a time.
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from benchmarks.endpoint import PRIMER, RATE, spoken_replies, words_of
from benchmarks.engines import rss_mb
from tutor.audio.wavfile import read_mono

SIZES: Final = (15_000, 25_000, 35_000, 50_000, None)  # None: the language model's every word
PARTS: Final = ("development", "held-out")
WORSE_BY_AT_MOST: Final = 0.005
UNKNOWN_AT_MOST: Final = 0.02


@dataclass(frozen=True)
class Tally:
    size: int | None
    part: str
    replies: int
    errors: int
    words: int
    unknown: int
    loaded_mb: float
    real_time_factor: float

    @property
    def error_rate(self) -> float:
        return self.errors / max(1, self.words)


def measure(size: int | None, part: str, per_part: int) -> Tally:
    """Word error of one vocabulary size over one part's spoken replies, in this (fresh) process."""
    from rapidfuzz.distance import Levenshtein

    from tutor.recognition import pocketsphinx_engine

    pocketsphinx_engine.VOCABULARY = size if size is not None else sys.maxsize  # type: ignore[misc]
    recognizer = pocketsphinx_engine.PocketsphinxRecognizer(RATE)
    loaded_mb = rss_mb()
    from pocketsphinx import Config

    known = pocketsphinx_engine.language_model_words(Path(Config()["lm"]), most_likely=size)
    replies = [s for s in spoken_replies(per_part, ["own"], quiet=True) if s.part == part]
    primer = read_mono(PRIMER, RATE)[: 3 * RATE]
    errors = words = unknown = 0
    decoding = audio_s = 0.0
    for reply in replies:
        stream = recognizer.stream()  # the same starting normalisation before every reply
        stream.accept(primer)
        stream.finish()
        started = time.perf_counter()
        stream = recognizer.stream()
        stream.accept(reply.samples)
        heard = stream.finish().text.split()
        decoding += time.perf_counter() - started
        audio_s += len(reply.samples) / RATE
        reference = words_of(reply.text)
        errors += Levenshtein.distance(reference, heard)
        words += len(reference)
        unknown += sum(known is not None and word.encode() not in known for word in reference)
    return Tally(size, part, len(replies), errors, words, unknown, loaded_mb, decoding / max(audio_s, 1e-9))


def choose(tallies: list[Tally]) -> int | None:
    """The smallest size within half a point of the whole vocabulary's word error and with at most
    2% of words unknown, on development."""
    development = {t.size: t for t in tallies if t.part == "development"}
    whole = development[None].error_rate
    fit = [size for size, t in development.items() if size is not None
           and t.error_rate <= whole + WORSE_BY_AT_MOST and t.unknown <= UNKNOWN_AT_MOST * t.words]
    return min(fit) if fit else None


def table(tallies: list[Tally]) -> str:
    lines = [f"{'words known':>12} {'part':<12} {'recordings':>10} {'word error':>10} {'unknown words':>13} "
             f"{'RSS loaded':>10} {'RTF':>5}"]
    for t in sorted(tallies, key=lambda t: (t.size or sys.maxsize, t.part)):
        label = f"{t.size:,}" if t.size else "all 72,547"
        lines.append(f"{label:>12} {t.part:<12} {t.replies:>10} {t.error_rate:>10.1%} "
                     f"{t.unknown / max(1, t.words):>13.1%} {t.loaded_mb:>7.0f} MB "
                     f"{t.real_time_factor:>5.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-part", type=int, default=80,
                        help="replies per part, each spoken by both voices (default 80)")
    args = parser.parse_args(argv)
    if not 1 <= args.per_part <= 1000:
        parser.error("--per-part must be between 1 and 1000")
    spoken_replies(args.per_part, ["own"])  # synthesised once here, then read from the cache
    jobs = [(size, part) for size in SIZES for part in PARTS]
    # a fresh process for every size: a decoder freed in a process leaves its heap behind
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"),
                             max_tasks_per_child=1) as pool:
        tallies = list(pool.map(measure, [s for s, _ in jobs], [p for _, p in jobs],
                                [args.per_part] * len(jobs)))
    print(f"# pocketsphinx vocabulary ({platform.machine()}, {platform.processor() or platform.platform()})")
    print(table(tallies))
    chosen = choose(tallies)
    print(f"chosen on development replies (word error within {WORSE_BY_AT_MOST:.1%} of the whole "
          f"vocabulary's, at most {UNKNOWN_AT_MOST:.0%} of words unknown): "
          + (f"{chosen:,} words" if chosen else "the whole vocabulary"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
