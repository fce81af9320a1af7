"""Who is practising: a trainee id from a badge reader or keypad that types, or from a terminal.

USB badge readers and keypads are keyboards: they type the badge number and press
Enter. The service has no terminal, so it reads them as an input device (Linux evdev):
the key events are turned into characters here, by :class:`KeyTyping`, which knows
the kernel's key codes itself so that this module imports on any machine; the
``evdev`` package is imported only inside :class:`EvdevBadgeReader`. The device is
grabbed while the station holds it, so the digits never reach a console login on
the station's screen.

At a terminal (``tutor run`` by hand, or ``--simulate``) the id is a typed line.

Every source answers the same question: what was typed, ending in Enter, within
this many seconds (``None`` if nothing was)? Checking the id and deciding what a
time-out means is the kiosk's job.
"""

from __future__ import annotations

import logging
import os
import queue
import select
import threading
import time
from collections.abc import Callable, Iterable
from typing import IO, Any, Final, Protocol

from tutor.errors import InputDeviceError

_LOGGER = logging.getLogger(__name__)

# linux/input-event-codes.h: a stable kernel interface, spelled out so the parser needs no evdev
EV_KEY: Final = 1
KEY_RELEASED, KEY_PRESSED, KEY_REPEATED = 0, 1, 2
KEY_ESC: Final = 1
KEY_BACKSPACE: Final = 14
KEY_ENTER: Final = 28
KEY_LEFTSHIFT: Final = 42
KEY_RIGHTSHIFT: Final = 54
KEY_CAPSLOCK: Final = 58
KEY_KPENTER: Final = 96
_SHIFTS: Final = frozenset({KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
_ENTERS: Final = frozenset({KEY_ENTER, KEY_KPENTER})

# key code -> (unshifted, shifted) on a US layout, which is what badge readers emulate
_ROWS: Final = (
    (2, "1234567890-=", "!@#$%^&*()_+"),
    (16, "qwertyuiop[]", "QWERTYUIOP{}"),
    (30, "asdfghjkl;'`", "ASDFGHJKL:\"~"),
    (43, "\\zxcvbnm,./", "|ZXCVBNM<>?"),
)
_KEYS: dict[int, tuple[str, str]] = {
    first + i: (plain[i], shifted[i]) for first, plain, shifted in _ROWS for i in range(len(plain))}
_KEYS.update({57: (" ", " "), 55: ("*", "*"), 74: ("-", "-"), 78: ("+", "+"), 83: (".", "."),
              98: ("/", "/"),
              # the keypad's digits: KEY_KP7 = 71 ... KEY_KP0 = 82
              71: ("7", "7"), 72: ("8", "8"), 73: ("9", "9"), 75: ("4", "4"), 76: ("5", "5"),
              77: ("6", "6"), 79: ("1", "1"), 80: ("2", "2"), 81: ("3", "3"), 82: ("0", "0")})
TYPED_KEYS: Final = dict(_KEYS)  # for the test that checks the table against evdev's own names
# digits and Enter make a device keyboard-like: the top row (KEY_1 .. KEY_0) or a keypad's
DIGIT_KEYS: Final = frozenset(range(2, 12))
KEYPAD_DIGIT_KEYS: Final = frozenset({71, 72, 73, 75, 76, 77, 79, 80, 81, 82})
MAX_TYPED: Final = 256  # a stuck key or a reader that never sends Enter cannot grow the line for ever


class KeyTyping:
    """Key events in, a typed line out: shift and Caps Lock, Backspace, Esc to start over,
    and Enter (either one) to finish. Auto-repeat types again, as on a keyboard."""

    def __init__(self) -> None:
        self._typed: list[str] = []
        self._shifts: set[int] = set()
        self._caps = False

    def feed(self, kind: int, code: int, value: int) -> str | None:
        """One input event; the typed line when it was Enter (possibly empty), else None."""
        if kind != EV_KEY:
            return None  # EV_SYN reports and EV_MSC scan codes carry nothing typed
        if code in _SHIFTS:
            (self._shifts.add if value != KEY_RELEASED else self._shifts.discard)(code)
            return None
        if value == KEY_RELEASED:
            return None
        if code in _ENTERS:
            line, self._typed = "".join(self._typed), []
            return line
        if code == KEY_BACKSPACE:
            if self._typed:
                self._typed.pop()
        elif code == KEY_ESC:
            self._typed.clear()
        elif code == KEY_CAPSLOCK:
            if value == KEY_PRESSED:
                self._caps = not self._caps
        elif code in _KEYS and len(self._typed) < MAX_TYPED:
            plain, shifted = _KEYS[code]
            upper = bool(self._shifts)
            if plain.isalpha() and self._caps:
                upper = not upper
            self._typed.append(shifted if upper else plain)
        return None

    def reset(self) -> None:
        self._typed.clear()
        self._shifts.clear()


class TraineeIdSource(Protocol):
    """Where trainee ids come from."""

    def read_id(self, timeout_s: float, stop: threading.Event,
                prompt: Callable[[], None] = lambda: None) -> str | None:
        """Listen, call ``prompt``, and return what is typed up to Enter (unchecked, possibly
        empty); None if nothing was within ``timeout_s`` after the prompt, or ``stop`` was set.
        Typing before the call is dropped; typing during the prompt counts, so a trainee who
        swipes while it is still being said is not ignored."""
        ...

    def close(self) -> None: ...


class TypedLines:
    """Ids typed on a terminal, one per line.

    One thread reads the stream; while an id is asked for, a line is the id, otherwise it
    goes to ``otherwise`` (the station's Enter-as-button), so the two never compete for
    the same keyboard.
    """

    def __init__(self, stream: IO[str], otherwise: Callable[[str], None] = lambda line: None) -> None:
        self._stream = stream
        self._otherwise = otherwise
        self._lines: queue.Queue[str] = queue.Queue()
        self._asking = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._follow, name="typed-ids", daemon=True)

    def start(self) -> TypedLines:
        self._thread.start()
        return self

    @property
    def asking(self) -> bool:
        """Whether a line typed now is taken as the id."""
        return self._asking.is_set()

    def _follow(self) -> None:
        for line in self._stream:
            with self._lock:
                asking = self._asking.is_set()
            if asking:
                self._lines.put(line.rstrip("\r\n"))
            else:
                self._otherwise(line)

    def read_id(self, timeout_s: float, stop: threading.Event,
                prompt: Callable[[], None] = lambda: None) -> str | None:
        with self._lock:
            while not self._lines.empty():
                self._lines.get_nowait()
            self._asking.set()
        try:
            prompt()
            deadline = time.monotonic() + timeout_s
            while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
                try:
                    return self._lines.get(timeout=min(left, 0.2))
                except queue.Empty:
                    continue
            return None
        finally:
            with self._lock:
                self._asking.clear()

    def close(self) -> None:
        """The reading thread is a daemon: it ends with the process."""


class EventDevice(Protocol):
    """What the reading loop needs of an input device (``evdev.InputDevice`` has both)."""

    @property
    def fd(self) -> int: ...

    def read(self) -> Iterable[Any]:
        """The events waiting, each with ``type``, ``code`` and ``value``; BlockingIOError if none."""
        ...


def read_typed_line(device: EventDevice, timeout_s: float, stop: threading.Event,
                    typing: KeyTyping | None = None) -> str | None:
    """The line typed on ``device`` up to Enter, or None after ``timeout_s`` or a stop.

    Waits on the device's file descriptor in short slices so a stop is noticed quickly.
    OSError (the reader unplugged) is left to the caller.
    """
    typing = typing or KeyTyping()
    deadline = time.monotonic() + timeout_s
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([device.fd], [], [], min(left, 0.2))
        if not ready:
            continue
        try:
            events = list(device.read())
        except BlockingIOError:
            continue
        for event in events:
            line = typing.feed(event.type, event.code, event.value)
            if line is not None:
                return line
    return None


def drain(device: EventDevice) -> None:
    """Drop the events already waiting: a badge swiped while nobody asked is not an answer."""
    while select.select([device.fd], [], [], 0)[0]:
        try:
            if not list(device.read()):
                return
        except BlockingIOError:
            return


class EvdevBadgeReader:
    """A badge reader or keypad read as a Linux input device (the service has no terminal).

    ``wanted`` is a device path (``/dev/input/by-id/usb-...-event-kbd``), part of the
    device's name, or empty for the first keyboard-like device (digit keys and Enter)
    that is not a GPIO button. The device is opened when first asked and again after
    it is unplugged, so replugging recovers without a restart.
    """

    def __init__(self, wanted: str = "") -> None:
        self.wanted = wanted
        self._device: Any = None

    def read_id(self, timeout_s: float, stop: threading.Event,
                prompt: Callable[[], None] = lambda: None) -> str | None:
        device = self._open()
        try:
            drain(device)
            prompt()  # the kernel keeps what is typed meanwhile
            return read_typed_line(device, timeout_s, stop)
        except OSError as exc:
            self.close()
            raise InputDeviceError(f"the badge reader {device.path} stopped answering ({exc.strerror or exc})"
                                   ) from None

    def _open(self) -> Any:
        if self._device is not None:
            return self._device
        try:
            import evdev
        except ImportError:
            raise InputDeviceError("reading a badge reader needs the evdev package: "
                                   "pip install evdev (it builds with gcc and linux-libc-dev)") from None
        device = find_keyboard(self.wanted, evdev)
        try:
            device.grab()  # its typing is the station's alone, not a console login's
        except OSError as exc:
            _LOGGER.warning("could not take %s for the station alone (%s); reading it anyway",
                            device.path, exc.strerror or exc)
        _LOGGER.info("reading trainee ids from %s (%s)", device.path, device.name)
        self._device = device
        return device

    def close(self) -> None:
        """Let the device go; safe to call more than once."""
        device, self._device = self._device, None
        if device is not None:
            try:
                device.close()
            except OSError as exc:
                _LOGGER.debug("closing %s: %s", device.path, exc)


_PERMISSION_HINT: Final = ("the station's user needs read access to /dev/input/event*: a udev rule and "
                           "SupplementaryGroups=input (README, \"Badge reader\")")


def find_keyboard(wanted: str, evdev: Any) -> Any:
    """The input device ``wanted`` names (a path or part of a name), or the first keyboard-like one."""
    if wanted.startswith(os.sep):
        try:
            return evdev.InputDevice(wanted, readonly=True)
        except PermissionError:
            raise InputDeviceError(f"cannot read the badge reader {wanted}: permission denied; "
                                   f"{_PERMISSION_HINT}") from None
        except OSError as exc:
            raise InputDeviceError(f"cannot open the badge reader {wanted} "
                                   f"({exc.strerror or exc}); is it plugged in?") from None
    found = None
    unreadable = [path for path in _event_paths() if not os.access(path, os.R_OK)]
    for path in evdev.list_devices(writable=False):
        try:
            device = evdev.InputDevice(path, readonly=True)
        except OSError:
            continue
        if found is None and _is_wanted(device, wanted, evdev):
            found = device
        else:
            device.close()
    if found is not None:
        return found
    what = f"no input device named like '{wanted}'" if wanted else "no badge reader or keypad found"
    if unreadable:
        raise InputDeviceError(f"{what}; {len(unreadable)} input device(s) cannot be read: "
                               f"{_PERMISSION_HINT}")
    raise InputDeviceError(f"{what}; is it plugged in?")


def _is_wanted(device: Any, wanted: str, evdev: Any) -> bool:
    if wanted:
        return wanted.casefold() in str(device.name).casefold()
    if "gpio" in str(device.name).casefold():  # a button wired as gpio-keys is not a keypad
        return False
    keys = set(device.capabilities().get(evdev.ecodes.EV_KEY, ()))
    return bool(keys & _ENTERS) and (keys >= DIGIT_KEYS or keys >= KEYPAD_DIGIT_KEYS)


def _event_paths() -> list[str]:
    try:
        return sorted(os.path.join("/dev/input", name) for name in os.listdir("/dev/input")
                      if name.startswith("event"))
    except OSError:
        return []
