"""Station settings: typed, with defaults, loaded once.

Settings come from, in order (later wins): the built-in defaults, the
system-wide file ``/etc/tutor/config.toml``, the per-user file
(``~/.config/tutor/config.toml``), a file named by ``--config`` or
``$TUTOR_CONFIG``, and finally command-line flags.

Every field carries its documentation in ``metadata["doc"]``, and a number the
range a file may set it in (``metadata["within"]``, checked when loaded);
``tutor config`` prints them, so the README and the running code cannot drift apart.

The data folder (rounds, history) is, in order: ``storage.data_dir`` when set;
``$STATE_DIRECTORY`` (the service under systemd); the installed station's
folder (``/var/lib/tutor``) when it exists, so that a trainer's `tutor report`
or `tutor session start` works on the kiosk's history rather than on an empty
one of their own; else the user's data folder. The station's folder is shared
through its group (``tutor-trainers``, made by ``scripts/install.sh``): a person
outside it gets one line saying how to get in, never a silently empty report.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from tutor.errors import ConfigError, StorageError
from tutor.tomlfile import key_line, read_toml

SYSTEM_CONFIG: Final = Path("/etc/tutor/config.toml")
STATION_DATA_DIR: Final = Path("/var/lib/tutor")  # the service's StateDirectory=tutor
STATION_USER: Final = "tutor"  # the service's User=, and TRAINERS_GROUP its Group= (scripts/install.sh)
TRAINERS_GROUP: Final = "tutor-trainers"


def _doc(text: str, within: tuple[float, float] | None = None) -> dict[str, Any]:
    """A field's documentation and, for a number, the range a config file may set it in."""
    return {"doc": text} if within is None else {"doc": text, "within": within}


class Engine(StrEnum):
    """The speech recognizer, as ``recognition.engine`` names it."""

    AUTO = "auto"  # vosk when an English vosk model is installed, else pocketsphinx
    VOSK = "vosk"
    POCKETSPHINX = "pocketsphinx"


class ScenarioOrder(StrEnum):
    RANDOM = "random"  # never the same twice in a row
    SEQUENCE = "sequence"


class PinFactory(StrEnum):
    AUTO = "auto"  # lgpio on a Raspberry Pi 5, else gpiozero's own choice
    LGPIO = "lgpio"
    MOCK = "mock"
    NONE = "none"  # no GPIO: patterns go to the log


class Identify(StrEnum):
    """Whether the station asks who is practising before each round (``kiosk.identify``)."""

    OFF = "off"  # every round is the default trainee's (`tutor run --trainee`, else guest)
    OPTIONAL = "optional"  # asked; no answer in time, or Enter alone, practises as guest
    REQUIRED = "required"  # no round without an id: back to idle after the time-out


# what an unknown value is called in its error: "unknown recognition engine 'whisper'"
_CHOICE_NAMES: Final = {Engine: "recognition engine", ScenarioOrder: "scenario order",
                        PinFactory: "pin factory", Identify: "kiosk.identify mode"}


def _check_choices(section: object) -> None:
    """Turn the strings of a section's enum fields into their enum, or refuse them.

    Called when a section is made, so a value set in code is checked like one from a file.
    """
    for spec in dataclasses.fields(section):  # type: ignore[arg-type]
        kind = type(spec.default)
        value = getattr(section, spec.name)
        if issubclass(kind, StrEnum) and not isinstance(value, kind):
            object.__setattr__(section, spec.name, _choice(kind, value, ""))


def _choice(kind: type[StrEnum], value: object, where: str) -> StrEnum:
    try:
        return kind(str(value))
    except ValueError:
        prefix = f"{where}: " if where else ""
        raise ConfigError(f"{prefix}unknown {_CHOICE_NAMES.get(kind, kind.__name__)} '{value}'; "
                          f"choose one of: {', '.join(kind)}") from None


@dataclass(frozen=True)
class AudioSettings:
    """The station's sound card."""

    sample_rate: int = field(default=16000, metadata=_doc(
        "Sample rate of playback, capture and round recordings, in Hz.", within=(8000, 48000)))
    input_device: str = field(default="", metadata=_doc(
        "Microphone: part of the device name, or its index; empty for the system default."))
    output_device: str = field(default="", metadata=_doc(
        "Speaker: part of the device name, or its index; empty for the system default."))
    block_ms: int = field(default=20, metadata=_doc(
        "Audio block length in milliseconds (10, 20 or 30).", within=(10, 30)))
    loop_latency_ms: float = field(default=0.0, metadata=_doc(
        "Speaker-to-microphone delay used when it cannot be measured from the echo; "
        "`tutor calibrate` stores this station's figure.", within=(0, 1000)))
    stall_timeout_s: float = field(default=3.0, metadata=_doc(
        "Seconds without audio from the device before it is reported as stopped.", within=(0.5, 60)))


