"""How often two trainers agree on the word judgements, and the station against each of them.

    .venv/bin/python -m benchmarks.labellers [--split heldout9,heldout10,...,heldout26] [--trainers-only]

A held-out set's labels are its author's. Some sets also have a second trainer's labels
(``second_labels.toml`` beside ``replies.toml``), given blind: the second trainer read only
the label definitions, the customers' lines and the replies' text, never the author's labels,
notes or families, nor the station's verdicts. Their agreement says how far a target such as
"95% agreement" is a property of the task rather than of the station: where two people
agree 98% of the time, a scorer at 90% has room to improve; where they agree 90%, it has
none. The station is also measured on the replies both trainers labelled alike, which
takes the replies that are unclear to people out of its figure. ``--trainers-only`` prints the
trainers' agreement alone, without running the station: for a set kept for a later release's
test, whose second labels must be checked without reading the station on it.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import dataclass
from typing import Final

from benchmarks.words import DATA, HABITS, SPLITS, load_replies, wilson
from tutor.scoring import score_reply
from tutor.settings import ScoringSettings

SECOND: Final = "second_labels.toml"


class LabelFileError(Exception):
    """A second-labels file that does not line up with its set's replies."""


@dataclass
class Tally:
    """Counts for one habit."""

    total: int = 0
    trainers: int = 0  # the two trainers agree
    author: int = 0  # the station agrees with the set's author
    second: int = 0  # ... with the second trainer
    both: int = 0  # replies the trainers labelled alike
    station_on_both: int = 0


def second_labels(split: str, texts: list[str]) -> list[dict[str, bool]]:
    """The second trainer's labels for ``split``, in the order of its replies."""
    path = DATA / split / SECOND
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("label", [])
    if len(entries) != len(texts):
        raise LabelFileError(f"{path}: {len(entries)} labels for {len(texts)} replies")
    for number, (entry, text) in enumerate(zip(entries, texts, strict=True), start=1):
        if entry.get("text") != text:
            raise LabelFileError(f"{path}: label {number} is for another reply than the set's")
        if not all(isinstance(entry.get(habit), bool) for habit in HABITS):
            raise LabelFileError(f"{path}: label {number} lacks a true/false for every habit")
    return [{habit: entry[habit] for habit in HABITS} for entry in entries]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # the forty-seventh and forty-eighth are this release's test: read by name only, not by default
    parser.add_argument("--split", default=",".join(f"heldout{n}" for n in range(9, 47)),
                        help="held-out sets with a second trainer's labels, by comma")
    parser.add_argument("--trainers-only", action="store_true",
                        help="the two trainers' agreement alone; the station is not run")
    args = parser.parse_args()
    splits = [s for s in args.split.split(",") if s]
    unknown = [s for s in splits if s not in SPLITS or not (DATA / s / SECOND).exists()]
    if unknown:
        print(f"error: no second trainer's labels for {', '.join(unknown)}", file=sys.stderr)
        return 2
    settings = ScoringSettings()
    tallies = {habit: Tally() for habit in HABITS}
    for split in splits:
        replies = load_replies(SPLITS[split])
        try:
            seconds = second_labels(split, [r.text for r in replies])
        except (LabelFileError, tomllib.TOMLDecodeError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        for reply, second in zip(replies, seconds, strict=True):
            card = None if args.trainers_only else score_reply(reply.text, reply.scenario, settings)
            for habit in HABITS:
                trait = None if card is None else getattr(card, habit)
                station = trait is not None and trait.passed
                author = reply.labels[habit]
                tally = tallies[habit]
                tally.total += 1
                tally.trainers += author == second[habit]
                tally.author += station == author
                tally.second += station == second[habit]
                if author == second[habit]:
                    tally.both += 1
                    tally.station_on_both += station == author
    if args.trainers_only:
        print(f"Two trainers, {', '.join(splits)} (the station not run)")
    else:
        print(f"Two trainers, {', '.join(splits)} (typed replies; the station's verdict as given, "
              "unsure included)")
    for habit, t in tallies.items():
        low, high = wilson(t.trainers, t.total)
        if args.trainers_only:
            print(f"  {habit:14} trainers agree {t.trainers}/{t.total} = {100 * t.trainers / t.total:.1f}% "
                  f"(95% CI {100 * low:.1f}-{100 * high:.1f})")
            continue
        on_both_low, on_both_high = wilson(t.station_on_both, t.both)
        print(f"  {habit:14} trainers agree {t.trainers}/{t.total} = {100 * t.trainers / t.total:.1f}% "
              f"(95% CI {100 * low:.1f}-{100 * high:.1f}); station with the author "
              f"{100 * t.author / t.total:.1f}%, with the second trainer {100 * t.second / t.total:.1f}%; "
              f"where both trainers agree ({t.both}) {100 * t.station_on_both / max(1, t.both):.1f}% "
              f"(95% CI {100 * on_both_low:.1f}-{100 * on_both_high:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
