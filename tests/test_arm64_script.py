"""scripts/check-arm64.sh refuses clearly, before building anything, when it cannot run.

The full check takes tens of minutes of emulation and is run by hand; these only run the
script on a PATH that lacks the emulator, so they are cheap and need none of its tools.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check-arm64.sh"
BASH = shutil.which("bash") or "/bin/bash"


def run_script(*args: str, path: str, work: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path, "TUTOR_ARM64_DIR": str(work)}
    return subprocess.run([BASH, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60)


def path_without_the_emulator(tmp_path: Path) -> str:
    """A PATH with only what the script needs before its tool check (dirname)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    dirname = shutil.which("dirname")
    assert dirname is not None
    (bin_dir / "dirname").symlink_to(dirname)
    return str(bin_dir)


def test_a_missing_emulator_is_one_line_naming_the_install_command(tmp_path: Path) -> None:
    work = tmp_path / "arm64"
    result = run_script(path=path_without_the_emulator(tmp_path), work=work)

    assert result.returncode == 3
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("check-arm64: ")
    assert "qemu-aarch64-static" in lines[0]
    assert "apt-get install qemu-user-static proot debootstrap" in lines[0]
    assert not work.exists(), "nothing is built before the tools are found"


def test_an_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    result = run_script("--frsh", path=os.environ["PATH"], work=tmp_path / "arm64")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "check-arm64: unknown option --frsh; usage: scripts/check-arm64.sh [--fresh] [TEST_FILE ...]"]


def test_a_test_file_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    result = run_script("tests/test_no_such_thing.py", path=os.environ["PATH"], work=tmp_path / "arm64")

    assert result.returncode == 2
    assert "no test file tests/test_no_such_thing.py" in result.stderr
    assert len(result.stderr.splitlines()) == 1
