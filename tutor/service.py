"""Talking to systemd: readiness, watchdog pings and stopping, over $NOTIFY_SOCKET.

The protocol is one datagram per message to the socket systemd names; it
is small enough that no library is needed (the PyPI ones are unmaintained).
Outside systemd there is no socket and every call does nothing.

The watchdog pings only while the station's current step is within its time
limit: a step that hangs stops the pings, and systemd restarts the service.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Final

_LOGGER = logging.getLogger(__name__)

NO_LIMIT: Final = float("inf")
SEND_TIMEOUT_S: Final = 1.0
"""Longest one message may wait for room in the socket's queue (ten datagrams by default on
Linux) before it is dropped with a warning. The main thread and the watchdog thread share the
socket under one lock: a send blocked for good would hold it, and a main thread waiting for that
lock never runs its SIGTERM handler, so a reader that stops reading would wedge the station."""


class Notifier:
    """Sends sd_notify messages; silent when not run by systemd."""

    def __init__(self, address: str | None = None, send_timeout_s: float = SEND_TIMEOUT_S) -> None:
        address = address if address is not None else os.environ.get("NOTIFY_SOCKET", "")
        if address.startswith("@"):  # abstract socket namespace
            address = "\0" + address[1:]
        self._address = address
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._dropping = False  # warned once until a message gets through again
        if address:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._socket.settimeout(send_timeout_s)

    @property
    def enabled(self) -> bool:
        return self._socket is not None

    def notify(self, message: str) -> None:
        if self._socket is None:
            return
        with self._lock:
            try:
                self._socket.sendto(message.encode(), self._address)
                self._dropping = False
            except TimeoutError:
                if not self._dropping:
                    _LOGGER.warning("systemd is not reading its notify socket; dropping %s and what "
                                    "follows until it reads again", message.split("\n", 1)[0])
                self._dropping = True
            except OSError as exc:
                _LOGGER.warning("could not notify systemd (%s)", exc)

    def ready(self, status: str = "") -> None:
        self.notify("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def status(self, text: str) -> None:
        self.notify(f"STATUS={text}")

    def stopping(self) -> None:
        self.notify("STOPPING=1")

    def close(self) -> None:
        """Close the socket; safe to call more than once."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> Notifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Watchdog:
    """Pings systemd's watchdog from a thread while the current step is on time."""

    def __init__(self, notifier: Notifier, interval_s: float | None = None) -> None:
        self._notifier = notifier
        if interval_s is None:
            usec = os.environ.get("WATCHDOG_USEC", "")
            interval_s = int(usec) / 1e6 / 2 if usec.isdigit() and int(usec) > 0 else 0.0
        self.interval_s = interval_s
        self._deadline = NO_LIMIT
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.step = "starting"

    def start(self) -> Watchdog:
        if self.interval_s > 0 and self._notifier.enabled and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)
            self._thread.start()
        return self

    def expect(self, step: str, limit_s: float = NO_LIMIT) -> None:
        """The station starts ``step``, which must be over within ``limit_s``."""
        self.step = step
        self._deadline = time.monotonic() + limit_s

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            if time.monotonic() <= self._deadline:
                self._notifier.notify("WATCHDOG=1")
            else:
                _LOGGER.error("'%s' is over its time limit; letting the watchdog restart the station",
                              self.step)

    def close(self) -> None:
        """Stop pinging; safe to call more than once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
