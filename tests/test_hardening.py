"""Hostile and odd inputs, run as a user would: device nodes and pipes as targets or
sources, formulas in CSV cells, the umask, absurd flags, a reader that leaves early,
escape sequences in names, cut-off recordings and broken scenario files."""

from __future__ import annotations

import csv
import json
import os
import select
import socket
import stat
import subprocess
import sys
import wave
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from subprocess import CompletedProcess

import numpy as np
import pytest
from history_rounds import GOOD_REPLY, make_round

from tutor.audio.wavfile import read_round, write_wav
from tutor.errors import StorageError
from tutor.history import History
from tutor.scenarios import ScenarioLibrary

Tutor = Callable[..., CompletedProcess[str]]
SAMPLE_REPLY = Path(__file__).parent.parent / "tutor" / "data" / "sample-reply.wav"
NULL_DEVICE = os.stat("/dev/null").st_rdev


def _one_line(done: CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    return done.stderr


@pytest.fixture
def history_env(tmp_path: Path) -> dict[str, str]:
    """A config naming a history with two rounds whose texts a spreadsheet would run."""
    database = tmp_path / "h.sqlite3"
    now = datetime.now(UTC)
    with History(database) as history:
        history.record(make_round(f"=HYPERLINK(\"http://x\") {GOOD_REPLY}", started_at=now),
                       "=1+2", "@SUM(A1)")
        history.record(make_round(GOOD_REPLY, pause_s=-0.4, started_at=now), "-2+3", "\rpi")
    config = tmp_path / "tutor.toml"
    config.write_text(f'[history]\ndatabase = "{database}"\n')
    return {"TUTOR_CONFIG": str(config)}


# 7: a named target that is not a regular file is written through or refused, never replaced

@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_node_is_written_through_and_never_replaced(tutor: Tutor, tmp_path: Path,
                                                             history_env: dict[str, str]) -> None:
    node = tmp_path / "null"  # a copy of /dev/null's node: the real one is shared with the machine
    os.mknod(node, stat.S_IFCHR | 0o666, NULL_DEVICE)
    for flag in ("--csv", "--html"):
        done = tutor("report", flag, str(node), env=history_env)
        assert done.returncode == 0, done.stderr
        info = os.lstat(node)
        assert stat.S_ISCHR(info.st_mode) and info.st_rdev == NULL_DEVICE
    write_wav(node, np.zeros(1600, dtype=np.int16), 16000)  # what `--save-round` calls
    assert stat.S_ISCHR(os.lstat(node).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite3", "home", "null", "tutor.toml"]


def test_a_terminal_is_written_through(tutor: Tutor, history_env: dict[str, str]) -> None:
    controller, terminal = os.openpty()
    try:
        name = os.ttyname(terminal)
        done = tutor("report", "--csv", name, env=history_env)
        assert done.returncode == 0, done.stderr
        received = b""
        while select.select([controller], [], [], 0.5)[0]:
            received += os.read(controller, 65536)
        assert b"started_at" in received and b"'=1+2" in received
        assert stat.S_ISCHR(os.stat(name).st_mode)
    finally:
        os.close(controller)
        os.close(terminal)


@pytest.fixture
def odd_targets(tmp_path: Path) -> Iterator[dict[str, Path]]:
    targets = {"fifo": tmp_path / "pipe", "folder": tmp_path / "folder",
               "dangling link": tmp_path / "dangling", "socket": tmp_path / "sock",
               "other device": Path("/dev/full")}
    os.mkfifo(targets["fifo"])
    targets["folder"].mkdir()
    targets["dangling link"].symlink_to(tmp_path / "nowhere")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(targets["socket"]))
    yield targets
    listener.close()


@pytest.mark.parametrize(("kind", "message"), [
    ("fifo", "is a named pipe (FIFO)"), ("folder", "is a folder"),
    ("dangling link", "is a symbolic link to nothing"), ("socket", "is a socket"),
    ("other device", "is a device other than /dev/null or a terminal")])
def test_pipes_sockets_folders_odd_devices_and_dangling_links_are_refused(
        tutor: Tutor, tmp_path: Path, history_env: dict[str, str], odd_targets: dict[str, Path],
        kind: str, message: str) -> None:
    target = odd_targets[kind]
    before = os.lstat(target)
    done = tutor("report", "--csv", str(target), env=history_env, timeout=20)  # a pipe must not hang it
    assert done.returncode == 4
    assert f"cannot write {target}: it {message}" in _one_line(done)
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert not (tmp_path / "nowhere").exists()


def test_stdout_into_a_pipe_is_a_fifo_and_refused(tutor: Tutor, history_env: dict[str, str]) -> None:
    done = tutor("report", "--csv", "/dev/stdout", env=history_env)  # captured: stdout is a pipe
    assert done.returncode == 4 and "named pipe" in _one_line(done) and done.stdout == ""


def test_save_round_into_a_fifo_is_refused_before_the_round(tutor: Tutor, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "round.wav")
    done = tutor("practice", "--simulate", str(SAMPLE_REPLY), "--fast", "--save-round",
                 str(tmp_path / "round.wav"), timeout=30)
    assert done.returncode == 4 and "named pipe" in _one_line(done)
    assert "Customer" not in done.stdout  # refused before a round was played


def test_a_link_to_a_file_is_refused_and_left_alone(tutor: Tutor, tmp_path: Path,
                                                    history_env: dict[str, str]) -> None:
    real = tmp_path / "real.csv"  # say /etc/shadow, and the link one planted in /tmp
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    done = tutor("report", "--csv", str(link), env=history_env)
    assert done.returncode == 4
    assert f"it is a symbolic link to {real}; name that file itself" in _one_line(done)
    assert link.is_symlink() and real.read_text() == "old\n"
    done = tutor("report", "--csv", str(real), env=history_env)
    assert done.returncode == 0 and real.read_text().startswith("id,started_at,")
    assert link.is_symlink()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


# 9: CSV cells a spreadsheet would run are neutralised, in the CSV only

def test_csv_cells_that_start_a_formula_are_prefixed(tutor: Tutor, tmp_path: Path,
                                                     history_env: dict[str, str]) -> None:
    done = tutor("report", "--csv", str(tmp_path / "r.csv"), env=history_env)
    assert done.returncode == 0, done.stderr
    with (tmp_path / "r.csv").open(newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert rows["1"]["trainee"] == "'=1+2" and rows["1"]["station"] == "'@SUM(A1)"
    assert rows["1"]["transcript"].startswith("'=HYPERLINK(")
    assert rows["2"]["trainee"] == "'-2+3" and rows["2"]["station"] == "'\rpi"
    assert float(rows["2"]["pause_s"]) < 0  # numbers are left alone: a negative pause stays one
    assert rows["1"]["scenario"] == "late-birthday-present"
    listed = json.loads(tutor("report", "--json", env=history_env).stdout)
    assert {r["trainee"] for r in listed} == {"=1+2", "-2+3"}  # only the CSV is changed


# 10: every file the tutor writes gets 0666 less the umask

def _with_umask(mask: int) -> Callable[[], None]:
    return lambda: os.umask(mask) and None


def test_reports_and_saved_rounds_respect_the_umask(tmp_path: Path, isolated_env: dict[str, str],
                                                    history_env: dict[str, str]) -> None:
    env = {**isolated_env, **history_env}

    def run(mask: int, *args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True,
                              env=env, timeout=120, preexec_fn=_with_umask(mask))
        assert done.returncode == 0, done.stderr

    run(0o027, "report", "--csv", str(tmp_path / "r.csv"), "--html", str(tmp_path / "r.html"))
    assert stat.S_IMODE(os.stat(tmp_path / "r.csv").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(tmp_path / "r.html").st_mode) == 0o640
    run(0o002, "report", "--csv", str(tmp_path / "r.csv"))  # replacing a file: the umask again
    assert stat.S_IMODE(os.stat(tmp_path / "r.csv").st_mode) == 0o664
    run(0o077, "practice", "--simulate", str(SAMPLE_REPLY), "--reply-at", "1.2", "--fast",
        "--scenario", "late-birthday-present", "--save-round", str(tmp_path / "round.wav"))
    assert stat.S_IMODE(os.stat(tmp_path / "round.wav").st_mode) == 0o600


def test_calibration_respects_the_umask(tmp_path: Path) -> None:
    from tutor.calibration import Calibration, save
    from tutor.settings import load_settings

    settings = load_settings(overrides={"storage.data_dir": str(tmp_path)})
    previous = os.umask(0o027)
    try:
        path = save(Calibration(loop_latency_ms=80.0, echo_level_db=-20.0, confidence=9.0, device="x",
                                measured_at="2026-01-01T00:00:00+00:00"), settings)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


# 13: pipes as input, absurd flags, a reader that leaves, escape sequences

@pytest.mark.parametrize("command", [["score"], ["practice", "--fast", "--simulate"],
                                     ["run", "--fast", "--rounds", "1", "--simulate"]])
def test_a_fifo_as_recording_is_refused_not_waited_on(tutor: Tutor, tmp_path: Path,
                                                      command: list[str]) -> None:
    fifo = tmp_path / "reply.wav"
    os.mkfifo(fifo)
    done = tutor(*command, str(fifo), timeout=30)
    assert done.returncode == 2
    assert f"{fifo} is a named pipe (FIFO), not a WAV file" in _one_line(done)


@pytest.mark.parametrize(("args", "message"), [
    (["practice", "--simulate", str(SAMPLE_REPLY), "--reply-at", "nan"], "--reply-at must be seconds"),
    (["practice", "--simulate", str(SAMPLE_REPLY), "--reply-at", "inf"], "--reply-at must be seconds"),
    (["practice", "--simulate", str(SAMPLE_REPLY), "--reply-at", "-31"], "between -30 and 60"),
    (["run", "--simulate", str(SAMPLE_REPLY), "--reply-at", "1e9"], "between -30 and 60, not 1e+09"),
    (["report", "--since", "99999999999"], "more than 36500"),
    (["report", "--since", "0001-01-01"], "--since must be a date"),
    (["report", "--since", "9999-12-31"], "--since must be a date"),
])
def test_absurd_times_are_one_clear_line(tutor: Tutor, history_env: dict[str, str], args: list[str],
                                         message: str) -> None:
    done = tutor(*args, env=history_env)
    assert done.returncode == 2 and message in _one_line(done)
    assert "Customer" not in done.stdout


@pytest.mark.parametrize("args", [["report"], ["config", "--defaults"], ["session", "end"],
                                  ["models", "verify"], ["scenarios"]])
def test_a_reader_that_leaves_early_is_no_traceback(isolated_env: dict[str, str],
                                                    history_env: dict[str, str], args: list[str]) -> None:
    env = {**isolated_env, **history_env}
    if args == ["session", "end"]:
        subprocess.run([sys.executable, "-m", "tutor", "session", "start", "cohort"], env=env, check=True,
                       capture_output=True)
    tutor = subprocess.Popen([sys.executable, "-m", "tutor", *args], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    assert tutor.stdout is not None and tutor.stderr is not None
    tutor.stdout.close()  # `| head` that has already left: every write meets a closed pipe
    errors = tutor.stderr.read().decode()
    assert tutor.wait(timeout=60) == 141  # what a shell reports for any program whose reader left
    assert "Traceback" not in errors and "BrokenPipe" not in errors and "Exception ignored" not in errors


def test_a_station_name_with_control_characters_is_refused_with_file_and_line(
        tutor: Tutor, tmp_path: Path) -> None:
    config = tmp_path / "tutor.toml"
    config.write_text('[audio]\n\n[history]\nstation = "pi\\u001b]0;owned\\u0007"\n')
    done = tutor("config", env={"TUTOR_CONFIG": str(config)})
    assert done.returncode == 2
    line = _one_line(done)
    assert f"{config}:4: [history] station" in line and "control characters" in line
    assert "\x1b" not in line and "\\x1b" in line


def test_escape_sequences_in_titles_and_old_station_names_are_shown_escaped(
        tutor: Tutor, tmp_path: Path, history_env: dict[str, str]) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "odd.toml").write_text('title = "Late \\u001b[2J\\u001b]0;owned\\u0007parcel \\u202e"\n'
                                     'lines = ["Where is \\u001b[31mmy parcel?"]\n')
    config = Path(history_env["TUTOR_CONFIG"])
    config.write_text(config.read_text() + f'[storage]\nscenario_dirs = ["{folder}"]\n')
    listed = tutor("scenarios", env=history_env)
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("odd "))
    assert row.endswith("Late \\x1b[2J\\x1b]0;owned\\x07parcel \\u202e")
    table = tutor("report", env=history_env)  # a station named before names were checked
    assert table.returncode == 0, table.stderr
    assert "Station \\x0dpi (" in table.stdout
    for done in (listed, table):
        assert not any(ch in done.stdout for ch in "\x1b\x07\r\u202e")
    scored = tutor("score", "--text", "so your parcel is late", "--scenario", "odd", env=history_env)
    assert "Scenario: Late \\x1b[2J" in scored.stdout and "\x1b" not in scored.stdout


# 14: a recording cut short is scored with a warning

def test_a_cut_off_recording_is_scored_with_one_warning(tutor: Tutor, tmp_path: Path) -> None:
    rate = 16000
    t = np.arange(6 * rate) / rate
    voice = (8000 * np.sin(2 * np.pi * 220 * t) * (t > 3)).astype(np.int16)
    whole = write_wav(tmp_path / "whole.wav", np.stack([np.zeros_like(voice), voice], axis=1), rate)
    data = whole.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) * 2 // 3])  # the header still promises 6 s
    with wave.open(str(cut)) as wav:
        assert wav.getnframes() == 6 * rate
    assert read_round(cut).duration_s == pytest.approx(4.0, abs=0.01)
    done = tutor("score", str(cut), "--json")
    assert "Traceback" not in done.stderr
    warnings = [line for line in done.stderr.splitlines() if "cut short" in line]
    assert len(warnings) == 1 and "promises 6.00 s but it holds 4.00 s" in warnings[0]
    assert json.loads(done.stdout)["duration_s"] == pytest.approx(4.0, abs=0.05)
    whole_done = tutor("score", str(whole), "--json")
    assert "cut short" not in whole_done.stderr


