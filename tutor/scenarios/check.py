"""Checking scenario files the way a trainer needs: every file, every problem, one line each.

Loading stops at a file's first problem, which is right for the station; a trainer fixing a
folder wants them all at once, plus what loads but will not do what they meant: a file
hidden by a library scenario with the same id, a scenario with nothing to judge the
paraphrase by (no ``key_points`` and no ``model_answer``), and, where the caller passes a judge
(``tutor scenarios check`` does), a suggestion the station itself would mark down: a model
answer it does not pass, or a sentence composed from the key points that it doubts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tutor.scenarios import Scenario, ScenarioLibrary, check_scenario_file, shadow_warning
from tutor.terminal import printable
from tutor.tomlfile import key_line


@dataclass
class CheckReport:
    """What checking found: one line per problem and per warning, and how many files."""

    files: int = 0
    problems_in_files: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        def count(n: int, what: str) -> str:
            return f"{n} {what}{'' if n == 1 else 's'}"

        verdict = "all fine" if not self.problems and not self.warnings else (
            f"{count(self.problems_in_files, 'file')} with problems" if self.problems else "no problems")
        return (f"checked {count(self.files, 'scenario file')}: {verdict} "
                f"({count(len(self.problems), 'problem')}, {count(len(self.warnings), 'warning')})")


def check_targets(targets: list[Path], library: ScenarioLibrary,
                  judge_answers: Callable[[Scenario], list[tuple[str, str]]] | None = None) -> CheckReport:
    """Check each file, and each ``*.toml`` in each folder, against ``library`` (for ids
    that a library scenario would hide); with ``judge_answers``, also warn of what it finds
    against each scenario's suggestion, as (the key it comes from, why)."""
    report = CheckReport()
    winners = library.paths(warn=False)
    for target in targets:
        if target.is_dir():
            files = sorted(target.glob("*.toml"))
            if not files:
                report.warnings.append(f"{target}: no scenario files (*.toml) in this folder")
        elif target.exists() or target.suffix == ".toml":
            files = [target]
        else:
            report.problems.append(f"{target}: no such file or folder")
            report.problems_in_files += 1
            continue
        for path in files:
            report.files += 1
            scenario, problems = check_scenario_file(path)
            report.problems.extend(sorted((" ".join(p.split()) for p in problems), key=_line_of))
            report.problems_in_files += bool(problems)
            winner = winners.get(path.stem)
            if winner is not None and winner.resolve() != path.resolve():
                report.warnings.append(shadow_warning(path, winner))
            if scenario is not None and not scenario.key_points and not scenario.model_answer:
                report.warnings.append(
                    f"{path}:{key_line(_text(path), 'lines')}: no key_points or model_answer: the "
                    "paraphrase is judged against each sentence of the lines, and the suggested "
                    "sentence only echoes the first; add key_points (what a good listener picks up) "
                    "and a model_answer")
            elif scenario is not None and judge_answers is not None and (doubts := judge_answers(scenario)):
                text = _text(path)
                report.warnings.extend(f"{path}:{key_line(text, key)}: {why}" for key, why in doubts)
    report.problems = [printable(p) for p in report.problems]
    report.warnings = [printable(w) for w in report.warnings]
    return report


def _line_of(problem: str) -> int:
    """The line a ``file:line: problem`` names, to list a file's problems top to bottom."""
    match = re.match(r"[^:]*:(\d+):", problem)
    return int(match.group(1)) if match else 0


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
