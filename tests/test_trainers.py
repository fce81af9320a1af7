"""Trainers on an installed station: their `tutor report`, `session` and `forget` work on the
station's history, as real second users of this machine.

The station is set up as scripts/install.sh and systemd/tutor.service set it up: a folder
owned by the station's user and the trainers' group, 2770 (setgid); the station's rounds are
recorded by `tutor practice` run as that user, in that group, with $STATE_DIRECTORY and the
unit's UMask=0007, so every file in the folder is made by the real tutor. Trainers and an
outsider are real accounts (useradd, groupadd), and the CLI runs as them through setpriv with
their groups from /etc/group, as after a login. The folder is found through
$TUTOR_STATION_DATA, which stands for /var/lib/tutor here. When the tests' Python cannot be
run by other accounts (a venv on a Python under /root), the accounts get a venv of their own
on this machine's Python of the same version, with the tests' packages.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import site
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest
from conftest import isolated_environ

from tutor.errors import StorageError
from tutor.settings import Settings, load_settings

ROOT: Final = Path(__file__).parent.parent
SAMPLE_REPLY: Final = ROOT / "tutor" / "data" / "sample-reply.wav"
SERVICE_UMASK: Final = 0o007  # systemd/tutor.service's UMask=
LOGIN_UMASK: Final = 0o022  # what a trainer's shell usually has
COHORT_SCENARIO: Final = "late-birthday-present"
OTHER_SCENARIO: Final = "delayed-package"


@dataclass(frozen=True)
class Person:
    """An account of this machine, and the environment its `tutor` runs in."""

    name: str
    uid: int
    gid: int  # the group its processes run with (the station's: Group=tutor-trainers)
    home: Path
    env: dict[str, str]


@dataclass(frozen=True)
class Machine:
    """The accounts, made for these tests and removed after them."""

    root: Path  # a folder every account may pass through, holding homes and stations
    python: str  # an interpreter with the tests' packages that every account may run
    group: str  # stands for tutor-trainers
    station_user: Person  # stands for tutor
    trainer: Person
    outsider: Person


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed: the tests need it to act as a second user")
    return found


@pytest.fixture(scope="module")
def machine() -> Iterator[Machine]:
    if os.geteuid() != 0:
        pytest.skip("making accounts for a station, its trainer and an outsider needs root")
    useradd, userdel, groupadd, groupdel = (_tool(n) for n in ("useradd", "userdel", "groupadd", "groupdel"))
    _tool("setpriv")
    tag = f"t{os.getpid() % 100000}"
    group = f"{tag}-trainers"
    names = {"station_user": f"{tag}-station", "trainer": f"{tag}-trainer", "outsider": f"{tag}-outsider"}
    base = Path(tempfile.mkdtemp(prefix="tutor-trainers-", dir="/tmp"))
    base.chmod(0o755)
    made: list[str] = []
    try:
        done = subprocess.run([groupadd, group], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"this machine does not allow a new group: {done.stderr.strip()}")
        for role, name in names.items():
            groups = ["--groups", group] if role != "outsider" else []
            done = subprocess.run([useradd, "--no-create-home", "--home-dir", str(base / name), "--shell",
                                   "/usr/sbin/nologin", *groups, name], capture_output=True, text=True)
            if done.returncode != 0:
                pytest.skip(f"this machine does not allow a new account: {done.stderr.strip()}")
            made.append(name)
        people = {role: _person(name, base, group if role == "station_user" else None)
                  for role, name in names.items()}
        python = _python_for_everyone(base, people["outsider"])
        yield Machine(root=base, python=python, group=group, **people)
    finally:
        for name in made:
            subprocess.run([userdel, name], capture_output=True)
        subprocess.run([groupdel, group], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _person(name: str, base: Path, group: str | None) -> Person:
    account = pwd.getpwnam(name)
    home = base / name
    env = isolated_environ(home)
    # the checkout's tutor, and the station's settings file that every account reads
    env.update(PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1",
               TUTOR_SYSTEM_CONFIG=str(base / "etc" / "tutor" / "config.toml"))
    _give(home, account.pw_uid, account.pw_gid)
    gid = grp.getgrnam(group).gr_gid if group else account.pw_gid
    return Person(name=name, uid=account.pw_uid, gid=gid, home=home, env=env)


def _runs_for(person: Person, python: str) -> bool:
    # through a shell: its exec has only the account's rights (setpriv's own exec may still
    # pass through folders the account cannot), as the tutor's own helper processes have
    done = subprocess.run(["setpriv", f"--reuid={person.uid}", f"--regid={person.gid}", "--init-groups", "--",
                           "/bin/sh", "-c", '"$0" -c "import numpy, tutor"', python],
                          env=person.env, cwd=person.home, capture_output=True)
    return done.returncode == 0


def _python_for_everyone(base: Path, person: Person) -> str:
    if _runs_for(person, sys.executable):
        return sys.executable
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(f"python{version}", path="/usr/local/bin:/usr/bin")
    if system is None:
        pytest.skip(f"{sys.executable} cannot be run by other accounts and this machine has no "
                    f"python{version} they could run")
    venv = base / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(system)
    (venv / "pyvenv.cfg").write_text(f"home = {Path(system).parent}\ninclude-system-site-packages = false\n")
    packages = venv / "lib" / f"python{version}" / "site-packages"
    packages.parent.mkdir(parents=True)
    packages.symlink_to(site.getsitepackages()[0])
    python = str(venv / "bin" / "python")
    if not _runs_for(person, python):
        pytest.skip(f"neither {sys.executable} nor {system} with the tests' packages can be run by "
                    f"other accounts here")
    return python


def _give(folder: Path, uid: int, gid: int) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, uid, gid)
    folder.chmod(0o700)


@pytest.fixture
def station(machine: Machine, request: pytest.FixtureRequest) -> Path:
    """A station's data folder as scripts/install.sh leaves it: station user, trainers' group,
    2770; and the station's settings: its name, and recordings kept (so forgetting deletes files
    the station made)."""
    config = machine.root / "etc" / "tutor" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[history]\nstation = "kiosk"\nkeep_recordings = true\n')
    config.chmod(0o644)
    test_name: str = request.node.name
    folder = machine.root / "stations" / test_name / "var-lib-tutor"
    folder.mkdir(parents=True)
    for parent in folder.parents:
        if parent == machine.root:
            break
        parent.chmod(0o755)
    os.chown(folder, machine.station_user.uid, grp.getgrnam(machine.group).gr_gid)
    folder.chmod(0o2770)
    return folder


def _as(machine: Machine, person: Person, station: Path, *args: str, service: bool = False,
        umask: int = LOGIN_UMASK, program: tuple[str, ...] = ("-m", "tutor"),
        stdin: int | None = None) -> subprocess.Popen[str]:
    """``python -m tutor ARGS`` as ``person``, with its groups from /etc/group; ``service``: as
    systemd runs the station (its $STATE_DIRECTORY and UMask=0007)."""
    env = {**person.env, "TUTOR_STATION_DATA": str(station)}
    if service:
        env["STATE_DIRECTORY"] = str(station)
        umask = SERVICE_UMASK
    command = ["setpriv", f"--reuid={person.uid}", f"--regid={person.gid}", "--init-groups", "--",
               machine.python, *program, *args]
    return subprocess.Popen(command, env=env, cwd=person.home, umask=umask, text=True, stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _run(machine: Machine, person: Person, station: Path, *args: str, service: bool = False,
         umask: int = LOGIN_UMASK) -> subprocess.CompletedProcess[str]:
    process = _as(machine, person, station, *args, service=service, umask=umask)
    out, err = process.communicate(timeout=180)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _play(machine: Machine, station: Path, trainee: str, scenario: str) -> subprocess.CompletedProcess[str]:
    """A round on the station, recorded by the station itself."""
    done = _run(machine, machine.station_user, station, "practice", "--simulate", str(SAMPLE_REPLY),
                "--reply-at", "1.3", "--fast", "--scenario", scenario, "--trainee", trainee, service=True)
    assert done.returncode == 0, done.stderr
    assert "Recorded in the history as round" in done.stdout, done.stdout + done.stderr
    return done


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def _rounds(machine: Machine, person: Person, station: Path, *flags: str) -> list[dict[str, object]]:
    done = _run(machine, person, station, "report", "--json", *flags)
    listed: list[dict[str, object]] = json.loads(_ok(done))
    return listed


def _shared_with_the_group_only(machine: Machine, station: Path) -> None:
    """Every file and folder in the station's folder is the trainers' group's to read and write,
    and nobody else's; every folder passes its group on (setgid)."""
    gid = grp.getgrnam(machine.group).gr_gid
    for path in [station, *station.rglob("*")]:
        info = path.lstat()
        assert info.st_gid == gid, f"{path} belongs to group {info.st_gid}, not {machine.group}"
        assert info.st_mode & 0o060 == 0o060, f"{path} is {stat.filemode(info.st_mode)}"
        assert info.st_mode & 0o007 == 0, f"{path} is {stat.filemode(info.st_mode)}"
        if path.is_dir():
            assert info.st_mode & stat.S_ISGID, f"{path} is {stat.filemode(info.st_mode)}"


