"""Practice rounds as a break room would record them: real rooms, real noise, real delays.

:func:`build_round` gives one round recording (speaker channel and microphone,
sample-aligned, 16 kHz) and the truth about it. The room is simulated with the
image-source method (pyroomacoustics ``ShoeBox``, walls from ``inverse_sabine``);
each room's impulse responses are computed once and cached on disk, and the
round is made by convolving dry sources with them.

Set-ups:

* ``speaker``: the station's loudspeaker 0.2-0.5 m from its microphone, the
  trainee 0.4-1.0 m away; the customer reaches the microphone through the room.
* ``headset``: a USB headset, the microphone 3-5 cm from the trainee's mouth;
  the earpiece leaks into it at about -30 dB of the trainee's level, or not at
  all. The room's noise still reaches the microphone.

Noise comes from elsewhere in the room, 1.5-4 m from the station: ``babble``
(3-6 other talkers, each at its own place), ``appliance`` (pink or brown noise
with 50 Hz mains hum and harmonics, like a fridge or fan), ``white``, or
``none``. Its level is set by the SNR against the trainee's active speech
level at the station's microphone (ITU-T P.56 style); with a headset the same
room noise is used, so the headset microphone hears the trainee far above it
(the round's actual SNR at the microphone is in :class:`Truth`).

Times in :class:`Truth` are on the microphone's time base: the microphone lags
the speaker channel by the sound card's loop latency (10-40 ms), and sound
takes time to travel, so the true pause runs from the customer's last sound at
the microphone to the trainee's first sound there.

Held-out split: its rooms use other seeds, larger rooms with the station away
from the walls, RT60 values between the development ones, babble with
LibriVox voices and espeak voices that development never uses, and other
babble sentences. Nobody tunes on it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from benchmarks.evaluate import ACKS, CACHE, CUT_IN, LIBRIVOX, REPLY_TEXT, festival, voice_onset
from tutor.audio.simulated import small_speaker
from tutor.audio.wavfile import RoundAudio, read_mono, resample, write_round, write_wav
from tutor.scenarios import Scenario, ScenarioLibrary
from tutor.settings import Settings
from tutor.voice import CustomerTrack, EspeakSynthesizer, LineSpan, render_customer, trim_silence

# a test and benchmark dependency only: the station itself never imports it (no type information)
pra: Any = importlib.import_module("pyroomacoustics")

RATE: Final = 16000
SOUND_SPEED: Final = float(pra.constants.get("c"))
_RIR_DELAY: Final = int(pra.constants.get("frac_delay_length")) // 2  # pyroomacoustics' global delay
_FLOOR: Final = 32768.0 * 10 ** (-45 / 20)  # the station's own "sound" threshold for rendered speech
RIR_CACHE: Final = CACHE / "rirs"
CUSTOMER_CACHE: Final = CACHE / "customers"
DEFAULT_SCENARIO: Final = "late-birthday-present"
SECOND_SCENARIO: Final = "hotel-room-not-as-booked"  # also pauses mid-complaint (2.8 s)

SPLITS: Final = ("dev", "heldout")
SETUPS: Final = ("speaker", "headset")
NOISES: Final = ("none", "babble", "appliance", "white")
SNRS_DB: Final = (30.0, 20.0, 10.0)
RT60S: Final = {"dev": (0.2, 0.4, 0.7), "heldout": (0.3, 0.55)}
VOICES: Final = ("slt", "kal", "human")
LIBRIVOX_TRAINEE: Final = ("0870", "0880")  # the human trainee's reply
LIBRIVOX_BABBLE: Final = ("0890", "0920", "0930")  # held-out babble only
BURST_S: Final = 0.6

# babble sentences: development and held-out never share one
DEV_CHATTER: Final = (
    "I think we should move the meeting to Thursday afternoon because half the team is away.",
    "Did anyone see the email about the new parking rules for the lower car park?",
    "She said the printer on the second floor has been jammed since this morning.",
    "We ran out of milk again so somebody needs to pick some up on the way in.",
    "My brother is getting married in June and the whole family is flying over.",
    "The training room is booked all week so we will have to use the small office.",
    "Honestly the traffic on the ring road was terrible, it took me an hour.",
    "Can you remind me what time the delivery from the warehouse is supposed to arrive?",
    "I tried the new sandwich place across the road and it was actually pretty good.",
    "They are changing the rota next month and nobody has told us the details yet.",
    "If the weather holds we could have the team lunch outside on Friday.",
    "I still have not finished the report for the regional manager.",
)
HELDOUT_CHATTER: Final = (
    "The football last night went to penalties and I could not watch the end.",
    "Have you tried restarting the till, it usually fixes itself after a minute.",
    "We are thinking about painting the kitchen a lighter colour before the winter.",
    "The bus was cancelled again so I walked the last two miles in the rain.",
    "Apparently the coffee machine is being replaced with one that does proper espresso.",
    "My daughter has her school play on Wednesday and I promised to be there.",
    "Is anybody else going to the leaving drinks for Priya on Friday evening?",
    "The supplier called to say the new uniforms will not arrive until March.",
    "I booked a cottage by the sea for the half term holiday.",
    "The lift is out of order so take the stairs if you are going up to accounts.",
    "Someone left a blue umbrella in the staff room, it has been there for weeks.",
    "We should ask the manager whether we can swap shifts next Saturday.",
)
# (name, kind, voice, pitch): festival voices, espeak-ng variants, and LibriVox readers
DEV_TALKERS: Final = (("festival slt", "festival", "slt", 0), ("festival kal", "festival", "kal", 0),
                      ("espeak f3", "espeak", "en-us+f3", 70), ("espeak m3", "espeak", "en-us+m3", 35),
                      ("espeak f2", "espeak", "en-gb+f2", 55), ("espeak m1", "espeak", "en-us+m1", 50))
HELDOUT_TALKERS: Final = (("librivox a", "librivox", "", 100), ("librivox b", "librivox", "", 112),
                          ("festival kal", "festival", "kal", 0),
                          ("espeak f4", "espeak", "en-gb-scotland+f4", 65),
                          ("espeak m2", "espeak", "en-029+m2", 40), ("festival slt", "festival", "slt", 0))


@dataclass(frozen=True)
class Condition:
    """One cell of the grid: split, set-up, noise type and level, reverberation."""

    split: str  # "dev" or "heldout"
    setup: str  # "speaker" or "headset"
    noise: str  # "none", "babble", "appliance", "white"
    snr_db: float | None  # None with no noise
    rt60_s: float

    @property
    def label(self) -> str:
        snr = "-" if self.snr_db is None else f"{self.snr_db:.0f}"
        return f"{self.split} {self.setup} {self.noise} {snr} dB RT60 {self.rt60_s:.2f}"


@dataclass(frozen=True)
class Case:
    """Where the trainee speaks. ``extra``: (kind, where) with kind "ack", "cut_in" or "burst"
    (a wordless speech-like noise from across the room) and where "line" or "pause"."""

    name: str
    reply_at_s: float | None  # after the customer's last sound reached the trainee; None: no reply
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def interruptions(self) -> int:
        early = 1 if self.reply_at_s is not None and self.reply_at_s < 0 else 0
        return early + sum(1 for kind, _ in self.extra if kind == "cut_in")

    @property
    def acknowledgements(self) -> int:
        return sum(1 for kind, _ in self.extra if kind == "ack")


CASES: Final = (
    Case("clean turn, 1.0 s", 1.0),
    Case("quick reply, 0.4 s", 0.4),
    Case("slow reply, 3.0 s", 3.0),
    Case("talk-over at the end, -0.8 s", -0.8),
    Case("cut-in during the pause", 1.2, (("cut_in", "pause"),)),
    Case("acknowledgement during a line", 1.0, (("ack", "line"),)),
    Case("acknowledgement in the pause", 1.5, (("ack", "pause"),)),
    Case("no reply", None),
)
BURST_CASE: Final = Case("noise burst in the pause", 1.2, (("burst", "pause"),))


@dataclass(frozen=True)
class TrueSpan:
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Truth:
    """What really happened in a round, on the microphone's time base."""

    pause_s: float | None  # customer's last sound at the mic to the trainee's first; None: no reply
    interruptions: int
    acknowledgements: int
    no_reply: bool
    text: str  # the reply's words, lower case, no punctuation ("" with no reply)
    speech: tuple[TrueSpan, ...]  # every stretch of the trainee's speech at the mic
    customer_end_s: float
    reply_start_s: float | None
    mic_snr_db: float | None  # trainee's active level over the noise, at the mic actually used
    echo_db: float | None  # customer's echo over the trainee's level at the mic (None: no echo)
    latency_s: float
    room: str


