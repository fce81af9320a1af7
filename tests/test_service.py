"""The station under systemd: the notify protocol for real, and the unit checked by systemd's tools."""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tutor.service import Notifier, Watchdog

ROOT = Path(__file__).parent.parent
SAMPLE_REPLY = ROOT / "tutor" / "data" / "sample-reply.wav"


def _listen(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.5)
    return sock


def _messages(sock: socket.socket, until: str, timeout_s: float) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            seen.append(sock.recv(4096).decode())
        except TimeoutError:
            continue
        if any(until in m for m in seen):
            return seen
    raise AssertionError(f"no {until} within {timeout_s} s; got {seen}")


def _station(notify: Path, env: dict[str, str], stdout: int = subprocess.PIPE) -> subprocess.Popen[str]:
    """`tutor run --simulate` under a notify socket and a 0.2 s watchdog, with faulthandler on."""
    env = {**env, "NOTIFY_SOCKET": str(notify), "WATCHDOG_USEC": "200000", "PYTHONFAULTHANDLER": "1"}
    return subprocess.Popen([sys.executable, "-m", "tutor", "run", "--simulate", str(SAMPLE_REPLY)],
                            env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)


def _exit_status(station: subprocess.Popen[str], timeout_s: float,
                 stderr: Callable[[], str] | None = None) -> int:
    """The station's exit status; if it hangs, its threads' stacks (faulthandler on SIGABRT) in the
    failure, so a rare hang says where it was. ``stderr``: what it wrote, where a test already
    reads its stderr."""
    try:
        return station.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        station.send_signal(signal.SIGABRT)
        stacks = (stderr() if stderr else station.communicate(timeout=30)[1])[-8000:]
        raise AssertionError(f"no exit within {timeout_s} s of SIGTERM; its threads:\n{stacks}") from None


def test_ready_watchdog_and_clean_stop(tmp_path: Path, isolated_env: dict[str, str]) -> None:
    sock = _listen(tmp_path / "notify")
    station = _station(tmp_path / "notify", isolated_env)
    try:
        ready = _messages(sock, "READY=1", 60)
        assert not any("STOPPING" in m for m in ready)
        pings = _messages(sock, "WATCHDOG=1", 5)
        pings += _messages(sock, "WATCHDOG=1", 5)
        assert sum("WATCHDOG=1" in m for m in pings) >= 2
        station.send_signal(signal.SIGTERM)
        # generous bounds that only catch a hang: how fast it stops depends on the machine's load,
        # and a timing assertion here failed under load (systemd allows TimeoutStopSec=10 on a Pi)
        _messages(sock, "STOPPING=1", 60)
        code = _exit_status(station, 60)
        assert code == 0, station.stderr.read() if station.stderr else ""
        assert "Traceback" not in (station.stderr.read() if station.stderr else "")
    finally:
        if station.poll() is None:
            station.kill()
        sock.close()


def test_a_notify_socket_nobody_reads_never_wedges_the_station(tmp_path: Path,
                                                               isolated_env: dict[str, str]) -> None:
    # systemd always reads; a reader that stops must not leave a send blocked holding the
    # notifier's lock, where the main thread would wait for it and never handle SIGTERM
    sock = _listen(tmp_path / "notify")
    station = _station(tmp_path / "notify", isolated_env, stdout=subprocess.DEVNULL)
    said: list[str] = []
    dropping = threading.Event()

    def follow_stderr() -> None:
        assert station.stderr is not None
        for line in station.stderr:
            said.append(line)
            if "not reading its notify socket" in line:
                dropping.set()

    follower = threading.Thread(target=follow_stderr, daemon=True)
    follower.start()
    try:
        _messages(sock, "READY=1", 60)
        # not read from here on: once the queue (ten datagrams) is full a send gives up and says so
        assert dropping.wait(60), "".join(said)
        station.send_signal(signal.SIGTERM)

        def written() -> str:
            station.wait(timeout=30)
            follower.join(timeout=10)
            return "".join(said)

        assert _exit_status(station, 60, written) == 0, "".join(said)
    finally:
        if station.poll() is None:
            station.kill()
        sock.close()


