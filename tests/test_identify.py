"""Who is practising: key events to a typed id, the badge reader as an input device, ids typed at a
terminal, and `tutor run` asking for one and showing the round.

A real virtual keyboard (uinput) is used where the kernel offers one. Where it does not, the
reader's own loop (select on the device, read its events, type them) runs on a pipe that
carries the kernel's ``struct input_event`` records replayed from evtest-format files in
tests/data: what a USB badge reader sends (scan code, key down, key up, SYN_REPORT per key).
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import ONE_TURN_BIRTHDAY, one_turn_birthday

from tutor.errors import ConfigError, InputDeviceError
from tutor.identify import (
    EV_KEY,
    KEY_ENTER,
    TYPED_KEYS,
    EvdevBadgeReader,
    KeyTyping,
    TypedLines,
    drain,
    read_typed_line,
)
from tutor.settings import Identify, KioskSettings, load_settings

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
SAMPLE_REPLY = ROOT / "tutor" / "data" / "sample-reply.wav"
_EVENT = re.compile(r"type (\d+) \(\w+\), code (\d+) \(\w+\), value (-?[0-9a-f]+)")
_INPUT_EVENT = struct.Struct("llHHi")  # the kernel's struct input_event on this machine


class Event(NamedTuple):
    type: int
    code: int
    value: int


def recorded(name: str) -> list[Event]:
    """The events of an evtest-format file; SYN_REPORT lines are type 0, code 0."""
    events = []
    for line in (DATA / name).read_text().splitlines():
        if "SYN_REPORT" in line:
            events.append(Event(0, 0, 0))
        elif match := _EVENT.search(line):
            kind, code = int(match[1]), int(match[2])
            events.append(Event(kind, code, int(match[3], 16 if kind == 4 else 10)))
    return events


def typed(events: list[Event]) -> list[str]:
    typing = KeyTyping()
    return [line for e in events if (line := typing.feed(e.type, e.code, e.value)) is not None]


def test_a_badge_reader_types_its_number_then_enter() -> None:
    events = recorded("badge-0042.evtest")
    assert any(e.type == 4 for e in events)  # the scan codes are there, and ignored
    assert typed(events) == ["0042"]


def test_shift_backspace_auto_repeat_and_keypad_enter() -> None:
    # "Ann-Lxx", Backspace held long enough to repeat once (both x gone), "ee", keypad Enter
    assert typed(recorded("typed-ann-lee.evtest")) == ["Ann-Lee"]


def test_enter_alone_escape_and_caps_lock() -> None:
    press = [Event(EV_KEY, KEY_ENTER, 1)]
    assert typed(press) == [""]  # Enter alone: an empty line, which the kiosk takes as "guest"
    a, b, esc, caps, shift = 30, 48, 1, 58, 42
    keys = [Event(EV_KEY, a, 1), Event(EV_KEY, esc, 1), Event(EV_KEY, b, 1),
            Event(EV_KEY, caps, 1), Event(EV_KEY, caps, 0), Event(EV_KEY, a, 1),
            Event(EV_KEY, shift, 1), Event(EV_KEY, a, 1), Event(EV_KEY, shift, 0),
            Event(EV_KEY, 2, 1), Event(EV_KEY, 2, 0), Event(EV_KEY, KEY_ENTER, 1)]
    assert typed(keys) == ["bAa1"]  # Esc started over; Caps Lock, and Shift undoing it for a letter


def test_a_key_held_down_cannot_grow_the_line_for_ever() -> None:
    events = [Event(EV_KEY, 2, 1)] + [Event(EV_KEY, 2, 2)] * 10_000 + [Event(EV_KEY, KEY_ENTER, 1)]
    (line,) = typed(events)
    assert 64 < len(line) <= 256  # long enough that the id check refuses it, and no longer


def test_the_key_table_uses_the_kernels_codes() -> None:
    ecodes = pytest.importorskip("evdev.ecodes", reason="evdev is not installed (pip install evdev)")
    names = {ecodes.ecodes[f"KEY_{c.upper()}"]: c for c in "abcdefghijklmnopqrstuvwxyz0123456789"}
    names |= {ecodes.ecodes[f"KEY_KP{d}"]: d for d in "0123456789"}
    names |= {ecodes.ecodes[n]: c for n, c in (("KEY_MINUS", "-"), ("KEY_DOT", "."), ("KEY_SPACE", " "),
                                                ("KEY_SLASH", "/"), ("KEY_KPMINUS", "-"))}
    for code, char in names.items():
        assert TYPED_KEYS[code][0] == char, ecodes.KEY[code]
    assert TYPED_KEYS[ecodes.ecodes["KEY_1"]][1] == "!"


class ReplayedDevice:
    """An input device's file as the reader sees it: a descriptor to wait on, and whole
    ``struct input_event`` records to read. A pipe stands in for /dev/input/eventN, which
    this machine's kernel cannot create (no uinput)."""

    def __init__(self) -> None:
        self.fd, self._write = os.pipe()
        os.set_blocking(self.fd, False)

    def send(self, events: list[Event]) -> None:
        data = b"".join(_INPUT_EVENT.pack(0, 0, e.type, e.code, e.value) for e in events)
        os.write(self._write, data)

    def read(self) -> Iterator[Event]:
        data = os.read(self.fd, 64 * _INPUT_EVENT.size)  # BlockingIOError when empty, as evdev's read
        for _, _, kind, code, value in _INPUT_EVENT.iter_unpack(data):
            yield Event(kind, code, value)

    def close(self) -> None:
        os.close(self.fd)
        os.close(self._write)