# 15: one broken scenario file costs that file, not the library or the station

@pytest.fixture
def broken_library(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "loop.toml").symlink_to(folder / "loop.toml")
    (folder / "broken.toml").write_text("title = \n")
    os.mkfifo(folder / "pipe.toml")
    (folder / "fine.toml").write_text('title = "A fine one"\nlines = ["My parcel is late."]\n')
    config = tmp_path / "tutor.toml"
    config.write_text(f'[storage]\nscenario_dirs = ["{folder}"]\n[history]\nenabled = false\n')
    return {"TUTOR_CONFIG": str(config)}


def test_unreadable_scenarios_are_skipped_with_a_warning_each(tutor: Tutor,
                                                              broken_library: dict[str, str]) -> None:
    done = tutor("scenarios", env=broken_library, timeout=30)
    assert done.returncode == 0, done.stderr
    ids = [line.split()[0] for line in done.stdout.splitlines()]
    assert "fine" in ids and "late-birthday-present" in ids
    assert not {"loop", "broken", "pipe"} & set(ids)
    warnings = done.stderr.strip().splitlines()
    assert len(warnings) == 3 and all("skipped a scenario" in w for w in warnings)
    assert "Traceback" not in done.stderr
    assert any("loop.toml" in w and "symbolic links" in w for w in warnings)
    assert any("broken.toml" in w and "not valid TOML" in w for w in warnings)
    assert any("pipe.toml" in w and "named pipe" in w for w in warnings)
    scenarios, problems = ScenarioLibrary().load_all()  # the built-in library loads whole
    assert len(scenarios) >= 10 and not problems