def test_a_trainer_reports_and_runs_a_week_long_session_on_the_stations_history(
        machine: Machine, station: Path) -> None:
    trainer = machine.trainer
    _play(machine, station, "ana", COHORT_SCENARIO)
    seen = _rounds(machine, trainer, station)
    assert [(r["trainee"], r["station"]) for r in seen] == [("ana", "kiosk")]
    assert not (trainer.home / ".local" / "share" / "tutor").exists()  # not a history of their own

    started = _run(machine, trainer, station, "session", "start", "cohort 7", "--scenarios", COHORT_SCENARIO)
    assert "Session cohort 7 started" in _ok(started)
    _play(machine, station, "ben", COHORT_SCENARIO)
    _play(machine, station, "ben", OTHER_SCENARIO)  # played while it is open, but not the cohort's
    assert "1 round" in _ok(_run(machine, trainer, station, "session", "end"))

    # the next day: the same cohort, the same session
    start_again = _run(machine, trainer, station, "session", "start", "cohort 7")
    assert start_again.returncode == 2 and "tutor session reopen cohort 7" in start_again.stderr
    reopened = _ok(_run(machine, trainer, station, "session", "reopen", "cohort 7"))
    assert reopened.startswith(f"Session cohort 7 reopened; scenarios: {COHORT_SCENARIO}; 1 round so far.")
    _play(machine, station, "guest", COHORT_SCENARIO)
    _play(machine, station, "cleo", COHORT_SCENARIO)
    summary = json.loads(_ok(_run(machine, trainer, station, "session", "summary", "cohort 7", "--json")))
    assert summary["ended_at"] is None
    assert [r["trainee"] for r in summary["rounds"]] == ["ben", "guest", "cleo"]
    assert {r["scenario"] for r in summary["rounds"]} == {COHORT_SCENARIO}
    cohort = _rounds(machine, trainer, station, "--session", "cohort 7", "--exclude-guest")
    assert [r["trainee"] for r in cohort] == ["ben", "cleo"]
    everyone = _rounds(machine, trainer, station, "--exclude-guest")
    assert [r["trainee"] for r in everyone] == ["ana", "ben", "ben", "cleo"]
    assert "ended" in _ok(_run(machine, trainer, station, "session", "end")).splitlines()[0]

    # the station's own files: a kept recording made by the station user, deleted by the trainer
    recordings = [r["recording"] for r in _rounds(machine, trainer, station, "--trainee", "ana")]
    assert len(recordings) == 1 and isinstance(recordings[0], str) and Path(recordings[0]).exists()
    assert Path(recordings[0]).stat().st_uid == machine.station_user.uid
    forgot = _ok(_run(machine, trainer, station, "forget", "ana", "--yes"))
    assert forgot.startswith("Forgot ana: deleted 1 round") and "1 kept recording" in forgot
    assert not Path(recordings[0]).exists()

    _play(machine, station, "dan", COHORT_SCENARIO)  # and the station still records afterwards
    left = [r["trainee"] for r in _rounds(machine, trainer, station)]
    assert left == ["ben", "ben", "guest", "cleo", "dan"]
    _shared_with_the_group_only(machine, station)