def test_a_full_notify_queue_drops_messages_with_one_warning(tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    sock = _listen(tmp_path / "notify")
    sent = threading.Event()

    def send_many() -> None:
        with Notifier(str(tmp_path / "notify"), send_timeout_s=0.05) as notifier:
            for _ in range(40):  # four times what the queue holds
                notifier.notify("WATCHDOG=1")
        sent.set()

    with caplog.at_level(logging.WARNING, logger="tutor.service"):
        sender = threading.Thread(target=send_many, daemon=True)
        sender.start()
        sender.join(timeout=60)  # only catches a hang
        assert sent.is_set(), "a send blocked on a socket nobody reads"
    warnings = [r for r in caplog.records if "not reading its notify socket" in r.getMessage()]
    assert len(warnings) == 1
    queued = 0
    while True:
        try:
            sock.recv(4096)
            queued += 1
        except TimeoutError:
            break
    assert 0 < queued < 40  # what fitted was sent, the rest dropped
    sock.close()


def test_watchdog_stops_pinging_when_a_step_overruns(tmp_path: Path) -> None:
    sock = _listen(tmp_path / "notify")
    with Notifier(str(tmp_path / "notify")) as notifier:
        watchdog = Watchdog(notifier, interval_s=0.05).start()
        watchdog.expect("thinking", limit_s=0.3)
        assert "WATCHDOG=1" in _messages(sock, "WATCHDOG=1", 2)
        time.sleep(0.4)  # past the limit: the step hangs
        while True:  # drain what was sent before the limit
            try:
                sock.recv(4096)
            except TimeoutError:
                break
        with pytest.raises(AssertionError, match="no WATCHDOG"):
            _messages(sock, "WATCHDOG=1", 0.5)
        watchdog.close()
    sock.close()


def test_abstract_socket_address(tmp_path: Path) -> None:
    name = f"tutor-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(2)
    with Notifier("@" + name) as notifier:
        notifier.ready("loaded")
    assert sock.recv(4096).decode() == "READY=1\nSTATUS=loaded"
    sock.close()


def test_outside_systemd_nothing_is_sent() -> None:
    notifier = Notifier("")
    assert not notifier.enabled
    notifier.ready()  # and no error
    notifier.close()
    notifier.close()


def _unit_for_this_checkout(tmp_path: Path, text: str | None = None) -> Path:
    unit = tmp_path / "tutor.service"
    text = text or (ROOT / "systemd" / "tutor.service").read_text()
    unit.write_text(text.replace("/opt/tutor/.venv/bin/tutor", str(Path(sys.executable).parent / "tutor")))
    return unit


def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: run the README's test command, which installs systemd"
    done = subprocess.run([analyze, "verify", str(_unit_for_this_checkout(tmp_path))],
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_verify_would_catch_a_broken_unit(tmp_path: Path) -> None:
    broken = (ROOT / "systemd" / "tutor.service").read_text().replace("Type=notify", "Type=notifyy")
    done = subprocess.run(["systemd-analyze", "verify", str(_unit_for_this_checkout(tmp_path, broken))],
                          capture_output=True, text=True)
    assert "notifyy" in done.stderr


def _unit_settings(text: str) -> dict[str, dict[str, list[str]]]:
    """The unit file's settings: section, then key, then every value given (systemd allows repeats)."""
    sections: dict[str, dict[str, list[str]]] = {}
    section: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = sections.setdefault(line[1:-1], {})
            continue
        key, sep, value = line.partition("=")
        assert sep and section is not None, f"not a setting in a section: {raw!r}"
        section.setdefault(key.strip(), []).append(value.strip())
    return sections


_TIME_UNITS_S = {"": 1.0, "s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0, "ms": 0.001, "msec": 0.001,
                 "m": 60.0, "min": 60.0, "minute": 60.0, "minutes": 60.0, "h": 3600.0, "hr": 3600.0}


def _seconds(span: str) -> float:
    """A systemd time span ("30", "30s", "1min 30s") in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", span)
    assert parts and re.fullmatch(r"(\s*\d+(?:\.\d+)?\s*[a-z]*)+\s*", span), f"not a time span: {span!r}"
    assert all(unit in _TIME_UNITS_S for _, unit in parts), f"unit not known here: {span!r}"
    return sum(float(number) * _TIME_UNITS_S[unit] for number, unit in parts)


def test_unit_runs_unprivileged_and_hardened() -> None:
    unit = (ROOT / "systemd" / "tutor.service").read_text()
    service = _unit_settings(unit)["Service"]
    for setting in ("Type=notify", "User=tutor", "SupplementaryGroups=audio gpio",
                    "Restart=always", "NoNewPrivileges=yes", "ProtectSystem=strict", "StateDirectory=tutor",
                    "PrivateTmp=yes", "WorkingDirectory=/var/lib/tutor", "PrivateNetwork=yes",
                    "DevicePolicy=closed", "CapabilityBoundingSet=", "SystemCallArchitectures=native"):
        key, _, value = setting.partition("=")
        assert service.get(key, [None])[-1] == value, f"{setting}: got {service.get(key)}"
    watchdog = service["WatchdogSec"]
    assert len(watchdog) == 1, watchdog
    assert _seconds(watchdog[0]) > 0, f"WatchdogSec={watchdog[0]} is not a positive time span"


def test_unit_settings_parser() -> None:
    settings = _unit_settings("[Unit]\n# c\nA=1\n[Service]\nX=a=b\nX=\nWatchdogSec = 1min 30s\n")
    assert settings == {"Unit": {"A": ["1"]}, "Service": {"X": ["a=b", ""], "WatchdogSec": ["1min 30s"]}}
    assert _seconds("30") == 30 and _seconds("30s") == 30 and _seconds("1min 30s") == 90
    assert _seconds("500ms") == 0.5
    with pytest.raises(AssertionError):
        _seconds("soon")


# what this unit reaches (systemd 252, `systemd-analyze security --offline=yes`); 2.7 before hardening
SECURITY_EXPOSURE_REACHED = 0.6


def test_unit_security_exposure(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: run the README's test command, which installs systemd"
    version = subprocess.run([analyze, "--version"], capture_output=True, text=True, check=True).stdout
    found_version = re.match(r"systemd (\d+)", version)
    assert found_version, version
    major = int(found_version.group(1))
    if major < 250:
        pytest.skip(f"systemd-analyze {major} has no 'security --offline=yes' (systemd 250 added it)")
    unit = _unit_for_this_checkout(tmp_path)
    done = subprocess.run([analyze, "security", "--offline=yes", "--no-pager", str(unit)],
                          capture_output=True, text=True)
    found = re.search(r"Overall exposure level for tutor\.service: (\d+(?:\.\d+)?)", done.stdout)
    assert found, done.stdout + done.stderr
    exposure = float(found.group(1))
    assert exposure <= SECURITY_EXPOSURE_REACHED + 0.05, done.stdout


def test_install_script_refuses_without_root_and_knows_its_options(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "install.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    if os.geteuid() == 0:
        done = subprocess.run([str(script), "--bogus"], capture_output=True, text=True)
        assert done.returncode == 2 and "unknown option" in done.stderr
    else:
        done = subprocess.run([str(script)], capture_output=True, text=True)
        assert done.returncode == 1 and "run it as root" in done.stderr


@pytest.mark.parametrize("after_s", [0.3, 0.8, 1.5])
def test_a_stop_while_starting_is_clean(tmp_path: Path, isolated_env: dict[str, str], after_s: float) -> None:
    # systemctl stop can come at any moment of start-up: while models load, before READY=1
    sock = _listen(tmp_path / "notify")
    env = {**isolated_env, "NOTIFY_SOCKET": str(tmp_path / "notify")}
    station = subprocess.Popen([sys.executable, "-m", "tutor", "run", "--simulate", str(SAMPLE_REPLY)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(after_s)
        station.send_signal(signal.SIGTERM)
        code = station.wait(timeout=30)
        stderr = station.stderr.read() if station.stderr else ""
        assert code in (0, -signal.SIGTERM), stderr  # before Python has its handler, the default ends it
        assert "Traceback" not in stderr
    finally:
        if station.poll() is None:
            station.kill()
        sock.close()
