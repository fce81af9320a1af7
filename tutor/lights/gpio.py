"""Lights and button on GPIO pins, through gpiozero.

gpiozero is imported only here, when GPIO lights are opened. On a Raspberry Pi 5 the
lgpio pin factory is chosen explicitly (gpiozero's own choice has picked the wrong one
there).
"""

from __future__ import annotations

import os
import queue
from pathlib import Path
from typing import Any, Final

from tutor.lights import RESULT_FAIL, STATUS, Blink, Press
from tutor.settings import GpioSettings, PinFactory
from tutor.vocabulary import LIT_HABITS, Habit, Phase

PI_MODEL: Final = Path("/proc/device-tree/model")


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
                LIT_HABITS, (settings.pause_led, settings.interruptions_led, settings.paraphrase_led),
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

    def show(self, pattern: Phase) -> None:
        _drive(self.status, STATUS[pattern])
        if pattern is Phase.ERROR:
            for led in self.results.values():
                _drive(led, STATUS[pattern])
        elif pattern is not Phase.FEEDBACK and pattern is not Phase.IDLE:
            for led in self.results.values():
                led.off()

    def show_results(self, results: dict[Habit, bool | None]) -> None:
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


def is_pi5() -> bool:
    try:
        return "Raspberry Pi 5" in PI_MODEL.read_text(errors="replace")
    except OSError:
        return False


def choose_pin_factory(settings: GpioSettings) -> Any:
    """The pin factory the settings ask for; lgpio on a Pi 5 unless told otherwise."""
    name = settings.pin_factory
    if name is PinFactory.AUTO and not os.environ.get("GPIOZERO_PIN_FACTORY") and is_pi5():
        name = PinFactory.LGPIO
    if name is PinFactory.LGPIO:
        from gpiozero.pins.lgpio import LGPIOFactory

        return LGPIOFactory()
    if name is PinFactory.MOCK:
        from gpiozero.pins.mock import MockFactory

        return MockFactory()
    return None  # gpiozero's default (GPIOZERO_PIN_FACTORY, else its own search)