@dataclass(frozen=True)
class VoiceSettings:
    """The customer's voice (text-to-speech)."""

    voice: str = field(default="gmw/en-us", metadata=_doc(
        "espeak-ng voice id for customer lines (see `espeak-ng --voices=en`)."))
    rate: int = field(default=165, metadata=_doc(
        "Default speaking rate in words per minute; a scenario may set its own.", within=(80, 450)))
    volume: float = field(default=0.9, metadata=_doc("Playback volume, 0 to 1.", within=(0, 1)))
    pause_after_s: float = field(default=0.7, metadata=_doc(
        "Silence after each customer line unless the scenario says otherwise, in seconds.", within=(0, 10)))
    timeout_s: float = field(default=10.0, metadata=_doc(
        "Longest the text-to-speech engine may take for one line before it is reported.", within=(1, 120)))


@dataclass(frozen=True)
class ListeningSettings:
    """When the trainee is speaking and when they have finished."""

    vad_aggressiveness: int = field(default=2, metadata=_doc(
        "WebRTC voice-activity aggressiveness, 0 (keeps most) to 3 (rejects most).", within=(0, 3)))
    end_silence_s: float = field(default=1.2, metadata=_doc(
        "Silence after speech that ends the trainee's reply, in seconds. 1.2 is the shortest "
        "that cut no slow speaker short (python -m benchmarks.endpoint); shorter answers sooner "
        "but ends the round while a slow trainee is pausing mid-reply.", within=(0.3, 5)))
    no_reply_timeout_s: float = field(default=8.0, metadata=_doc(
        "Seconds after the customer finishes with no speech before giving up: 'no reply heard'.",
        within=(1, 60)))
    max_reply_s: float = field(default=45.0, metadata=_doc(
        "Longest reply recorded, in seconds.", within=(5, 300)))
    echo_guard_s: float = field(default=0.35, metadata=_doc(
        "After the customer stops, seconds of echo and reverb the live end-of-reply "
        "detector ignores (the saved recording is analysed in full).", within=(0, 2)))
    min_speech_s: float = field(default=0.12, metadata=_doc(
        "Shortest burst of voice counted as speech, in seconds.", within=(0.02, 1)))
    merge_gap_s: float = field(default=0.35, metadata=_doc(
        "Gaps shorter than this inside speech are bridged, in seconds.", within=(0, 2)))
    room_probe_s: float = field(default=0.5, metadata=_doc(
        "Seconds the station listens to the room before the customer speaks, to measure its "
        "noise and other voices; 0 to start at once.", within=(0, 5)))


@dataclass(frozen=True)
class RecognitionSettings:
    """Speech recognition."""

    engine: Engine = field(default=Engine.AUTO, metadata=_doc(
        "Recognizer: 'auto' (vosk when an English vosk model is installed, else pocketsphinx), "
        "'vosk', or 'pocketsphinx' (bundled US-English model). `tutor models` says which is in use."))
    model: str = field(default="vosk-model-small-en-us-0.15", metadata=_doc(
        "vosk model: a name from `tutor models list` installed in the models folder, or a path "
        "to a model folder."))
    noise_suppression: int = field(default=0, metadata=_doc(
        "WebRTC noise suppression of the trainee's speech before recognition: 0 (off) to 4 "
        "(strongest); 16 kHz only. The timing is always judged on the unsuppressed microphone.",
        within=(0, 4)))
    models_dir: str = field(default="", metadata=_doc(
        "Folder of installed speech models; empty for the models/ folder next to the tutor's "
        "source when there is one, else the models folder inside the data folder."))

    def __post_init__(self) -> None:
        _check_choices(self)


@dataclass(frozen=True)
class ScoringSettings:
    """How replies are judged. Times are seconds."""

    jumped_in_below_s: float = field(default=0.3, metadata=_doc(
        "A pause shorter than this after the customer finishes is jumping in.", within=(0, 5)))
    ideal_min_s: float = field(default=1.0, metadata=_doc(
        "Shortest pause that counts as ideal.", within=(0, 10)))
    ideal_max_s: float = field(default=2.0, metadata=_doc(
        "Longest pause that counts as ideal.", within=(0, 30)))
    dead_air_above_s: float = field(default=5.0, metadata=_doc(
        "A pause longer than this leaves the customer in dead air.", within=(0, 60)))
    backchannel_max_s: float = field(default=1.2, metadata=_doc(
        "Speech during the customer's turn this short (and at most backchannel_max_words) "
        "is an acknowledgement such as 'mm-hmm', not an interruption.", within=(0, 5)))
    backchannel_max_words: int = field(default=3, metadata=_doc(
        "Most words an acknowledgement may have.", within=(0, 10)))
    overlap_tolerance_s: float = field(default=0.1, metadata=_doc(
        "Speech starting this close to the customer's end counts as jumping in, "
        "not as talking over them.", within=(0, 2)))


