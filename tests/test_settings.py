from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tutor.errors import ConfigError
from tutor.settings import (
    Engine,
    PinFactory,
    RecognitionSettings,
    ScenarioOrder,
    Settings,
    apply_file,
    describe,
    load_settings,
    user_config_path,
)


@pytest.fixture(autouse=True)
def _no_real_config(isolated_settings: Path) -> Path:
    """No test here reads /etc/tutor, the user's config or a TUTOR_CONFIG of the caller."""
    return isolated_settings


def test_isolated_system_and_user_files_are_the_ones_read(_no_real_config: Path,
                                                          tmp_path: Path) -> None:
    assert load_settings() == Settings()  # nothing in the stand-in folders yet
    system = _no_real_config
    system.parent.mkdir(parents=True)
    system.write_text("[listening]\nend_silence_s = 3\nno_reply_timeout_s = 7\n")
    settings = load_settings()
    assert settings.listening.end_silence_s == 3.0 and settings.listening.no_reply_timeout_s == 7.0
    user = user_config_path()
    assert user.is_relative_to(tmp_path)
    user.parent.mkdir(parents=True)
    user.write_text("[listening]\nend_silence_s = 2.5\n")
    settings = load_settings()  # the user's file is read after the system's
    assert settings.listening.end_silence_s == 2.5 and settings.listening.no_reply_timeout_s == 7.0


def test_defaults_are_documented_and_parse_back(tmp_path: Path) -> None:
    text = describe()
    assert "# Silence after speech that ends the trainee's reply" in text
    path = tmp_path / "all.toml"
    path.write_text(text)
    assert apply_file(Settings(), path) == Settings()
    assert tomllib.loads(text)["listening"]["end_silence_s"] == 1.2


def test_file_overrides_defaults_and_flags_override_file(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    path.write_text("[listening]\nend_silence_s = 2\n[audio]\ninput_device = 'USB'\n")
    settings = load_settings(path, {"listening.no_reply_timeout_s": "4.5"})
    assert settings.listening.end_silence_s == 2.0
    assert settings.audio.input_device == "USB"
    assert settings.listening.no_reply_timeout_s == 4.5
    assert settings.voice == Settings().voice


def test_unknown_key_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[audio]\nsample_rate = 16000\nsampel_rate = 8000\n")
    with pytest.raises(ConfigError, match=r"bad.toml:3: unknown key 'sampel_rate' in \[audio\]"):
        load_settings(path)


def test_wrong_type_names_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[listening]\n\nend_silence_s = 'long'\n")
    with pytest.raises(ConfigError, match=r"bad.toml:3: \[listening\] end_silence_s must be a number"):
        load_settings(path)


@pytest.mark.parametrize(("text", "message"), [
    ("[listening]\nmax_reply_s = -5\n",
     r"bad.toml:2: \[listening\] max_reply_s must be between 5 and 300, not -5"),
    ("[listening]\n\nend_silence_s = 1e9\n",
     r"bad.toml:3: \[listening\] end_silence_s must be between 0.3 and 5"),
    ("[scoring]\nideal_min_s = nan\n",
     r"bad.toml:2: \[scoring\] ideal_min_s must be between 0 and 10, not nan"),
    ("[gpio]\nbutton = 40\n", r"bad.toml:2: \[gpio\] button must be between 0 and 27, not 40"),
    ("[voice]\nvolume = 3\n", r"bad.toml:2: \[voice\] volume must be between 0 and 1, not 3"),
    ("[scoring]\nideal_min_s = 3\n",
     r"^\[scoring\] ideal_min_s \(3 s\) must not be more than ideal_max_s \(2 s\)$"),
])
def test_a_number_outside_its_range_is_refused_when_loaded(tmp_path: Path, text: str, message: str) -> None:
    """A typo such as a minus sign or a missing decimal point stops the station at start, in one
    line naming the file and key, instead of a round that never ends or never listens."""
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(path)


def test_a_flag_outside_its_range_is_refused_like_a_file() -> None:
    with pytest.raises(ConfigError, match=r"^command line: \[listening\] min_speech_s must be between "
                                          r"0\.02 and 1, not 0$"):
        load_settings(None, {"listening.min_speech_s": "0"})


def test_every_default_is_inside_its_range_and_the_range_is_printed() -> None:
    import dataclasses

    ranged = 0
    for section in dataclasses.fields(Settings):
        group = getattr(Settings(), section.name)
        for spec in dataclasses.fields(group):
            if "within" in spec.metadata:
                low, high = spec.metadata["within"]
                assert low <= getattr(group, spec.name) <= high, spec.name
                ranged += 1
            elif type(spec.default) in (int, float):
                pytest.fail(f"[{section.name}] {spec.name} has no range")
    assert ranged >= 30
    assert "# From 0.3 to 5.\nend_silence_s = 1.2" in describe()


@pytest.mark.parametrize(("text", "message"), [
    ('[recognition]\nmodel = "x"\nengine = "whisper"\n',
     r"bad.toml:3: \[recognition\] engine: unknown recognition engine 'whisper'; "
     r"choose one of: auto, vosk, pocketsphinx"),
    ('[kiosk]\norder = "shuffle"\n', r"bad.toml:2: \[kiosk\] order: unknown scenario order 'shuffle'"),
    ('[gpio]\n\npin_factory = 3\n', r"bad.toml:3: \[gpio\] pin_factory: unknown pin factory '3'"),
])
def test_a_choice_outside_its_list_names_the_line_and_the_choices(tmp_path: Path, text: str,
                                                                   message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(path)


def test_choices_become_their_enum_however_they_are_set(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text('[kiosk]\norder = "sequence"\n')
    settings = load_settings(path, {"recognition.engine": "pocketsphinx", "gpio.pin_factory": "mock"})
    assert settings.kiosk.order is ScenarioOrder.SEQUENCE
    assert settings.recognition.engine is Engine.POCKETSPHINX and settings.gpio.pin_factory is PinFactory.MOCK
    assert RecognitionSettings(engine="vosk").engine is Engine.VOSK  # set in code, checked the same way
    with pytest.raises(ConfigError, match="unknown recognition engine 'kaldi'"):
        RecognitionSettings(engine="kaldi")


def test_broken_toml_and_missing_explicit_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[audio\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.toml")


def test_data_dir_prefers_setting_then_systemd_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    assert Settings().data_dir == tmp_path / "state"
    settings = load_settings(None, {"storage.data_dir": str(tmp_path / "mine")})
    assert settings.rounds_dir == tmp_path / "mine" / "rounds"