@pytest.fixture
def device() -> Iterator[ReplayedDevice]:
    replayed = ReplayedDevice()
    yield replayed
    replayed.close()


def test_the_reading_loop_types_a_badge_sent_in_pieces(device: ReplayedDevice) -> None:
    events = recorded("badge-0042.evtest")
    device.send(events[:10])
    threading.Timer(0.3, device.send, args=(events[10:],)).start()
    assert read_typed_line(device, 60.0, threading.Event()) == "0042"


def test_a_badge_swiped_before_asking_is_not_the_answer(device: ReplayedDevice) -> None:
    device.send(recorded("typed-ann-lee.evtest"))
    drain(device)
    device.send(recorded("badge-0042.evtest"))
    assert read_typed_line(device, 60.0, threading.Event()) == "0042"


def test_nothing_typed_times_out(device: ReplayedDevice) -> None:
    began = time.monotonic()
    assert read_typed_line(device, 0.4, threading.Event()) is None
    assert time.monotonic() - began >= 0.4
    device.send(recorded("badge-0042.evtest")[:6])  # half a badge, no Enter: still nothing
    assert read_typed_line(device, 0.3, threading.Event()) is None


def test_a_stop_ends_the_wait(device: ReplayedDevice) -> None:
    stop = threading.Event()
    answers: list[str | None] = []
    waiting = threading.Thread(target=lambda: answers.append(read_typed_line(device, 600.0, stop)))
    waiting.start()
    stop.set()
    waiting.join(timeout=60)
    assert not waiting.is_alive() and answers == [None]


def test_a_virtual_keyboard_through_uinput() -> None:
    """The whole adapter on a real input device, where the kernel can make one."""
    if not os.path.exists("/dev/uinput"):
        pytest.skip("no /dev/uinput here (this kernel has no uinput module): the reader's loop is "
                    "tested on replayed events instead")
    if not os.access("/dev/uinput", os.W_OK):
        pytest.skip("/dev/uinput is not writable by this user")
    evdev = pytest.importorskip("evdev", reason="evdev is not installed (pip install evdev)")
    events = [e for e in recorded("badge-0042.evtest") if e.type == EV_KEY]
    keys = sorted({e.code for e in events})
    with evdev.UInput({evdev.ecodes.EV_KEY: keys}, name="tutor test badge reader") as keyboard:
        deadline = time.monotonic() + 60
        while not any(evdev.InputDevice(path).name == "tutor test badge reader"
                      for path in evdev.list_devices(writable=False)):  # udev makes the node
            assert time.monotonic() < deadline, "the virtual keyboard never appeared"
            time.sleep(0.05)
        reader = EvdevBadgeReader("tutor test badge reader")
        answers: list[str | None] = []
        listening = threading.Event()  # the prompt comes once the reader holds the device
        asking = threading.Thread(target=lambda: answers.append(
            reader.read_id(60.0, threading.Event(), prompt=listening.set)))
        try:
            asking.start()
            assert listening.wait(timeout=60)
            for e in events:
                keyboard.write(e.type, e.code, e.value)
                keyboard.syn()
            asking.join(timeout=60)
        finally:
            reader.close()
    assert answers == ["0042"]


def test_no_badge_reader_is_one_plain_error() -> None:
    pytest.importorskip("evdev", reason="evdev is not installed (pip install evdev)")
    with pytest.raises(InputDeviceError, match="is it plugged in"):
        EvdevBadgeReader("/dev/input/event-that-is-not-there").read_id(1.0, threading.Event())
    if not os.path.isdir("/dev/input") or not os.listdir("/dev/input"):
        with pytest.raises(InputDeviceError, match="no badge reader or keypad found"):
            EvdevBadgeReader("").read_id(1.0, threading.Event())


class DescribedDevice:
    """An input device as evdev describes it (name and keys), for choosing among devices that
    cannot be plugged into this machine."""

    def __init__(self, name: str, keys: list[str]) -> None:
        import evdev

        self.name = name
        self._keys = [evdev.ecodes.ecodes[k] for k in keys]

    def capabilities(self) -> dict[int, list[int]]:
        return {EV_KEY: self._keys}