@dataclass(frozen=True)
class Geometry:
    """A room and where everything is in it (metres)."""

    dim: tuple[float, float, float]
    rt60_s: float
    mic: tuple[float, float, float]  # the microphone the round records
    station_mic: tuple[float, float, float]  # the station's microphone: the SNR reference
    loudspeaker: tuple[float, float, float] | None  # None with a headset
    trainee: tuple[float, float, float]
    noise: tuple[float, float, float]  # appliance, white noise, bursts
    talkers: tuple[tuple[float, float, float], ...]  # babble, one place each
    latency_s: float
    customer_gain_db: float  # loudspeaker's active level over the trainee's, both at 1 m
    trainee_dbfs: float  # trainee's active level at the recording mic
    echo_db: float | None  # headset: earpiece leak over the trainee's level; None: none

    def describe(self) -> str:
        d = self.dim
        parts = [f"{d[0]:.1f}x{d[1]:.1f}x{d[2]:.1f} m", f"trainee {_dist(self.trainee, self.mic):.2f} m"]
        if self.loudspeaker is not None:
            parts.append(f"speaker {_dist(self.loudspeaker, self.mic):.2f} m")
        parts.append(f"noise {_dist(self.noise, self.station_mic):.1f} m")
        parts.append(f"latency {1000 * self.latency_s:.0f} ms")
        return ", ".join(parts)


