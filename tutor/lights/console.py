"""Lights for a station without GPIO: the patterns go to the log or the terminal, and
presses come from :meth:`ConsoleLights.press` (the Enter key, or a test)."""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable

from tutor.lights import Press
from tutor.vocabulary import Habit, Phase

_LOGGER = logging.getLogger("tutor.lights")


class ConsoleLights:
    """No GPIO here: the patterns go to the log, and presses come from :meth:`press`."""

    def __init__(self, say: Callable[[str], None] | None = None) -> None:
        self._say = say or (lambda text: _LOGGER.info("%s", text))
        self._presses: queue.Queue[Press] = queue.Queue()

    def show(self, pattern: Phase) -> None:
        self._say(f"lights: {pattern.value}")

    def show_results(self, results: dict[Habit, bool | None]) -> None:
        marks = {True: "done well", False: "work on it", None: "not scored"}
        shown = (f"{Habit(habit).label} {marks[value]}" for habit, value in results.items())
        self._say("lights: " + ", ".join(shown))

    def press(self, kind: Press = Press.SHORT) -> None:
        self._presses.put(kind)

    def presses(self) -> queue.Queue[Press]:
        return self._presses

    def close(self) -> None:
        """Nothing to release."""
