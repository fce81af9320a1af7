"""One-line restatements of the library complaints: how often the station passes them.

    .venv/bin/python -m benchmarks.terse_probe [--show]

Terse restatements in the trainee's own words are the weakest family on every held-out
set. These thirty (three a library complaint, each restating one of its central concerns
in a single short sentence) were written as a probe, not labelled by a trainer panel, and
no rule or model is tuned on them: they show how the station treats a short restatement
it has not seen, as pass, unsure or fail. ``--show`` prints each with the two
probabilities behind its verdict.
"""

from __future__ import annotations

import argparse
import collections
import sys
from typing import Final

PROBES: Final = {
    "hotel-room-not-as-booked": ("So you were put in the wrong room.",
                                 "So you didn't get the room you booked.",
                                 "So you booked a sea view and got the car park."),
    "late-birthday-present": ("So the present arrived after the birthday.",
                              "So you paid for express and it still came late.",
                              "So the gift missed her birthday."),
    "laptop-repair-still-broken": ("So the laptop is still broken after the repair.",
                                   "So you paid for a repair that didn't fix it.",
                                   "So it's still not working."),
    "delayed-package": ("So your parcel is late.", "So the package still hasn't arrived.",
                        "So you've been waiting in for a delivery that never comes."),
    "high-electricity-bill": ("So your bill has shot up.", "So the bill is much higher than usual.",
                              "So you're being charged far more than normal."),
    "cancelled-flight-rebooking": ("So your flight was cancelled.", "So you might miss the wedding.",
                                   "So the flight was cancelled and no one rebooked you."),
    "broadband-engineer-no-show": ("So the engineer never turned up.", "So you waited in and nobody came.",
                                   "So you took the day off and the engineer didn't show."),
    "card-terminals-down": ("So your card machines stopped working.", "So you couldn't take card payments.",
                            "So the terminals went down and you lost sales."),
    "streaming-nothing-to-watch": ("So there's nothing worth watching.", "So the shows you liked have gone.",
                                   "So you're paying for a service you don't use."),
    "test-results-not-communicated": ("So nobody told you your results.",
                                      "So you're still waiting to hear about your test.",
                                      "So you had to chase your results yourself."),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="print every restatement and its verdict")
    args = parser.parse_args()

    from tutor.scenarios import ScenarioLibrary
    from tutor.scoring.paraphrase import score_paraphrase

    library = ScenarioLibrary(())
    counts: collections.Counter[str] = collections.Counter()
    for scenario_id, replies in PROBES.items():
        scenario = library.get(scenario_id)
        for reply in replies:
            trait = score_paraphrase(reply, scenario)
            outcome = "unsure" if not trait.reliable else "pass" if trait.passed else "fail"
            counts[outcome] += 1
            if args.show:
                print(f"{outcome:<7} rules {trait.details.get('rules_probability', '-')!s:<5} meaning "
                      f"{trait.details.get('meaning_probability', '-')!s:<5} {scenario_id}: {reply}")
    total = sum(counts.values())
    print(f"{total} one-line restatements of the library complaints: "
          + ", ".join(f"{counts[k]} {k}" for k in ("pass", "unsure", "fail")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
