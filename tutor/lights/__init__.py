"""The station's button and lights.

A status LED shows what the station is doing; three result LEDs show the
pause, interruptions and paraphrase of the last round: steady for done well,
fast blinking for one to work on. Patterns:

| state | status LED | result LEDs |
|---|---|---|
| idle (press to start) | a short blink every 3 s | last round's results, then off after a minute |
| customer speaking | steady | off |
| listening | slow blink, 1 Hz | off |
| thinking | fast flicker, 5 Hz | off |
| feedback | steady | steady = done well, fast blink = work on it, off = not scored |
| error | all four blink together, 2.5 Hz | (same) |

gpiozero drives real pins (:mod:`tutor.lights.gpio`); without GPIO the station
carries on with :class:`~tutor.lights.console.ConsoleLights`, which log.
"""

from __future__ import annotations

import enum
import logging
import queue
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from tutor.settings import GpioSettings, PinFactory
from tutor.vocabulary import Habit, Phase

_LOGGER = logging.getLogger(__name__)

class Press(enum.Enum):
    SHORT = "short"  # start a round; skip the feedback
    LONG = "long"  # repeat the round


@dataclass(frozen=True)
class Blink:
    on_s: float
    off_s: float


# None: off; True: steady; Blink: blinking
STATUS: Final[dict[Phase, bool | Blink | None]] = {
    Phase.IDLE: Blink(0.1, 2.9),
    Phase.CUSTOMER_SPEAKING: True,
    Phase.LISTENING: Blink(0.5, 0.5),
    Phase.REPLY_HEARD: Blink(0.5, 0.5),
    Phase.THINKING: Blink(0.1, 0.1),
    Phase.FEEDBACK: True,
    Phase.ERROR: Blink(0.2, 0.2),
}
RESULT_FAIL: Final = Blink(0.15, 0.15)


class Lights(Protocol):
    """What the kiosk needs from its button and lights."""

    def show(self, pattern: Phase) -> None: ...

    def show_results(self, results: dict[Habit, bool | None]) -> None:
        """``results`` maps the lit habits to passed, failed (False) or not scored (None)."""
        ...

    def presses(self) -> queue.Queue[Press]: ...

    def close(self) -> None: ...


def open_lights(settings: GpioSettings, say: Callable[[str], None] | None = None) -> Lights:
    """GPIO lights when there is GPIO; console lights, with a warning, when there is none."""
    if settings.pin_factory is PinFactory.NONE:
        from tutor.lights.console import ConsoleLights

        return ConsoleLights(say)
    try:
        with warnings.catch_warnings():
            # gpiozero warns for every factory it tries; one line below says what matters
            warnings.simplefilter("ignore")
            from tutor.lights.gpio import GpioLights

            return GpioLights(settings)
    except Exception as exc:  # gpiozero raises many kinds (BadPinFactory, PinInvalidPin, OSError)
        from tutor.lights.console import ConsoleLights

        _LOGGER.warning("no GPIO lights or button (%s); carrying on without them", exc)
        return ConsoleLights(say)