def _dist(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    return float(np.linalg.norm(np.subtract(a, b)))


def _rng(*key: object) -> np.random.Generator:
    digest = hashlib.sha1(repr(key).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def conditions(split: str) -> list[Condition]:
    """The grid for one split: set-up x noise x SNR x RT60."""
    grid = []
    for setup in SETUPS:
        for rt60 in RT60S[split]:
            grid.append(Condition(split, setup, "none", None, rt60))
            for noise in NOISES[1:]:
                for snr in SNRS_DB:
                    grid.append(Condition(split, setup, noise, snr, rt60))
    return grid


LOUDSPEAKER_DISTANCE_M: tuple[float, float] = (0.2, 0.5)


def place_loudspeaker(low_m: float, high_m: float) -> None:
    """Put the loudspeaker ``low_m`` to ``high_m`` from the microphone in every room built after this."""
    global LOUDSPEAKER_DISTANCE_M
    LOUDSPEAKER_DISTANCE_M = (low_m, high_m)
    geometry.cache_clear()


@functools.lru_cache(maxsize=64)
def geometry(split: str, setup: str, rt60_s: float, room: int) -> Geometry:
    """A room for ``split``; the same arguments give the same room."""
    rng = _rng("room", split, setup, round(rt60_s, 3), room)
    heldout = split == "heldout"
    if heldout:  # larger rooms, the station free-standing
        dim = (rng.uniform(4.0, 6.0), rng.uniform(5.0, 8.0), rng.uniform(2.7, 3.0))
    else:  # smaller rooms, the station on a table against a wall
        dim = (rng.uniform(3.0, 5.0), rng.uniform(4.0, 6.5), rng.uniform(2.5, 2.8))
    z = rng.uniform(0.72, 0.85)
    if heldout:
        station = np.array([rng.uniform(1.0, dim[0] - 1.0), rng.uniform(1.0, dim[1] - 1.0), z])
        facing = rng.uniform(0, 2 * np.pi)  # direction the trainee stands in
    else:
        station = np.array([rng.uniform(0.8, dim[0] - 0.8), rng.uniform(0.3, 0.6), z])
        facing = np.pi / 2 + rng.uniform(-0.6, 0.6)  # into the room, away from the wall

    def point_at(origin: np.ndarray, distance: float, azimuth: float, dz: float) -> np.ndarray:
        flat = np.sqrt(max(distance ** 2 - dz ** 2, 0.0))
        point: np.ndarray = origin + np.array([flat * np.cos(azimuth), flat * np.sin(azimuth), dz])
        return point

    def inside(p: np.ndarray, margin: float = 0.15) -> bool:
        return bool(np.all(p >= margin) and np.all(p <= np.array(dim) - margin))

    for _ in range(1000):
        d_trainee = rng.uniform(0.4, 1.0)
        dz = rng.uniform(0.2, min(0.6, 0.8 * d_trainee))
        mouth = point_at(station, d_trainee, facing + rng.uniform(-0.5, 0.5), dz)
        speaker_side = facing + np.pi / 2 * rng.choice([-1.0, 1.0]) + rng.uniform(-0.4, 0.4)
        loudspeaker = point_at(station, rng.uniform(*LOUDSPEAKER_DISTANCE_M), speaker_side,
                               rng.uniform(-0.03, 0.12))
        if inside(mouth) and inside(loudspeaker):
            break
    else:
        raise RuntimeError(f"no place for the trainee and loudspeaker in a {dim} room")

    def far_point(low_z: float, high_z: float) -> np.ndarray:
        for _ in range(2000):
            p = np.array([rng.uniform(0.3, dim[0] - 0.3), rng.uniform(0.3, dim[1] - 0.3),
                          rng.uniform(low_z, high_z)])
            if 1.5 <= np.linalg.norm(p - station) <= 4.0 and np.linalg.norm(p - mouth) >= 1.0:
                return p
        raise RuntimeError(f"no place 1.5-4 m from the station in a {dim} room")

    noise = far_point(0.3, 1.2)
    talkers = tuple(_t(far_point(1.1, 1.7)) for _ in range(6))
    headset = setup == "headset"
    if headset:  # the headset's boom: 3-5 cm in front of and below the mouth
        boom = rng.uniform(0.03, 0.05)
        mic = mouth + np.array([boom * 0.6 * np.cos(facing + np.pi), boom * 0.6 * np.sin(facing + np.pi),
                                -boom * 0.8])
    else:
        mic = station
    return Geometry(
        dim=_t(np.array(dim)), rt60_s=rt60_s, mic=_t(mic), station_mic=_t(station),
        loudspeaker=None if headset else _t(loudspeaker), trainee=_t(mouth), noise=_t(noise),
        talkers=talkers, latency_s=rng.uniform(0.010, 0.040),
        customer_gain_db=rng.uniform(0.0, 6.0),
        trainee_dbfs=rng.uniform(-24.0, -18.0) if headset else rng.uniform(-32.0, -24.0),
        echo_db=(None if rng.uniform() < 1 / 3 else rng.uniform(-33.0, -27.0)) if headset else None)


def _t(p: np.ndarray) -> tuple[float, float, float]:
    return (round(float(p[0]), 4), round(float(p[1]), 4), round(float(p[2]), 4))


@dataclass(frozen=True)
class RoomResponses:
    """Impulse responses from each source to the recording mic, and to the station mic;
    index 0 is the moment the source emits."""

    to_mic: dict[str, np.ndarray] = field(hash=False)
    to_station: dict[str, np.ndarray] = field(hash=False)


@functools.lru_cache(maxsize=8)
def responses(geom: Geometry) -> RoomResponses:
    """The room's impulse responses (cached in memory and on disk)."""
    names = ["trainee", "noise"] + [f"talker{i}" for i in range(len(geom.talkers))]
    points = [geom.trainee, geom.noise, *geom.talkers]
    if geom.loudspeaker is not None:
        names.append("customer")
        points.append(geom.loudspeaker)
    two = geom.mic != geom.station_mic
    key = hashlib.sha1(f"{pra.__version__}:{RATE}:{geom!r}".encode()).hexdigest()[:20]
    path = RIR_CACHE / f"{key}.npz"
    if path.exists():
        stored = np.load(path)
        mic = {n: stored[f"mic:{n}"] for n in names}
        return RoomResponses(mic, {n: stored[f"station:{n}"] for n in names} if two else mic)
    absorption, max_order = pra.inverse_sabine(geom.rt60_s, list(geom.dim))
    room = pra.ShoeBox(list(geom.dim), fs=RATE, materials=pra.Material(absorption), max_order=max_order)
    for point in points:
        room.add_source(list(point))
    mics = [geom.mic, geom.station_mic] if two else [geom.mic]
    room.add_microphone_array(np.array(mics).T)
    room.compute_rir()
    found = [{n: np.asarray(room.rir[m][s][_RIR_DELAY:], dtype=np.float32) for s, n in enumerate(names)}
             for m in range(len(mics))]
    RIR_CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    arrays: dict[str, Any] = {f"mic:{n}": v for n, v in found[0].items()}
    arrays.update({f"station:{n}": v for n, v in found[-1].items()})
    np.savez(tmp, **arrays)
    tmp.replace(path)
    return RoomResponses(found[0], found[-1])


# --- dry sources ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def scenario(scenario_id: str = DEFAULT_SCENARIO) -> Scenario:
    return ScenarioLibrary(()).get(scenario_id)


@functools.lru_cache(maxsize=4)
def customer_track(scenario_id: str = DEFAULT_SCENARIO) -> CustomerTrack:
    """The scenario in the station's own voice, as the station renders it.

    espeak-ng's output depends slightly on what it said before in the same
    process, so the track is rendered once in a fresh process and kept on
    disk: every round, test and run then hears the very same customer.
    """
    settings = Settings()
    key = hashlib.sha1(f"{scenario_id}:{settings.voice!r}:{RATE}".encode()).hexdigest()[:16]
    path = CUSTOMER_CACHE / f"customer-{scenario_id}-{key}.npz"
    if not path.exists():
        CUSTOMER_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "benchmarks.roomsim", "--render-customer", scenario_id,
                        str(path)], check=True, cwd=Path(__file__).resolve().parents[1])
    stored = np.load(path)
    lines = tuple(LineSpan(str(text), int(start), int(end))
                  for text, start, end in zip(stored["texts"], stored["starts"], stored["ends"], strict=True))
    return CustomerTrack(stored["samples"], RATE, lines)


