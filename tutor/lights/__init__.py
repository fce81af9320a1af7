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

gpiozero drives real pins; on a Raspberry Pi 5 the lgpio pin factory is
chosen explicitly (gpiozero's own choice has picked the wrong one there).
Without GPIO the station carries on with :class:`ConsoleLights`, which log.
"""

from __future__ import annotations

import enum
import logging
import os
import queue
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

from tutor.settings import GpioSettings

_LOGGER = logging.getLogger(__name__)

PI_MODEL: Final = Path("/proc/device-tree/model")


class Pattern(enum.Enum):
    IDLE = "idle"
    CUSTOMER_SPEAKING = "customer_speaking"
    LISTENING = "listening"
    THINKING = "thinking"
    FEEDBACK = "feedback"
    ERROR = "error"


class Press(enum.Enum):
    SHORT = "short"  # start a round; skip the feedback
    LONG = "long"  # repeat the round


@dataclass(frozen=True)
class Blink:
    on_s: float
    off_s: float


# None: off; True: steady; Blink: blinking
STATUS: Final[dict[Pattern, bool | Blink | None]] = {
    Pattern.IDLE: Blink(0.1, 2.9),
    Pattern.CUSTOMER_SPEAKING: True,
    Pattern.LISTENING: Blink(0.5, 0.5),
    Pattern.THINKING: Blink(0.1, 0.1),
    Pattern.FEEDBACK: True,
    Pattern.ERROR: Blink(0.2, 0.2),
}
RESULT_FAIL: Final = Blink(0.15, 0.15)
RESULT_NAMES: Final = ("pause", "interruptions", "paraphrase")


class Lights(Protocol):
    """What the kiosk needs from its button and lights."""

    def show(self, pattern: Pattern) -> None: ...

    def show_results(self, results: dict[str, bool | None]) -> None:
        """``results`` maps pause/interruptions/paraphrase to passed, failed (False) or not scored (None)."""
        ...

    def presses(self) -> queue.Queue[Press]: ...

    def close(self) -> None: ...


class GpioLights:
    """LEDs and a button on GPIO pins, through gpiozero."""

    def __init__(self, settings: GpioSettings, pin_factory: Any = None) -> None:
        from gpiozero import LED, Button

        self.settings = settings
        self._presses: queue.Queue[Press] = queue.Queue()
        self._held = False
        factory = pin_factory if pin_factory is not None else choose_pin_factory(settings)
        self._devices: list[Any] = []
        try:
            self.status = LED(settings.status_led, pin_factory=factory)
            self._devices.append(self.status)
            self.results = {name: LED(pin, pin_factory=factory) for name, pin in zip(
                RESULT_NAMES, (settings.pause_led, settings.interruptions_led, settings.paraphrase_led),
                strict=True)}
            self._devices.extend(self.results.values())
            self.button = Button(settings.button, pull_up=True, bounce_time=settings.bounce_s,
                                 hold_time=settings.long_press_s, pin_factory=factory)
            self._devices.append(self.button)
        except Exception:
            self.close()
            raise
        self.button.when_held = self._on_held
        self.button.when_released = self._on_released

    def _on_held(self) -> None:
        self._held = True
        self._presses.put(Press.LONG)

    def _on_released(self) -> None:
        # a press counts when it ends, so a long press is never also a short one
        if not self._held:
            self._presses.put(Press.SHORT)
        self._held = False

    def show(self, pattern: Pattern) -> None:
        _drive(self.status, STATUS[pattern])
        if pattern is Pattern.ERROR:
            for led in self.results.values():
                _drive(led, STATUS[pattern])
        elif pattern is not Pattern.FEEDBACK and pattern is not Pattern.IDLE:
            for led in self.results.values():
                led.off()

    def show_results(self, results: dict[str, bool | None]) -> None:
        for name, led in self.results.items():
            passed = results.get(name)
            _drive(led, None if passed is None else (True if passed else RESULT_FAIL))

    def presses(self) -> queue.Queue[Press]:
        return self._presses

    def close(self) -> None:
        """Release the pins; safe to call more than once."""
        for device in self._devices:
            device.close()
        self._devices = []


def _drive(led: Any, how: bool | Blink | None) -> None:
    if how is None:
        led.off()
    elif how is True:
        led.on()
    elif isinstance(how, Blink):
        led.blink(on_time=how.on_s, off_time=how.off_s, background=True)


class ConsoleLights:
    """No GPIO here: the patterns go to the log, and presses come from :meth:`press`."""

    def __init__(self, say: Callable[[str], None] | None = None) -> None:
        self._say = say or (lambda text: _LOGGER.info("%s", text))
        self._presses: queue.Queue[Press] = queue.Queue()

    def show(self, pattern: Pattern) -> None:
        self._say(f"lights: {pattern.value}")

    def show_results(self, results: dict[str, bool | None]) -> None:
        marks = {True: "done well", False: "work on it", None: "not scored"}
        self._say("lights: " + ", ".join(f"{name} {marks[value]}" for name, value in results.items()))

    def press(self, kind: Press = Press.SHORT) -> None:
        self._presses.put(kind)

    def presses(self) -> queue.Queue[Press]:
        return self._presses

    def close(self) -> None:
        """Nothing to release."""


def is_pi5() -> bool:
    try:
        return "Raspberry Pi 5" in PI_MODEL.read_text(errors="replace")
    except OSError:
        return False


def choose_pin_factory(settings: GpioSettings) -> Any:
    """The pin factory the settings ask for; lgpio on a Pi 5 unless told otherwise."""
    name = settings.pin_factory
    if name == "auto" and not os.environ.get("GPIOZERO_PIN_FACTORY") and is_pi5():
        name = "lgpio"
    if name == "lgpio":
        from gpiozero.pins.lgpio import LGPIOFactory

        return LGPIOFactory()
    if name == "mock":
        from gpiozero.pins.mock import MockFactory

        return MockFactory()
    return None  # gpiozero's default (GPIOZERO_PIN_FACTORY, else its own search)


def open_lights(settings: GpioSettings, say: Callable[[str], None] | None = None) -> Lights:
    """GPIO lights when there is GPIO; console lights, with a warning, when there is none."""
    if settings.pin_factory == "none":
        return ConsoleLights(say)
    try:
        with warnings.catch_warnings():
            # gpiozero warns for every factory it tries; one line below says what matters
            warnings.simplefilter("ignore")
            return GpioLights(settings)
    except Exception as exc:  # gpiozero raises many kinds (BadPinFactory, PinInvalidPin, OSError)
        _LOGGER.warning("no GPIO lights or button (%s); carrying on without them", exc)
        return ConsoleLights(say)