@dataclass(frozen=True)
class HistorySettings:
    """The record of every round: who, when, where, the scores and the words (personal data)."""

    enabled: bool = field(default=True, metadata=_doc(
        "Record every round in the history database (`tutor report`, `tutor forget`)."))
    database: str = field(default="", metadata=_doc(
        "History database file; empty for history.sqlite3 in the data folder."))
    keep_recordings: bool = field(default=False, metadata=_doc(
        "Keep each round's recording with its history; false deletes it once the round is "
        "recorded (a file named with `tutor practice --save-round` is always kept)."))
    retention_days: int = field(default=90, metadata=_doc(
        "Days after which kept recordings are deleted and, with purge_transcripts, the trainee's "
        "words are removed (scores stay); 0 keeps them for ever.", within=(0, 36500)))
    purge_transcripts: bool = field(default=True, metadata=_doc(
        "Remove transcripts, and reasons that quote them, from rounds older than retention_days."))
    station: str = field(default="", metadata=_doc(
        "This station's name in the history; empty for the machine's host name."))


@dataclass(frozen=True)
class StorageSettings:
    """Where the station keeps what it writes."""

    data_dir: str = field(default="", metadata=_doc(
        "Folder for rounds and history; empty for $STATE_DIRECTORY under systemd, else the "
        "installed station's folder (/var/lib/tutor) when there is one, else the user's data "
        "folder (~/.local/share/tutor)."))
    scenario_dirs: tuple[str, ...] = field(default=(), metadata=_doc(
        "Extra folders of scenario files (*.toml), searched after the built-in library."))


@dataclass(frozen=True)
class GpioSettings:
    """Button and lights (BCM pin numbers). Wiring: README, "Hardware"."""

    pin_factory: PinFactory = field(default=PinFactory.AUTO, metadata=_doc(
        "'auto' (lgpio on a Raspberry Pi 5, else gpiozero's choice), 'lgpio', 'mock', or 'none' "
        "for no GPIO (patterns go to the log)."))
    button: int = field(default=17, metadata=_doc(
        "Start button, to ground (internal pull-up).", within=(0, 27)))
    status_led: int = field(default=27, metadata=_doc(
        "Status LED: what the station is doing.", within=(0, 27)))
    pause_led: int = field(default=22, metadata=_doc("Result LED: pause before responding.", within=(0, 27)))
    interruptions_led: int = field(default=23, metadata=_doc("Result LED: interruptions.", within=(0, 27)))
    paraphrase_led: int = field(default=24, metadata=_doc("Result LED: paraphrase.", within=(0, 27)))
    bounce_s: float = field(default=0.05, metadata=_doc("Button debounce time, in seconds.", within=(0, 1)))
    long_press_s: float = field(default=2.0, metadata=_doc(
        "Holding the button this long repeats the last round.", within=(0.1, 10)))

    def __post_init__(self) -> None:
        _check_choices(self)


@dataclass(frozen=True)
class KioskSettings:
    """The unattended loop (`tutor run`)."""

    scenarios: tuple[str, ...] = field(default=(), metadata=_doc(
        "Scenario ids to practise; empty for the whole library."))
    order: ScenarioOrder = field(default=ScenarioOrder.RANDOM, metadata=_doc(
        "'random' (never the same twice in a row) or 'sequence' (in the order given)."))
    spoken_feedback: bool = field(default=True, metadata=_doc(
        "Say the feedback out loud after each round."))
    retry_after_error_s: float = field(default=5.0, metadata=_doc(
        "After a fault (no microphone, a hung voice), wait this long, then try again.", within=(0, 600)))
    results_shown_s: float = field(default=60.0, metadata=_doc(
        "How long the result LEDs stay lit after a round.", within=(0, 3600)))
    max_feedback_s: float = field(default=25.0, metadata=_doc(
        "Longest spoken feedback; longer text is cut at a sentence.", within=(1, 120)))
    identify: Identify = field(default=Identify.OFF, metadata=_doc(
        "Ask who is practising before each round (badge reader, keypad, or typed at a terminal): "
        "'off' (every round is `tutor run --trainee`'s, else guest), 'optional' (no id in time, or "
        "Enter alone, practises as guest) or 'required' (no round without an id)."))
    identify_timeout_s: float = field(default=20.0, metadata=_doc(
        "Seconds to wait for a badge or a typed id before practising as guest ('optional') or "
        "going back to idle ('required').", within=(1, 600)))
    badge_device: str = field(default="", metadata=_doc(
        "The badge reader or keypad: an input device path (best: /dev/input/by-id/...-event-kbd) "
        "or part of its name; empty for the first keyboard-like device that is not the GPIO button."))

    def __post_init__(self) -> None:
        _check_choices(self)
        if not self.identify_timeout_s > 0:
            raise ConfigError(f"kiosk.identify_timeout_s must be more than 0 seconds, "
                              f"not {self.identify_timeout_s:g}")