def _render_customer(scenario_id: str, path: Path) -> None:
    settings = Settings()
    with EspeakSynthesizer(settings.voice) as synthesizer:
        track = render_customer(scenario(scenario_id), synthesizer, RATE, settings.voice)
    partial = path.with_suffix(".partial.npz")
    np.savez(partial, samples=track.samples, texts=np.array([line.text for line in track.lines]),
             starts=np.array([line.start for line in track.lines]),
             ends=np.array([line.end for line in track.lines]))
    partial.replace(path)


def speech_bounds(samples: np.ndarray) -> tuple[int, int]:
    """First and last sample of the voice: 10 ms frames 15 dB over the clip's own noise
    and over -45 dBFS (the same rule as ``benchmarks.evaluate.voice_onset``)."""
    count = len(samples) // 160
    power = np.mean(samples[: count * 160].astype(np.float64).reshape(-1, 160) ** 2, axis=1)
    threshold = max(float(np.percentile(power, 10)) * 10 ** 1.5, _FLOOR ** 2)
    loud = np.flatnonzero(power > threshold)
    if len(loud) == 0:
        return 0, 0
    return int(loud[0]) * 160, int(loud[-1] + 1) * 160


def words_of(text: str) -> str:
    """Lower case, letters, digits and apostrophes only."""
    kept = "".join(c if c.isalnum() or c == "'" else " " for c in text.lower())
    return " ".join(kept.split())


