"""Write ``tutor/scoring/data/people.txt``: the nouns that name a person or an animal.

    .venv/bin/python -m benchmarks.people_nouns [--check]

"Your bridesmaids must be so disappointed" names the bridesmaids' feeling, not
the customer's; the scorer needs to know which nouns are people (or pets) to
tell. A hand list always lacks the next one ("volunteers", "sponsors",
"drummer"), so the list comes from WordNet 3.0 (Debian's ``wordnet-base``,
read from ``/usr/share/wordnet``): a one-word noun whose commonest sense is in
the lexicographer files ``noun.person`` or ``noun.animal``, unless the word is
more often an adjective (``cntlist.rev`` counts tagged senses: "general",
"private" and "local" stay out, "volunteer" and "junior" come in). Plurals are
made by WordNet's own regular rules, and ``noun.exc`` adds the irregular ones
("children", "women"). Words under three letters and function words ("have",
as in "the haves") are left out. The station reads the written file, not WordNet.
``--check`` exits 1 when the file differs from what WordNet gives.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Final

from tutor.scoring.text import is_content

WORDNET: Final = Path("/usr/share/wordnet")
OUTPUT: Final = Path(__file__).resolve().parent.parent / "tutor" / "scoring" / "data" / "people.txt"
# lexicographer file numbers (WordNet's lexnames): noun.animal and noun.person
ANIMAL, PERSON = 5, 18
HEADER: Final = ("# Nouns that name a person or an animal, from WordNet 3.0; written by "
                 "`python -m benchmarks.people_nouns`.\n")


def _lines(name: str) -> list[str]:
    return [line for line in (WORDNET / name).read_text(encoding="latin-1").splitlines()
            if not line.startswith("  ")]  # the licence header is indented


def _tagged_counts() -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for line in _lines("cntlist.rev"):
        key, _, count = line.split()
        lemma, _, rest = key.partition("%")
        kind = rest.split(":")[0]
        counts[(lemma, "noun" if kind == "1" else "adj" if kind in ("3", "5") else "other")] += int(count)
    return counts


def _plural(noun: str) -> str:
    if noun.endswith("man"):
        return noun[:-3] + "men"
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", noun):
        return noun + "es"
    return noun + "s"


def people_nouns() -> list[str]:
    """The words to write, sorted."""
    adjectives = {line.split()[0] for line in _lines("index.adj")}
    tagged = _tagged_counts()
    lexfile = {fields[0]: int(fields[1]) for fields in (line.split(" ", 2) for line in _lines("data.noun"))}
    people: set[str] = set()
    for line in _lines("index.noun"):
        fields = line.split()
        lemma, pointers = fields[0], int(fields[3])
        commonest = fields[6 + pointers]  # synset offsets are listed commonest sense first
        if len(lemma) < 3 or not lemma.isalpha() or not is_content(lemma) \
                or lexfile[commonest] not in (ANIMAL, PERSON):
            continue  # "ma", "pa" and "have" (the haves) are read as other words far more often
        if lemma in adjectives and tagged[(lemma, "noun")] <= tagged[(lemma, "adj")]:
            continue
        people.add(lemma)
    forms = people | {_plural(noun) for noun in people}
    for line in _lines("noun.exc"):
        inflected, lemma = line.split()[:2]
        if lemma in people and inflected.isalpha():
            forms.add(inflected)
    return sorted(forms)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the written file; write nothing")
    args = parser.parse_args(argv)
    if not (WORDNET / "index.noun").is_file():
        print(f"error: WordNet not found at {WORDNET}; install Debian's wordnet-base", file=sys.stderr)
        return 2
    text = HEADER + "\n".join(people_nouns()) + "\n"
    if args.check:
        same = OUTPUT.is_file() and OUTPUT.read_text(encoding="utf-8") == text
        print(f"{OUTPUT.name}: {'matches' if same else 'differs from'} WordNet")
        return 0 if same else 1
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(text.splitlines()) - 1} words to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