def test_which_device_is_the_badge_reader() -> None:
    evdev = pytest.importorskip("evdev", reason="evdev is not installed (pip install evdev)")
    from tutor.identify import _is_wanted

    digits = [f"KEY_{d}" for d in "0123456789"]
    reader = DescribedDevice("IC Reader IC Reader", [*digits, "KEY_ENTER"])
    keypad = DescribedDevice("USB Keypad", [f"KEY_KP{d}" for d in "0123456789"] + ["KEY_KPENTER"])
    gpio_keys = DescribedDevice("gpio-keys", [*digits, "KEY_ENTER"])  # a button wired as keys
    power = DescribedDevice("Power Button", ["KEY_POWER"])
    no_enter = DescribedDevice("Remote", digits)
    assert [_is_wanted(d, "", evdev) for d in (reader, keypad, gpio_keys, power, no_enter)] == [
        True, True, False, False, False]
    assert _is_wanted(power, "power", evdev) and not _is_wanted(reader, "keypad", evdev)


def test_typed_lines_before_asking_go_elsewhere() -> None:
    read, write = os.pipe()
    others: list[str] = []
    with open(read) as stream, open(write, "w") as typing:
        lines = TypedLines(stream, others.append).start()
        typing.write("\n")
        typing.flush()
        deadline = time.monotonic() + 60
        while not others and time.monotonic() < deadline:
            time.sleep(0.01)
        assert others == ["\n"]  # Enter-as-button, when nobody asks for an id

        answers: list[str | None] = []
        asking = threading.Thread(target=lambda: answers.append(lines.read_id(60.0, threading.Event())))
        asking.start()
        while not lines.asking and time.monotonic() < deadline:
            time.sleep(0.01)
        typing.write("0042\r\n")
        typing.flush()
        asking.join(timeout=60)
        assert answers == ["0042"] and others == ["\n"]
        assert lines.read_id(0.2, threading.Event()) is None


def test_identify_settings(isolated_settings: Path, tmp_path: Path) -> None:
    assert KioskSettings().identify is Identify.OFF
    config = tmp_path / "station.toml"
    config.write_text('[kiosk]\nidentify = "required"\nidentify_timeout_s = 15\n'
                      'badge_device = "/dev/input/tutor-badge"\n')
    kiosk = load_settings(config).kiosk
    assert (kiosk.identify, kiosk.identify_timeout_s, kiosk.badge_device) == (
        Identify.REQUIRED, 15.0, "/dev/input/tutor-badge")
    config.write_text('[kiosk]\n\nidentify = "sometimes"\n')
    with pytest.raises(ConfigError, match=r"station\.toml:3: .*identify mode 'sometimes'.*off, optional"):
        load_settings(config)
    config.write_text("[kiosk]\nidentify_timeout_s = 0\n")
    with pytest.raises(ConfigError, match=r"\[kiosk\] identify_timeout_s must be between 1 and 600, not 0"):
        load_settings(config)


def _config(tmp_path: Path, identify: str) -> Path:
    config = tmp_path / "station.toml"
    # the birthday complaint as a single reply: the bundled sample answers it, and nothing more
    folder = one_turn_birthday(tmp_path)
    config.write_text(f'[kiosk]\nidentify = "{identify}"\nidentify_timeout_s = 60\norder = "sequence"\n'
                      f'scenarios = ["{ONE_TURN_BIRTHDAY}"]\n[storage]\nscenario_dirs = ["{folder}"]\n')
    return config


def test_tutor_run_asks_who_is_practising_and_shows_the_round(tmp_path: Path,
                                                              isolated_env: dict[str, str]) -> None:
    """`tutor run --simulate` at a terminal: the prompt, an id typed on stdin, the round's cues
    and results, and the round in the history under that id."""
    station = subprocess.Popen(
        [sys.executable, "-m", "tutor", "--config", str(_config(tmp_path, "optional")), "run",
         "--simulate", str(SAMPLE_REPLY), "--rounds", "2", "--fast"],
        env=isolated_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert station.stdin and station.stdout and station.stderr
    shown: list[str] = []
    try:
        for answer in ("0042", ""):  # a badge, then Enter alone: a guest
            for line in station.stdout:
                shown.append(line)
                if "Scan your badge or type your number" in line:
                    break
            station.stdin.write(answer + "\n")
            station.stdin.flush()
        out, err = station.communicate(timeout=300)
    finally:
        if station.poll() is None:
            station.kill()
    shown.append(out)
    text = "".join(shown)
    assert station.returncode == 0, err
    assert "Traceback" not in err
    assert "station: practising as 0042" in text
    assert "station: This round is for a guest." in text
    assert text.count("Customer (A birthday present that arrived late):") == 2
    assert '  "It arrived three days after her birthday."' in text
    assert text.count("Your turn: answer out loud.") == 2
    assert text.count("You said:") == 2 and "station: Well done" in text
    report = subprocess.run([sys.executable, "-m", "tutor", "report", "--json"],
                            env=isolated_env, capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    assert [r["trainee"] for r in json.loads(report.stdout)] == ["0042", "guest"]