@dataclass(frozen=True)
class SimulateSettings:
    """The simulated station used with --simulate (no sound card)."""

    realtime: bool = field(default=True, metadata=_doc(
        "Feed the microphone at the speed of real time; false runs as fast as the machine can."))
    loop_latency_ms: float = field(default=0.0, metadata=_doc(
        "Simulated speaker-to-microphone delay, in milliseconds.", within=(0, 1000)))
    echo_gain: float = field(default=0.0, metadata=_doc(
        "How loudly the customer's voice leaks into the simulated microphone (0 = none).", within=(0, 1)))
    noise_dbfs: float = field(default=-70.0, metadata=_doc(
        "Level of the simulated room noise in dBFS (-120 for none).", within=(-120, 0)))


@dataclass(frozen=True)
class Settings:
    """Everything the station can be told."""

    audio: AudioSettings = field(default_factory=AudioSettings)
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    listening: ListeningSettings = field(default_factory=ListeningSettings)
    recognition: RecognitionSettings = field(default_factory=RecognitionSettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    history: HistorySettings = field(default_factory=HistorySettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    gpio: GpioSettings = field(default_factory=GpioSettings)
    kiosk: KioskSettings = field(default_factory=KioskSettings)
    simulate: SimulateSettings = field(default_factory=SimulateSettings)

    @property
    def data_dir(self) -> Path:
        """Resolved folder for rounds and history."""
        if self.storage.data_dir:
            return Path(self.storage.data_dir).expanduser()
        state = os.environ.get("STATE_DIRECTORY")
        if state:
            return Path(state.split(":")[0])
        station = station_data_dir()
        if station.is_dir():
            if not os.access(station, os.R_OK | os.W_OK | os.X_OK):
                raise StorageError(_no_access(station))
            return station
        from platformdirs import user_data_dir

        return Path(user_data_dir("tutor", appauthor=False))

    @property
    def rounds_dir(self) -> Path:
        return self.data_dir / "rounds"


def station_data_dir() -> Path:
    """Where an installed station keeps its rounds and history, whether or not it exists."""
    # $TUTOR_STATION_DATA moves it (a test's own station, a station packaged elsewhere)
    return Path(os.environ.get("TUTOR_STATION_DATA") or STATION_DATA_DIR)


def _no_access(station: Path) -> str:
    """How a person who may not open the station's folder gets in: its group, or its user."""
    import grp
    import pwd

    info = station.stat()
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group = TRAINERS_GROUP
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = STATION_USER
    try:
        me = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        me = str(os.getuid())
    return (f"the station's history in {station} is open only to the group {group}: ask an "
            f"administrator to add you (`sudo usermod -aG {group} {me}`, then log in again), or run "
            f"the command as the station's user (`sudo -u {owner} tutor ...`)")


def user_config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("tutor", appauthor=False)) / "config.toml"


def config_files(explicit: Path | None = None) -> list[Path]:
    """The config files that apply, lowest priority first."""
    # $TUTOR_SYSTEM_CONFIG moves the system-wide file (a packaged station, a test's own machine)
    system = Path(os.environ.get("TUTOR_SYSTEM_CONFIG") or SYSTEM_CONFIG)
    files = [system, user_config_path()]
    env = os.environ.get("TUTOR_CONFIG")
    if env:
        files.append(Path(env))
    if explicit is not None:
        files.append(explicit)
    return files


def load_settings(explicit: Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Read the config files that exist and apply ``overrides`` ("section.key": value).

    An explicitly named file must exist; the default locations are optional.
    """
    settings = Settings()
    for path in config_files(explicit):
        required = path == explicit or (explicit is None and str(path) == os.environ.get("TUTOR_CONFIG"))
        if not path.exists():
            if required:
                raise ConfigError(f"config file {path} does not exist")
            continue
        settings = apply_file(settings, path)
    for dotted, value in (overrides or {}).items():
        section, _, key = dotted.partition(".")
        settings = _replace(settings, section, {key: value}, source="command line", text=None)
    _check_pause_order(settings.scoring)
    return settings


def _check_pause_order(scoring: ScoringSettings) -> None:
    """The pause bands follow each other: jumping in, short, ideal, long, dead air."""
    bands = [("jumped_in_below_s", scoring.jumped_in_below_s), ("ideal_min_s", scoring.ideal_min_s),
             ("ideal_max_s", scoring.ideal_max_s), ("dead_air_above_s", scoring.dead_air_above_s)]
    for (lower, low), (upper, high) in itertools.pairwise(bands):
        if low > high:
            raise ConfigError(f"[scoring] {lower} ({low:g} s) must not be more than {upper} ({high:g} s)")


def apply_file(settings: Settings, path: Path) -> Settings:
    try:
        document = read_toml(path, what="config file", error=ConfigError)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    text, data = document.text, document.data
    for section, values in data.items():
        if not isinstance(values, dict):
            raise ConfigError(
                f"{path}:{key_line(text, section)}: '{section}' must be a [section] table")
        settings = _replace(settings, section, values, source=str(path), text=text)
    return settings


def _replace(settings: Settings, section: str, values: dict[str, Any], *, source: str,
             text: str | None) -> Settings:
    sections = {f.name: f for f in dataclasses.fields(Settings)}
    if section not in sections:
        raise ConfigError(
            f"{_at(source, text, section)}: unknown section [{section}]; "
            f"known: {', '.join(sections)}")
    current = getattr(settings, section)
    fields = {f.name: f for f in dataclasses.fields(current)}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in fields:
            raise ConfigError(
                f"{_at(source, text, key)}: unknown key '{key}' in [{section}]; "
                f"known: {', '.join(fields)}")
        changes[key] = _coerce(value, fields[key], f"{_at(source, text, key)}: [{section}] {key}")
        if (section, key) == ("history", "station"):
            _check_station(changes[key], f"{_at(source, text, key)}: [history] station")
    return dataclasses.replace(settings, **{section: dataclasses.replace(current, **changes)})


def _at(source: str, text: str | None, key: str) -> str:
    """Where a value came from: a file and its line, or the command line (which has none)."""
    return source if text is None else f"{source}:{key_line(text, key)}"


def _coerce(value: Any, spec: dataclasses.Field[Any], where: str) -> Any:
    """``value`` as the field's type, inside the field's range when it has one."""
    coerced = _as_kind(value, spec, where)
    within = spec.metadata.get("within")
    if within is not None:
        low, high = within
        if not low <= coerced <= high:  # also refuses nan
            raise ConfigError(f"{where} must be between {low:g} and {high:g}, not {coerced:g}")
    return coerced


def _as_kind(value: Any, spec: dataclasses.Field[Any], where: str) -> Any:
    kind: type = type(spec.default) if spec.default is not dataclasses.MISSING else str
    if issubclass(kind, StrEnum):
        return _choice(kind, value, where)
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false", "yes", "no", "1", "0"}:
            return value.lower() in {"true", "yes", "1"}
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif kind is tuple:
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
    elif kind is str and isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    raise ConfigError(f"{where} must be {_kind_name(kind)}, not {value!r}")


def _check_station(name: str, where: str) -> None:
    """A station name is shown in reports and on terminals: printable, at most 64 characters."""
    if not name.isprintable():
        raise ConfigError(f"{where} {name!r} has control characters; use letters, digits and spaces")
    if len(name) > 64:
        raise ConfigError(f"{where} is {len(name)} characters long; at most 64")


def _kind_name(kind: type) -> str:
    return {bool: "true or false", int: "a whole number", float: "a number",
            tuple: "a list of strings", str: "a string"}.get(kind, kind.__name__)


def describe(settings: Settings | None = None) -> str:
    """The settings as a commented TOML file: every key, its value and what it means."""
    settings = settings or Settings()
    out: list[str] = []
    for section in dataclasses.fields(Settings):
        group = getattr(settings, section.name)
        out.append(f"[{section.name}]")
        for spec in dataclasses.fields(group):
            out.append(f"# {spec.metadata.get('doc', '')}")
            if "within" in spec.metadata:
                low, high = spec.metadata["within"]
                out.append(f"# From {low:g} to {high:g}.")
            out.append(f"{spec.name} = {_toml_value(getattr(group, spec.name))}")
        out.append("")
    return "\n".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
