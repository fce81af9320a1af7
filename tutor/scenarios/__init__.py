"""Scenarios: the customer complaints a trainee practises on.

A scenario is a TOML file. Only ``title`` and ``lines`` are required::

    title = "A birthday present that arrived late"
    lines = [
      "I ordered a present for my daughter two weeks ago.",
      { text = "It arrived three days after her birthday.", pause_after = 2.5 },
      "I paid for express delivery.",
    ]

A line is a string, or an inline table with ``text`` and optionally
``pause_after`` (seconds of silence before the next line) and ``audio`` (a
WAV recording of the line, relative to the scenario file, played instead of
the synthetic voice). Optional scenario keys: ``summary``, ``setting``,
``difficulty``, ``tags``, ``pause_after``, ``rate``, ``voice``,
``key_points``, ``emotions``, ``model_answer``, ``hidden_need`` and ``turns``.

``lines`` is the customer's opening turn. A conversation adds ``[[turns]]``: what the
customer says next, chosen by what the trainee's reply did (``when``, one of
:class:`tutor.vocabulary.Condition`), after which turns (``after``, default the
opening), and whether it is the customer's last word (``ends``)::

    hidden_need = "to know it will be there by Saturday"

    [[turns]]
    id = "calmer"
    when = "acknowledged"
    lines = ["Thank you. She'd been waiting all month for it."]

    [[turns]]
    id = "need"
    when = "open_question"
    after = ["opening", "calmer"]
    lines = ["Honestly, I just want to know the next one will be there by Saturday."]
    ends = true

A scenario without turns is a conversation of one turn, played exactly as before. How
turns are chosen and checked: :mod:`tutor.scenarios.turns`.

A scenario is at most :data:`MAX_LINES` lines of :data:`MAX_LINE_CHARS`
characters, a recorded line at most :data:`MAX_LINE_AUDIO_S` long, and the
voice one espeak-ng lists as speaking English; the whole track is bounded when it is rendered
(:data:`tutor.voice.MAX_CUSTOMER_S`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

from tutor.errors import ScenarioError, UnknownScenarioError
from tutor.scenarios.turns import MAX_TURN_DEFINITIONS, OPENING, conversation_problems
from tutor.terminal import printable
from tutor.tomlfile import key_line, read_toml
from tutor.vocabulary import Condition

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

LIBRARY_DIR: Final = Path(__file__).parent / "library"
DIFFICULTIES: Final = ("easy", "medium", "hard")
_KNOWN_KEYS: Final = frozenset({
    "title", "lines", "summary", "setting", "difficulty", "tags", "pause_after", "rate",
    "voice", "key_points", "emotions", "model_answer", "hidden_need", "turns",
})
_LINE_KEYS: Final = frozenset({"text", "pause_after", "audio"})
_TURN_KEYS: Final = frozenset({"id", "when", "lines", "after", "ends", "key_points", "model_answer"})
_TURN_ID: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
MAX_LINES: Final = 20
"""Most lines in a scenario: a complaint, not a monologue."""
MAX_LINE_CHARS: Final = 400
"""Longest line, in characters: a few sentences, about half a minute of speech."""
MAX_LINE_AUDIO_S: Final = 60.0
"""Longest recorded line (``audio``), in seconds."""


@dataclass(frozen=True)
class CustomerLine:
    """One thing the customer says, and the silence after it."""

    text: str
    pause_after_s: float | None = None
    audio: Path | None = None


@dataclass(frozen=True)
class CustomerTurn:
    """Something the customer says later in the conversation, and when they say it."""

    id: str
    when: Condition
    lines: tuple[CustomerLine, ...]
    after: tuple[str, ...] = (OPENING,)
    """The turns this one may follow (``opening`` is the scenario's ``lines``). For an
    ``interrupted`` or ``dead_air`` turn: the turns it may cut into or follow in silence."""
    ends: bool = False
    """The customer's last word: no reply is listened for after it."""
    key_points: tuple[str, ...] = ()
    model_answer: str = ""

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


@dataclass(frozen=True)
class Scenario:
    """A customer's complaint and what a good listener would pick up from it."""

    id: str
    title: str
    lines: tuple[CustomerLine, ...]
    summary: str = ""
    setting: str = ""
    difficulty: str = "medium"
    tags: tuple[str, ...] = ()
    pause_after_s: float | None = None
    rate: int | None = None
    voice: str | None = None
    key_points: tuple[str, ...] = ()
    emotions: tuple[str, ...] = ()
    model_answer: str = ""
    hidden_need: str = ""
    """What the customer really needs, said only when an open question draws it out."""
    turns: tuple[CustomerTurn, ...] = ()
    said_before: tuple[str, ...] = ()
    """For a later turn's scenario (:func:`tutor.conversation.turn_scenario`): what the customer
    said in the opening. Never read from a file; its ideas alone do not restate the later turn."""
    path: Path | None = field(default=None, compare=False)

    @property
    def is_conversation(self) -> bool:
        """True when the customer answers back: the scenario has turns after its opening."""
        return bool(self.turns)

    @property
    def text(self) -> str:
        """Everything the customer says, as one paragraph."""
        return " ".join(line.text for line in self.lines)

    def where(self, key: str) -> str:
        """``file:line`` of ``key`` in the scenario's file, for errors found after loading."""
        if self.path is None:
            return self.id
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
        return f"{self.path}:{key_line(text, key)}"

    @property
    def has_mid_pause(self) -> bool:
        """True when the customer stops for two seconds or more and then goes on."""
        return any((line.pause_after_s or 0.0) >= 2.0 for line in self.lines[:-1])


def load_scenario(path: Path) -> Scenario:
    """Read and check one scenario file; errors name the file, line and key."""
    scenario, problems = check_scenario_file(path)
    if scenario is None:
        raise ScenarioError(problems[0])
    return scenario


def check_scenario_file(path: Path) -> tuple[Scenario | None, list[str]]:
    """The scenario in ``path`` and every problem with it (``file:line: problem``), the first
    being the one :func:`load_scenario` raises; the scenario is None when there is any."""
    try:
        document = read_toml(path, what="scenario file", error=ScenarioError)
    except FileNotFoundError:
        return None, [f"scenario file {path} does not exist"]
    except ScenarioError as exc:
        return None, [str(exc)]
    return _parse(document.data, scenario_id=path.stem, path=path, text=document.text)


def parse_scenario(data: dict[str, Any], *, scenario_id: str, path: Path | None = None,
                   text: str | None = None) -> Scenario:
    scenario, problems = _parse(data, scenario_id=scenario_id, path=path, text=text)
    if scenario is None:
        raise ScenarioError(problems[0])
    return scenario


def _parse(data: dict[str, Any], *, scenario_id: str, path: Path | None,
           text: str | None) -> tuple[Scenario | None, list[str]]:
    """Every key checked, each problem kept, so a trainer sees them all at once."""
    where = str(path) if path else scenario_id
    problems: list[str] = []

    def fail(key: str, message: str) -> ScenarioError:
        return ScenarioError(f"{where}:{key_line(text, key)}: '{key}' {message}")

    def attempt(check: Callable[[], _T], default: _T) -> _T:
        try:
            return check()
        except ScenarioError as exc:
            problems.append(str(exc))
            return default

    for key in data:
        if key not in _KNOWN_KEYS:
            problems.append(str(fail(key, "is not a scenario key; known keys: "
                                          f"{', '.join(sorted(_KNOWN_KEYS))}")))
    for required in ("title", "lines"):
        if required not in data:
            problems.append(f"{where}: missing required key '{required}'")

    def read_title() -> str:
        title = _string(data["title"], lambda m: fail("title", m))
        if not title.strip():
            raise fail("title", "must not be empty")
        return title.strip()

    title = attempt(read_title, "") if "title" in data else ""
    lines: list[CustomerLine] = []
    raw_lines = data.get("lines", [])
    if "lines" in data and (not isinstance(raw_lines, list) or not raw_lines):
        problems.append(str(fail("lines", "must be a non-empty array of the customer's lines")))
        raw_lines = []
    elif len(raw_lines) > MAX_LINES:
        problems.append(str(fail("lines", f"has {len(raw_lines)} items; a scenario may have at most "
                                          f"{MAX_LINES}")))
    base = path.parent if path else Path.cwd()
    for number, item in enumerate(raw_lines, 1):
        try:
            lines.append(_line(item, number, base, lambda m: fail("lines", m)))
        except ScenarioError as exc:  # each bad item reported, the rest still checked
            problems.append(str(exc))

    def read_difficulty() -> str:
        difficulty = _string(data.get("difficulty", "medium"), lambda m: fail("difficulty", m))
        if difficulty not in DIFFICULTIES:
            raise fail("difficulty", f"must be one of {', '.join(DIFFICULTIES)}, not {difficulty!r}")
        return difficulty

    def read_rate() -> int | None:
        rate = data.get("rate")
        if rate is not None and (not isinstance(rate, int) or isinstance(rate, bool)
                                 or not 60 <= rate <= 400):
            raise fail("rate", f"must be words per minute between 60 and 400, not {rate!r}")
        return rate

    def read_voice() -> str | None:
        if "voice" not in data:
            return None
        voice = _string(data["voice"], lambda m: fail("voice", m))
        from tutor.voice import voice_problem  # tutor.voice imports this module

        if problem := voice_problem(voice):
            raise fail("voice", problem)
        return voice

    def read_turns() -> tuple[CustomerTurn, ...]:
        raw = data.get("turns", [])
        if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
            raise fail("turns", "must be tables written [[turns]], one per turn")
        if len(raw) > MAX_TURN_DEFINITIONS:
            raise fail("turns", f"has {len(raw)} turns; a scenario may have at most {MAX_TURN_DEFINITIONS}")
        turns: list[CustomerTurn] = []
        for number, item in enumerate(raw, 1):
            try:
                turns.append(_turn(item, number, base, lambda n, key, m: ScenarioError(
                    f"{where}:{turn_line(text, n, key)}: turn {n}: {m}")))
            except ScenarioError as exc:
                problems.append(str(exc))
        return tuple(turns)

    no_turns: tuple[CustomerTurn, ...] = ()
    turns = attempt(read_turns, no_turns) if "turns" in data else no_turns
    hidden_need = attempt(lambda: _string(data.get("hidden_need", ""), lambda m: fail("hidden_need", m)),
                          "").strip()
    if not problems:  # the turns read: now whether they make a conversation that can be played
        for turn_number, key, message in conversation_problems(turns, hidden_need=hidden_need):
            line = (turn_line(text, turn_number, key) if turn_number is not None
                    else key_line(text, key))
            problems.append(f"{where}:{line}: {message}")

    scenario = Scenario(
        id=scenario_id,
        title=title,
        lines=tuple(lines),
        summary=attempt(lambda: _string(data.get("summary", ""), lambda m: fail("summary", m)), ""),
        setting=attempt(lambda: _string(data.get("setting", ""), lambda m: fail("setting", m)), ""),
        difficulty=attempt(read_difficulty, "medium"),
        tags=attempt(lambda: _strings(data.get("tags", []), lambda m: fail("tags", m)), ()),
        pause_after_s=attempt(lambda: _seconds(data.get("pause_after"), lambda m: fail("pause_after", m)),
                              None),
        rate=attempt(read_rate, None),
        voice=attempt(read_voice, None),
        key_points=attempt(lambda: _strings(data.get("key_points", []), lambda m: fail("key_points", m)),
                           ()),
        emotions=attempt(lambda: _strings(data.get("emotions", []), lambda m: fail("emotions", m)), ()),
        model_answer=attempt(lambda: _string(data.get("model_answer", ""),
                                             lambda m: fail("model_answer", m)), ""),
        hidden_need=hidden_need,
        turns=turns,
        path=path,
    )
    return (None, problems) if problems else (scenario, [])


def _line(item: Any, number: int, base: Path, fail: Any) -> CustomerLine:
    if isinstance(item, str):
        if not item.strip():
            raise fail(f"item {number} is empty")
        return CustomerLine(text=_line_text(item, number, fail))
    if not isinstance(item, dict):
        raise fail(f"item {number} must be a string or a table with 'text', not {type(item).__name__}")
    for key in item:
        if key not in _LINE_KEYS:
            raise fail(f"item {number} has unknown key '{key}'; known: {', '.join(sorted(_LINE_KEYS))}")
    line_text = item.get("text")
    if not isinstance(line_text, str) or not line_text.strip():
        raise fail(f"item {number} needs a non-empty 'text'")
    audio = None
    if "audio" in item:
        if not isinstance(item["audio"], str):
            raise fail(f"item {number}: 'audio' must be a path to a WAV file")
        audio = (base / item["audio"]).resolve()
        if not audio.is_file():
            raise fail(f"item {number}: audio file {audio} does not exist")
        from tutor.audio.wavfile import check_header
        from tutor.errors import AudioFileError

        try:  # the header only: a bad recording is refused here, not when it is played
            check_header(audio, max_s=MAX_LINE_AUDIO_S, kind="a recorded line")
        except AudioFileError as exc:
            raise fail(f"item {number}: {exc}") from None
    pause = _seconds(item.get("pause_after"), lambda m: fail(f"item {number}: 'pause_after' {m}"))
    return CustomerLine(text=_line_text(line_text, number, fail), pause_after_s=pause, audio=audio)


def _turn(item: dict[str, Any], number: int, base: Path,
          fail: Callable[[int, str | None, str], ScenarioError]) -> CustomerTurn:
    """One ``[[turns]]`` table; the first problem raised names the turn and its key's line."""
    for key in item:
        if key not in _TURN_KEYS:
            raise fail(number, key, f"'{key}' is not a turn key; known: {', '.join(sorted(_TURN_KEYS))}")
    turn_id = item.get("id")
    if not isinstance(turn_id, str) or not _TURN_ID.fullmatch(turn_id):
        raise fail(number, "id", "needs an 'id': lower-case letters, digits, '-' or '_' (at most 40), "
                                 f"not {turn_id!r}")
    if turn_id == OPENING:
        raise fail(number, "id", f"'{OPENING}' is the scenario's own lines; give this turn another id")
    when = item.get("when")
    if when not in set(Condition):
        raise fail(number, "when", f"'when' must be one of {', '.join(Condition)}, not {when!r}")
    raw_lines = item.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise fail(number, "lines", "needs 'lines': a non-empty array of what the customer says")
    if len(raw_lines) > MAX_LINES:
        raise fail(number, "lines", f"has {len(raw_lines)} lines; a turn may have at most {MAX_LINES}")
    lines = tuple(_line(line, index, base, lambda m: fail(number, "lines", f"'lines' {m}"))
                  for index, line in enumerate(raw_lines, 1))
    after = item.get("after", [OPENING])
    if not isinstance(after, list) or not after or not all(isinstance(a, str) for a in after):
        raise fail(number, "after", "'after' must be a non-empty array of turn ids (\"opening\" is the "
                                    "scenario's lines)")
    ends = item.get("ends", False)
    if not isinstance(ends, bool):
        raise fail(number, "ends", f"'ends' must be true or false, not {ends!r}")
    key_points = _strings(item.get("key_points", []),
                          lambda m: fail(number, "key_points", f"'key_points' {m}"))
    model_answer = _string(item.get("model_answer", ""),
                           lambda m: fail(number, "model_answer", f"'model_answer' {m}")).strip()
    return CustomerTurn(id=turn_id, when=Condition(when), lines=lines, after=tuple(dict.fromkeys(after)),
                        ends=ends, key_points=key_points, model_answer=model_answer)


def turn_line(text: str | None, number: int, key: str | None = None) -> int | str:
    """Line of ``key`` in the ``number``-th ``[[turns]]`` table (1 counts from the first), or
    of the table's header when the key is not written there, for errors."""
    if not text:
        return "?"
    header = re.compile(r"^\s*\[\[\s*turns\s*\]\]")
    any_table = re.compile(r"^\s*\[")
    written = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=") if key else None
    seen = 0
    found: int | str = "?"
    for index, line in enumerate(text.splitlines(), start=1):
        if header.match(line):
            seen += 1
            if seen == number:
                found = index
            elif seen > number:
                break
        elif seen == number and any_table.match(line):
            break
        elif seen == number and written is not None and written.match(line):
            return index
    return found


def _line_text(text: str, number: int, fail: Any) -> str:
    text = text.strip()
    if len(text) > MAX_LINE_CHARS:
        raise fail(f"item {number} has {len(text)} characters; a line may have at most {MAX_LINE_CHARS}")
    return text


def _string(value: Any, fail: Any) -> str:
    if not isinstance(value, str):
        raise fail(f"must be a string, not {type(value).__name__}")
    return value


def _strings(value: Any, fail: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail("must be an array of strings")
    return tuple(v.strip() for v in value if v.strip())


def _seconds(value: Any, fail: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 30:
        raise fail(f"must be seconds between 0 and 30, not {value!r}")
    return float(value)


_WARNED_SHADOWS: set[tuple[Path, Path]] = set()


def shadow_warning(hidden: Path, winner: Path) -> str:
    """One line for a trainer's file hidden by another with the same id."""
    where = "the built-in library's" if winner.parent == LIBRARY_DIR else "the earlier folder's"
    return (f"{hidden}: the id '{hidden.stem}' is also {winner}, and {where} file wins; "
            f"rename yours (e.g. {hidden.stem}-own.toml) to practise it")


class ScenarioLibrary:
    """The built-in scenarios plus any folders a trainer adds."""

    def __init__(self, extra_dirs: tuple[Path, ...] = ()) -> None:
        self.dirs = (LIBRARY_DIR, *extra_dirs)

    def paths(self, *, warn: bool = True) -> dict[str, Path]:
        """Each id and the file it is read from: the first folder that has it wins (the
        built-in library first); a hidden file is logged once (:meth:`shadowed`) unless
        ``warn`` is False (the caller reports it itself)."""
        found: dict[str, Path] = {}
        for folder in self.dirs:
            if folder.is_dir():
                for path in sorted(folder.glob("*.toml")):
                    found.setdefault(path.stem, path)
        for hidden, winner in self.shadowed() if warn else ():
            if (hidden, winner) not in _WARNED_SHADOWS:
                _WARNED_SHADOWS.add((hidden, winner))
                _LOGGER.warning("%s", printable(shadow_warning(hidden, winner)))
        return found

    def shadowed(self) -> list[tuple[Path, Path]]:
        """Files never played because an earlier folder has a scenario with the same id:
        (the hidden file, the one that wins)."""
        first: dict[str, Path] = {}
        hidden: list[tuple[Path, Path]] = []
        for folder in self.dirs:
            if folder.is_dir():
                for path in sorted(folder.glob("*.toml")):
                    if path.stem in first and first[path.stem].resolve() != path.resolve():
                        hidden.append((path, first[path.stem]))
                    first.setdefault(path.stem, path)
        return hidden

    def ids(self) -> list[str]:
        return sorted(self.paths())

    def __iter__(self) -> Iterator[Scenario]:
        """Every scenario that loads; each file that does not is skipped with one warning,
        so one broken file never takes the rest of the library (or the station) with it."""
        scenarios, problems = self.load_all()
        for problem in problems:
            _LOGGER.warning("skipped a scenario: %s", printable(problem))
        yield from scenarios

    def load_all(self) -> tuple[list[Scenario], list[str]]:
        """The scenarios that load, and a one-line problem for each file that does not."""
        scenarios: list[Scenario] = []
        problems: list[str] = []
        for path in self.paths().values():
            try:
                scenarios.append(load_scenario(path))
            except ScenarioError as exc:
                problems.append(" ".join(str(exc).split()))
        return scenarios, problems

    def get(self, scenario_id: str) -> Scenario:
        paths = self.paths()
        if scenario_id in paths:
            return load_scenario(paths[scenario_id])
        from rapidfuzz import process

        close = [match for match, score, _ in process.extract(scenario_id, list(paths), limit=3)
                 if score >= 50]
        hint = f"; did you mean {', '.join(close)}?" if close else "; `tutor scenarios` lists them"
        raise UnknownScenarioError(f"no scenario called '{scenario_id}'{hint}")

    def resolve(self, ref: str) -> Scenario:
        """A scenario by id, or by path when ``ref`` names a file."""
        candidate = Path(ref).expanduser()
        if ref.endswith(".toml") or candidate.is_file() or "/" in ref:
            return load_scenario(candidate)
        return self.get(ref)