def test_the_station_starts_with_a_broken_scenario_file(tutor: Tutor,
                                                        broken_library: dict[str, str]) -> None:
    done = tutor("run", "--simulate", str(SAMPLE_REPLY), "--fast", "--rounds", "1", env=broken_library)
    assert done.returncode == 0, done.stderr
    assert "station: 1 round(s)" in done.stdout
    assert "Traceback" not in done.stderr and done.stderr.count("skipped a scenario") == 3


def test_doctor_lists_unreadable_scenarios(tutor: Tutor, isolated_env: dict[str, str],
                                           broken_library: dict[str, str]) -> None:
    (Path(isolated_env["HOME"]) / ".asoundrc").write_text("pcm.!default { type hw card 7 }\n")  # fails fast
    done = tutor("doctor", "--json", env=broken_library)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    check = next(c for c in json.loads(done.stdout) if c["name"] == "scenarios")
    assert not check["ok"] and "fix or remove" in check["fix"]
    assert "3 scenario file(s) skipped, 1" in check["detail"] and "(and 2 more)" in check["detail"]
    healthy = json.loads(tutor("doctor", "--json").stdout)
    assert next(c for c in healthy if c["name"] == "scenarios")["ok"]


def test_storage_errors_are_storage_errors(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "p")
    with pytest.raises(StorageError, match="named pipe"):
        write_wav(tmp_path / "p", np.zeros(10, dtype=np.int16), 16000)