@functools.lru_cache(maxsize=1)
def librivox() -> dict[str, tuple[np.ndarray, str]]:
    """LibriVox clips by number, trimmed to the voice, with their transcriptions."""
    texts: dict[str, str] = {}
    transcription = LIBRIVOX / "transcription"
    if transcription.exists():
        for line in transcription.read_text().splitlines():
            if "(" in line:
                body, _, name = line.rpartition("(")
                texts[name.strip(" )")[-4:]] = words_of(body.replace("<s>", " ").replace("</s>", " "))
    clips = {}
    for path in sorted(LIBRIVOX.glob("*.wav")):
        number = path.stem[-4:]
        clips[number] = (voice_onset(trim_silence(read_mono(path, RATE), RATE)), texts.get(number, ""))
    return clips


@dataclass(frozen=True)
class Speech:
    samples: np.ndarray
    text: str


@functools.lru_cache(maxsize=4)
def trainee_speech(voice: str) -> dict[str, Speech]:
    """The trainee's reply, acknowledgement and cut-in for ``voice`` ("slt", "kal", "human")."""
    if voice in ("slt", "kal"):
        return {"reply": Speech(festival(REPLY_TEXT, voice), words_of(REPLY_TEXT)),
                "ack": Speech(festival(ACKS[0 if voice == "slt" else 1], voice),
                              words_of(ACKS[0 if voice == "slt" else 1])),
                "cut_in": Speech(festival(CUT_IN, voice), words_of(CUT_IN))}
    if voice != "human":
        raise ValueError(f"unknown trainee voice {voice!r}: one of {VOICES}")
    clips = librivox()
    missing = [n for n in LIBRIVOX_TRAINEE if n not in clips]
    if missing:
        raise FileNotFoundError(f"LibriVox recordings {missing} not in {LIBRIVOX}")
    first, second = (clips[n] for n in LIBRIVOX_TRAINEE)
    reply = np.concatenate([first[0], np.zeros(RATE // 4, np.int16), second[0]])
    return {"reply": Speech(reply, f"{first[1]} {second[1]}"),
            "ack": Speech(festival(ACKS[2], "slt"), words_of(ACKS[2])),
            "cut_in": Speech(festival(CUT_IN, "kal"), words_of(CUT_IN))}


def espeak(text: str, voice: str, pitch: int) -> np.ndarray:
    """espeak-ng's command-line voice (a variant and pitch), cached like festival's."""
    key = hashlib.sha1(f"{voice}:{pitch}:{text}".encode()).hexdigest()[:16]
    path = CACHE / f"espeak-{key}.wav"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        raw = CACHE / f"{key}.raw.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", "165", "-w", str(raw), text],
                       check=True, capture_output=True)
        write_wav(path, read_mono(raw, RATE), RATE)
        raw.unlink()
    return trim_silence(read_mono(path, RATE), RATE)


def active_level(samples: np.ndarray, rate: int = RATE) -> float:
    """Active speech power (ITU-T P.56 method B, simplified): the mean power of 10 ms frames
    whose envelope (with 200 ms hangover) is above a threshold 15.9 dB below that mean."""
    frame = rate // 100
    count = len(samples) // frame
    if count == 0:
        return 0.0
    power = np.mean(np.asarray(samples[: count * frame], dtype=np.float64).reshape(count, frame) ** 2, axis=1)
    if not np.any(power > 0):
        return 0.0
    envelope = np.convolve(power, np.ones(3) / 3, mode="same")
    top = float(np.max(envelope))
    for drop_db in np.arange(0.0, 100.0, 0.5):
        threshold = top * 10 ** (-drop_db / 10)
        above = (envelope >= threshold).astype(np.float64)
        active = np.convolve(above, np.ones(20), mode="full")[:count] > 0
        level = float(np.mean(power[active]))
        if 10 * np.log10(level / threshold) >= 15.9:
            return level
    return float(np.mean(power))


def _unit(samples: np.ndarray) -> np.ndarray:
    """As float with an active level of 1."""
    x = samples.astype(np.float64)
    level = active_level(x)
    return x / np.sqrt(level) if level > 0 else x


def _talker(name: str, kind: str, voice: str, pitch: int, chatter: tuple[str, ...], frames: int,
            rng: np.random.Generator) -> np.ndarray:
    """One background talker speaking without stopping for ``frames`` samples."""
    if kind == "librivox":
        clips = librivox()
        pieces = [clips[n][0] for n in LIBRIVOX_BABBLE if n in clips]
        if not pieces:
            raise FileNotFoundError(f"LibriVox babble recordings not in {LIBRIVOX}")
        if pitch != 100:  # another reader: faster and higher
            pieces = [resample(p, RATE * pitch // 100, RATE) for p in pieces]
    else:
        pieces = [festival(s, voice) if kind == "festival" else espeak(s, voice, pitch) for s in chatter]
    order = rng.permutation(len(pieces))
    out: list[np.ndarray] = []
    total = 0
    # start mid-sentence: a talker has been speaking since before the round began
    lead = int(rng.integers(0, max(1, len(pieces[order[0]]) - RATE)))
    index = 0
    while total < frames + lead:
        piece = _unit(pieces[order[index % len(order)]])
        gap = np.zeros(int(rng.uniform(0.15, 0.5) * RATE))
        out += [piece, gap]
        total += len(piece) + len(gap)
        index += 1
    return np.concatenate(out)[lead: lead + frames]


def pink_or_brown(frames: int, rng: np.random.Generator, exponent: float) -> np.ndarray:
    """Noise with a 1/f**exponent power spectrum (1: pink, 2: brown), above 20 Hz."""
    spectrum = np.fft.rfft(rng.normal(size=frames))
    freqs = np.fft.rfftfreq(frames, 1 / RATE)
    shape = np.zeros_like(freqs)
    shape[freqs >= 20] = freqs[freqs >= 20] ** (-exponent / 2)
    return np.fft.irfft(spectrum * shape, n=frames)


def appliance_noise(frames: int, rng: np.random.Generator) -> np.ndarray:
    """A fridge or fan: pink or brown rumble, 50 Hz mains hum with harmonics, a slow wobble."""
    rumble = pink_or_brown(frames, rng, rng.choice([1.0, 2.0]))
    rumble /= np.std(rumble)
    t = np.arange(frames) / RATE
    hum = np.zeros(frames)
    for harmonic in range(1, 9):
        hum += rng.uniform(0.3, 1.0) / harmonic * np.sin(2 * np.pi * 50 * harmonic * t + rng.uniform(0, 6.3))
    hum /= np.std(hum)
    hum_db = rng.uniform(-6.0, 3.0)  # hum against the rumble
    wobble = 1 + 0.1 * np.sin(2 * np.pi * rng.uniform(0.2, 1.0) * t)
    return (rumble + 10 ** (hum_db / 20) * hum) * wobble


def speech_shaped_burst(reference: np.ndarray, rng: np.random.Generator,
                        seconds: float = BURST_S) -> np.ndarray:
    """Wordless speech-like noise: the long-term spectrum of ``reference``, with a syllable rhythm."""
    frames = int(seconds * RATE)
    ltas = np.abs(np.fft.rfft(reference.astype(np.float64), n=len(reference)))
    smooth = np.convolve(ltas, np.ones(64) / 64, mode="same")
    shape = np.interp(np.fft.rfftfreq(frames, 1 / RATE), np.fft.rfftfreq(len(reference), 1 / RATE), smooth)
    noise = np.fft.irfft(np.fft.rfft(rng.normal(size=frames)) * shape, n=frames)
    t = np.arange(frames) / RATE
    syllables = np.abs(np.sin(np.pi * rng.uniform(3.5, 5.0) * t + rng.uniform(0, 1))) ** 0.7
    ramp = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.03)
    return _unit(noise * syllables * ramp)


def _noise_sources(condition: Condition, geom: Geometry, frames: int,
                   rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Dry noise per source name."""
    if condition.noise == "none":
        return {}
    if condition.noise == "white":
        return {"noise": rng.normal(size=frames)}
    if condition.noise == "appliance":
        return {"noise": appliance_noise(frames, rng)}
    if condition.noise != "babble":
        raise ValueError(f"unknown noise {condition.noise!r}: one of {NOISES}")
    heldout = condition.split == "heldout"
    talkers = HELDOUT_TALKERS if heldout else DEV_TALKERS
    chatter = HELDOUT_CHATTER if heldout else DEV_CHATTER
    count = int(rng.integers(3, 7))
    # held-out babble always has both LibriVox readers
    chosen = list(range(2)) + sorted(rng.choice(np.arange(2, 6), count - 2, replace=False).tolist()) \
        if heldout else sorted(rng.choice(6, count, replace=False).tolist())
    return {f"talker{i}": _talker(*talkers[i], chatter, frames, rng) for i in chosen}


# --- a round -------------------------------------------------------------------------------


def _convolve(source: np.ndarray, response: np.ndarray, frames: int) -> np.ndarray:
    """``source`` through ``response``, the first ``frames`` samples (FFT convolution)."""
    size = 1 << int(np.ceil(np.log2(len(source) + len(response))))
    out = np.fft.irfft(np.fft.rfft(source.astype(np.float64), size)
                       * np.fft.rfft(response.astype(np.float64), size), size)[:frames]
    return np.pad(out, (0, max(0, frames - len(out))))


def build_round(condition: Condition, case: Case, voice: str, seed: int, *, room: int | None = None,
                scenario_id: str = DEFAULT_SCENARIO) -> tuple[RoundAudio, Truth]:
    """One round recording in ``condition`` and the truth about it; the same arguments give
    the same samples. ``room`` picks the room (default: ``seed``); rounds sharing one reuse
    its impulse responses."""
    geom = geometry(condition.split, condition.setup, condition.rt60_s, seed if room is None else room)
    irs = responses(geom)
    rng = _rng("round", condition, case, voice, seed, scenario_id)
    track = customer_track(scenario_id)
    speech = trainee_speech(voice)
    latency = round(geom.latency_s * RATE)
    headset = geom.loudspeaker is None

    # distances: loudspeaker (or earpiece) to the mic and to the trainee's ears; mouth to the mic
    d_sm = 0.0 if headset else _dist(geom.loudspeaker, geom.mic)  # type: ignore[arg-type]
    d_st = 0.0 if headset else _dist(geom.loudspeaker, geom.trainee)  # type: ignore[arg-type]
    d_tm = _dist(geom.trainee, geom.mic)
    to_trainee = latency / RATE + d_st / SOUND_SPEED  # track time -> when the trainee hears it

    loud = np.flatnonzero(np.abs(track.samples.astype(np.int32)) > _FLOOR)
    customer_last = (int(loud[-1]) + 1) / RATE
    customer_end_mic = customer_last + latency / RATE + d_sm / SOUND_SPEED

    # the trainee's speech, placed by when they heard the customer
    placed: list[tuple[str, float]] = []  # (kind, when the trainee's voice starts, s)
    lines = track.lines
    for kind, where in case.extra:
        if where == "pause":
            gaps = [(lines[i + 1].start - lines[i].end, i) for i in range(len(lines) - 1)]
            _, after = max(gaps)
            at = lines[after].end / RATE + to_trainee + 0.5
        else:
            line = max(lines, key=lambda s: s.end - s.start)
            at = (line.start + line.end) / 2 / RATE + to_trainee
        placed.append((kind, at))
    if case.reply_at_s is not None:
        placed.append(("reply", customer_last + to_trainee + case.reply_at_s))
    ends = [at + len(speech[k].samples) / RATE for k, at in placed if k != "burst"]
    frames = latency + track.end + int(max(10.0, max(ends, default=0.0) + 1.6 - track.end / RATE) * RATE)

    trainee = np.zeros(frames)
    burst = np.zeros(frames)
    spans: list[TrueSpan] = []
    reply_start: float | None = None
    reply_unit = _unit(speech["reply"].samples)
    for kind, at in placed:
        if kind == "burst":
            start = round(at * RATE)
            clip = speech_shaped_burst(speech["reply"].samples, rng)
            burst[start: start + len(clip)] += clip[: max(0, frames - start)]
            continue
        samples = speech[kind].samples
        first, last = speech_bounds(samples)
        start = round(at * RATE) - first  # the voice itself begins at ``at``
        trainee[start: start + len(samples)] += _unit(samples)[: max(0, frames - start)]
        onset = (start + first) / RATE + d_tm / SOUND_SPEED
        spans.append(TrueSpan(onset, (start + last) / RATE + d_tm / SOUND_SPEED))
        if kind == "reply":
            reply_start = onset

    # the trainee's level at each mic, from the whole reply through this room
    probe = np.concatenate([reply_unit, np.zeros(RATE)])
    level_mic = active_level(_convolve(probe, irs.to_mic["trainee"], len(probe)))
    level_station = active_level(_convolve(probe, irs.to_station["trainee"], len(probe)))
    mic = _convolve(trainee, irs.to_mic["trainee"], frames)

    # the customer: through the room from the loudspeaker, or the headset's earpiece leak
    echo_db: float | None = None
    customer = np.zeros(frames)
    coloured = small_speaker(track.samples, RATE)
    coloured = coloured / np.sqrt(max(active_level(coloured), 1e-9))
    customer[latency: latency + track.end] = coloured
    if not headset:
        customer *= 10 ** (geom.customer_gain_db / 20)
        echo = _convolve(customer, irs.to_mic["customer"], frames)
        echo_db = 10 * np.log10(active_level(echo) / level_mic)
        mic += echo
    elif geom.echo_db is not None:
        echo_db = geom.echo_db
        mic += customer * np.sqrt(level_mic * 10 ** (geom.echo_db / 10))

    # noise: set against the trainee's level at the station's microphone
    snr_mic: float | None = None
    sources = _noise_sources(condition, geom, frames, rng)
    if sources and condition.snr_db is not None:
        at_mic = sum(_convolve(_unit(s), irs.to_mic[n], frames) for n, s in sources.items())
        at_station = sum(_convolve(_unit(s), irs.to_station[n], frames) for n, s in sources.items())
        assert isinstance(at_mic, np.ndarray) and isinstance(at_station, np.ndarray)
        settle = int(0.5 * RATE)  # the noise was on before the round began
        scale = np.sqrt(level_station / 10 ** (condition.snr_db / 10) / np.mean(at_station[settle:] ** 2))
        noise = at_mic * scale
        snr_mic = 10 * np.log10(level_mic / np.mean(noise[settle:] ** 2))
        mic += noise
    if np.any(burst):  # wordless, from across the room, as loud at the station as the trainee
        far = _convolve(burst, irs.to_mic["noise"], frames)
        far_station = _convolve(burst, irs.to_station["noise"], frames)
        mic += far * np.sqrt(level_station / active_level(far_station))

    gain = 32768 * 10 ** (geom.trainee_dbfs / 20) / np.sqrt(level_mic)
    mic *= gain
    mic += rng.normal(0.0, 32768 * 10 ** (-75 / 20), frames)  # the microphone's own hiss
    peak = float(np.max(np.abs(mic)))
    if peak > 32000:  # a sound card's input gain is set so it does not clip
        mic *= 32000 / peak
    speaker = np.zeros(frames, dtype=np.int16)
    speaker[: track.end] = track.samples
    audio = RoundAudio(speaker, np.round(mic).astype(np.int16), RATE)

    replied = case.reply_at_s is not None
    return audio, Truth(
        pause_s=None if reply_start is None else reply_start - customer_end_mic,
        interruptions=case.interruptions, acknowledgements=case.acknowledgements,
        no_reply=not replied, text=speech["reply"].text if replied else "",
        speech=tuple(spans), customer_end_s=customer_end_mic, reply_start_s=reply_start,
        mic_snr_db=snr_mic, echo_db=echo_db, latency_s=latency / RATE, room=geom.describe())


def save_round(path: Path, audio: RoundAudio) -> Path:
    """The round as the station would save it, for listening to or ``tutor score``."""
    return write_round(path, audio)


if __name__ == "__main__":  # python -m benchmarks.roomsim --render-customer ID PATH (used by customer_track)
    if len(sys.argv) == 4 and sys.argv[1] == "--render-customer":
        _render_customer(sys.argv[2], Path(sys.argv[3]))
    else:
        sys.exit("usage: python -m benchmarks.roomsim --render-customer SCENARIO_ID PATH")
