"""Button and lights on gpiozero's own mock pins."""

from __future__ import annotations

import logging
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from tutor.lights import Press, open_lights
from tutor.lights import gpio as lights_module
from tutor.lights.console import ConsoleLights
from tutor.lights.gpio import GpioLights
from tutor.settings import GpioSettings
from tutor.vocabulary import Phase

SETTINGS = GpioSettings(long_press_s=0.3, bounce_s=0.0)


@pytest.fixture
def board(factory: MockFactory) -> Iterator[GpioLights]:
    lights = GpioLights(SETTINGS, pin_factory=factory)
    yield lights
    lights.close()


def test_short_press_is_one_short(board: GpioLights, factory: MockFactory) -> None:
    button = factory.pin(SETTINGS.button)
    button.drive_low()
    time.sleep(0.05)
    button.drive_high()
    assert board.presses().get(timeout=1) is Press.SHORT
    assert board.presses().empty()


def test_long_press_is_one_long_and_no_short(board: GpioLights, factory: MockFactory) -> None:
    button = factory.pin(SETTINGS.button)
    button.drive_low()
    time.sleep(0.5)
    button.drive_high()
    assert board.presses().get(timeout=1) is Press.LONG
    time.sleep(0.05)
    assert board.presses().empty()


def test_steady_patterns(board: GpioLights, factory: MockFactory) -> None:
    status = factory.pin(SETTINGS.status_led)
    board.show(Phase.CUSTOMER_SPEAKING)
    assert status.state
    status.clear_states()
    board.show(Phase.FEEDBACK)
    assert status.state


def test_listening_blinks_at_one_hertz(board: GpioLights, factory: MockFactory) -> None:
    status = factory.pin(SETTINGS.status_led)
    status.clear_states()
    board.show(Phase.LISTENING)
    time.sleep(1.2)
    board.show(Phase.CUSTOMER_SPEAKING)
    # off, on, off after 0.5 s, on again after 0.5 s; the steady pattern then keeps it on: no change
    expected = [(0.0, False), (0.0, True), (0.5, False), (0.5, True)]
    status.assert_states_and_times(expected)
    assert len(status.states) == len(expected), status.states  # gpiozero's check zips the lists


def test_thinking_flickers_faster_than_listening(board: GpioLights, factory: MockFactory) -> None:
    status = factory.pin(SETTINGS.status_led)
    status.clear_states()
    board.show(Phase.THINKING)
    time.sleep(0.45)
    board.show(Phase.CUSTOMER_SPEAKING)
    changes = [s.state for s in status.states]
    assert changes.count(True) >= 3  # on every 0.2 s, against every 1 s when listening


def test_results_pass_steady_fail_blinks_unscored_off(board: GpioLights, factory: MockFactory) -> None:
    board.show_results({"pause": True, "interruptions": False, "paraphrase": None})
    time.sleep(0.4)
    pause, interruptions, paraphrase = (factory.pin(p) for p in (
        SETTINGS.pause_led, SETTINGS.interruptions_led, SETTINGS.paraphrase_led))
    assert pause.state and not paraphrase.state
    assert [s.state for s in pause.states].count(True) == 1
    assert [s.state for s in interruptions.states].count(True) >= 2  # blinking


def test_error_blinks_every_light(board: GpioLights, factory: MockFactory) -> None:
    board.show(Phase.ERROR)
    time.sleep(0.5)
    for pin in (SETTINGS.status_led, SETTINGS.pause_led, SETTINGS.interruptions_led,
                SETTINGS.paraphrase_led):
        assert [s.state for s in factory.pin(pin).states].count(True) >= 2


def test_pins_are_released_on_close(factory: MockFactory) -> None:
    lights = GpioLights(SETTINGS, pin_factory=factory)
    lights.close()
    lights.close()  # twice is fine
    again = GpioLights(SETTINGS, pin_factory=factory)  # the pins are free again
    again.close()


def test_no_gpio_carries_on_with_console_lights(caplog: pytest.LogCaptureFixture,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # this machine has no GPIO chip: gpiozero finds no pin factory
    monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)
    saved = Device.pin_factory
    Device.pin_factory = None
    try:
        with caplog.at_level(logging.WARNING):
            lights = open_lights(GpioSettings())
    finally:
        Device.pin_factory = saved
    assert isinstance(lights, ConsoleLights)
    assert "carrying on without them" in caplog.text
    said: list[str] = []
    console = ConsoleLights(said.append)
    console.show(Phase.LISTENING)
    console.show_results({"pause": True, "interruptions": None, "paraphrase": False})
    assert said == ["lights: listening", "lights: pause done well, interruptions not scored, "
                    "paraphrase work on it"]


def test_pi5_uses_lgpio_explicitly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "model"
    model.write_text("Raspberry Pi 5 Model B Rev 1.0\x00")
    monkeypatch.setattr(lights_module, "PI_MODEL", model)
    monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)
    assert lights_module.is_pi5()

    class LgpioChipStandIn:  # no GPIO chip here: only whether the lgpio factory is the one made
        pass

    # lgpio itself only installs on ARM boards: the module the choice imports is stood in for
    stand_in = types.SimpleNamespace(LGPIOFactory=LgpioChipStandIn)
    monkeypatch.setitem(sys.modules, "gpiozero.pins.lgpio", stand_in)
    assert isinstance(lights_module.choose_pin_factory(GpioSettings()), LgpioChipStandIn)
    model.write_text("Raspberry Pi 4 Model B Rev 1.5\x00")
    assert lights_module.choose_pin_factory(GpioSettings()) is None  # gpiozero's own choice


def test_pin_factory_none_means_console() -> None:
    assert isinstance(open_lights(GpioSettings(pin_factory="none")), ConsoleLights)