def test_the_station_records_while_a_trainer_holds_the_history_open(machine: Machine, station: Path) -> None:
    # SQLite in WAL mode: whoever opens the file first makes its -wal and -shm, and a reader
    # writes the -shm too; made by a trainer (umask 022), they must stay the station's to write
    _play(machine, station, "ana", COHORT_SCENARIO)
    database = station / "history.sqlite3"
    assert not (station / "history.sqlite3-wal").exists()  # closed: the next to open makes it
    holder = _as(machine, machine.trainer, station, "-c",
                 "import sys\n"
                 "from tutor.history import History\n"
                 "from tutor.settings import load_settings\n"
                 "with History.open(load_settings(), create=False) as history:\n"
                 "    print(len(history.rounds()), flush=True)\n"
                 "    sys.stdin.readline()\n",
                 program=(), stdin=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "1"
        for made in ("-wal", "-shm"):
            info = Path(f"{database}{made}").stat()
            assert info.st_uid == machine.trainer.uid  # the trainer made it
            assert info.st_mode & 0o660 == 0o660, stat.filemode(info.st_mode)
        _play(machine, station, "ben", COHORT_SCENARIO)
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(timeout=60) == 0, holder.stderr.read() if holder.stderr else ""
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert [r["trainee"] for r in _rounds(machine, machine.station_user, station)] == ["ana", "ben"]


def test_a_trainer_may_be_the_first_to_make_the_history(machine: Machine, station: Path) -> None:
    # before the station's first round: a trainer's session start makes the database, with
    # their umask of 022, and the station must still be able to write it
    done = _run(machine, machine.trainer, station, "session", "start", "cohort 8",
                "--scenarios", COHORT_SCENARIO)
    assert "Session cohort 8 started" in _ok(done)
    database = station / "history.sqlite3"
    assert database.stat().st_uid == machine.trainer.uid
    _shared_with_the_group_only(machine, station)
    _play(machine, station, "ana", COHORT_SCENARIO)
    assert [r["session"] for r in _rounds(machine, machine.trainer, station)] == ["cohort 8"]


def test_the_station_user_reads_the_history_without_the_service(machine: Machine, station: Path) -> None:
    # `sudo -u tutor tutor report`: no $STATE_DIRECTORY, the station's folder found all the same
    _play(machine, station, "ana", COHORT_SCENARIO)
    assert [r["trainee"] for r in _rounds(machine, machine.station_user, station)] == ["ana"]


@pytest.mark.parametrize("args", [["report"], ["report", "--json"], ["session", "list"],
                                  ["session", "start", "cohort 9"], ["forget", "ana", "--yes"],
                                  ["practice", "--simulate", str(SAMPLE_REPLY), "--fast"]])
def test_an_outsider_is_told_in_one_line_how_to_get_in(machine: Machine, station: Path,
                                                       args: list[str]) -> None:
    outsider = machine.outsider
    done = _run(machine, outsider, station, *args)
    assert done.returncode == 4
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith(f"tutor: the station's history in {station} is open only to the group "
                                  f"{machine.group}: ")
    assert f"sudo usermod -aG {machine.group} {outsider.name}" in done.stderr
    assert f"sudo -u {machine.station_user.name} tutor" in done.stderr
    assert done.stdout == ""  # not an empty report
    assert not (outsider.home / ".local" / "share" / "tutor").exists()  # nor a history of their own
    assert list(station.iterdir()) == []


# where the data folder is, in-process

def test_the_data_folder_is_the_setting_then_systemds_then_the_stations_then_the_users(
        isolated_settings: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    station = tmp_path / "var-lib-tutor"
    monkeypatch.setenv("TUTOR_STATION_DATA", str(station))
    users = Path(os.environ["XDG_DATA_HOME"]) / "tutor"
    assert Settings().data_dir == users  # no station installed here
    station.mkdir()
    assert Settings().data_dir == station
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    assert Settings().data_dir == tmp_path / "state"
    chosen = load_settings(None, {"storage.data_dir": str(tmp_path / "mine")})
    assert chosen.data_dir == tmp_path / "mine"


def test_an_unreachable_station_folder_is_an_error_not_the_users_folder(
        isolated_settings: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    station = tmp_path / "var-lib-tutor"
    station.mkdir(mode=0o000)
    monkeypatch.setenv("TUTOR_STATION_DATA", str(station))
    # os.access answers for the real user: root may open anything, so pretend a folder root cannot
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != station)
    with pytest.raises(StorageError, match=r"is open only to the group .*sudo usermod -aG .*sudo -u "):
        _ = Settings().data_dir
    explicit = load_settings(None, {"storage.data_dir": str(tmp_path / "mine")})
    assert explicit.data_dir == tmp_path / "mine"  # a folder named in the settings still wins


def test_the_unit_shares_the_state_with_the_trainers_group() -> None:
    # systemd gives the state folder to User:Group at every start, so Group= must be the
    # trainers' (else it takes the folder back from them); 2770 and UMask=0007 keep it theirs
    unit = (ROOT / "systemd" / "tutor.service").read_text()
    service: dict[str, str] = {}
    for line in unit.split("[Service]", 1)[1].split("[Install]", 1)[0].splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            service[key.strip()] = value.strip()
    assert service["User"] == "tutor" and service["Group"] == "tutor-trainers"
    assert service["StateDirectory"] == "tutor" and service["StateDirectoryMode"] == "2770"
    assert service["UMask"] == "0007"
    install = (ROOT / "scripts" / "install.sh").read_text()
    assert "trainers=tutor-trainers" in install and 'chown -R -h tutor:"$trainers" "$state"' in install
