"""The room a round was played in, and what that means for how far its judgements can be trusted.

A break room has a fridge, a fan and colleagues talking. The station tells
the trainee from the room by what it knows about them: they are close to the
microphone, so their voice stands well above the room's noise floor and above
anyone talking further away. The same measurements say when that margin is
too thin to judge: then a habit is reported as not scored, with the reason,
rather than guessed.

Levels are in dBFS over 10 ms frames of the microphone after the customer's
echo has been removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from tutor.audio.levels import power_dbfs
from tutor.scoring.result import Doubts

# below these margins the station cannot tell the trainee from the room reliably;
# set on the development part of the room evaluation (benchmarks/rooms.py), never on held-out rooms
MIN_TIMING_SNR_DB: Final = 14.0  # trainee's speech over the noise floor, to place a pause
MIN_OTHER_VOICE_MARGIN_DB: Final = 8.0  # trainee over the loudest other voice heard, to judge overlaps
MIN_WORDS_SNR_DB: Final = 10.0  # below this the recognizer's words are not worth scoring
LOUD_ROOM_DBFS: Final = -40.0  # with no reply heard, a room this loud may have hidden one
BUSY_ROOM_SHARE: Final = 0.2  # ...or one where other people talk this much of the time


@dataclass(frozen=True)
class RoomLevels:
    """What the station measured of the room during one round."""

    noise_dbfs: float  # the noise floor while nobody near the microphone speaks
    trainee_dbfs: float | None  # the trainee's speech; None when nothing stood out as theirs
    other_voices_dbfs: float | None  # the loudest speech that was not the trainee's
    other_voices_share: float  # share of the round, outside the trainee's speech, with other voices
    echo_left_db: float | None  # echo left after cancellation, relative to the echo; None with no echo
    probe_noise_dbfs: float | None = None  # before the customer spoke, when the round began with a pause

    @property
    def snr_db(self) -> float | None:
        return None if self.trainee_dbfs is None else self.trainee_dbfs - self.noise_dbfs

    @property
    def other_voice_margin_db(self) -> float | None:
        if self.trainee_dbfs is None or self.other_voices_dbfs is None:
            return None
        return self.trainee_dbfs - self.other_voices_dbfs

    def to_json(self) -> dict[str, Any]:
        def r(value: float | None) -> float | None:
            return None if value is None else round(value, 1)

        return {"noise_dbfs": r(self.noise_dbfs), "trainee_dbfs": r(self.trainee_dbfs),
                "snr_db": r(self.snr_db), "other_voices_dbfs": r(self.other_voices_dbfs),
                "other_voices_share": round(self.other_voices_share, 2),
                "echo_left_db": r(self.echo_left_db), "probe_noise_dbfs": r(self.probe_noise_dbfs)}


def judge_doubts(room: RoomLevels, *, reply_heard: bool, wordless_overlaps: Sequence[str] = (),
                 work_cut_short: bool = False) -> Doubts:
    """Which judgements of this round the station can vouch for, and why not the others.

    ``wordless_overlaps`` names where speech-like sound over the customer held
    no words the recognizer could find: it may have been a cut-in too unclear
    to hear, or another person; either way it cannot be counted.
    """
    timing = overlaps = words = None
    snr = room.snr_db
    noisy = "the room is too noisy to tell your voice from the background"
    if not reply_heard:
        if room.noise_dbfs > LOUD_ROOM_DBFS:
            timing = overlaps = noisy
        elif room.other_voices_share > BUSY_ROOM_SHARE:
            timing = overlaps = ("other people were talking nearby, and a reply could have been "
                                 "lost among them")
        return Doubts(timing, overlaps, words)
    if snr is not None and snr < MIN_TIMING_SNR_DB:
        timing = overlaps = noisy
    margin = room.other_voice_margin_db
    if overlaps is None and margin is not None and margin < MIN_OTHER_VOICE_MARGIN_DB:
        overlaps = "other voices nearby were almost as loud as yours"
    if overlaps is None and wordless_overlaps:
        overlaps = f"something was heard over the customer ({wordless_overlaps[0]}) that held no words"
    if work_cut_short:
        overlaps = overlaps or "there was too much other speech in the room to listen to all of it"
    if snr is not None and snr < MIN_WORDS_SNR_DB:
        words = "the room is too noisy to trust what the recognizer heard"
    return Doubts(timing, overlaps, words)


# a trainee at arm's length speaks at about -26 dBFS on a typical USB microphone: the room must
# stay this far under that for the timing to be judged
TYPICAL_TRAINEE_DBFS: Final = -26.0


@dataclass(frozen=True)
class RoomProbe:
    """A few seconds of the room with the station silent: its noise and how much talk is in it."""

    noise_dbfs: float
    voices_share: float

    @property
    def fit_for_practice(self) -> bool:
        return (TYPICAL_TRAINEE_DBFS - self.noise_dbfs >= MIN_TIMING_SNR_DB + 4.0
                and self.voices_share <= BUSY_ROOM_SHARE)

    def describe(self) -> str:
        talk = f", voices {self.voices_share:.0%} of the time" if self.voices_share >= 0.05 else ""
        return f"room noise {self.noise_dbfs:.0f} dBFS{talk}"


def probe_room(samples: np.ndarray, rate: int) -> RoomProbe:
    """Listen to the room: its noise floor, and the share of it that sounds like people talking."""
    from tutor.listening.vad import FRAME_S, VoiceDetector, frame_power

    detector = VoiceDetector(rate, 3)
    frame = int(rate * FRAME_S)
    count = len(samples) // frame
    if count == 0:
        return RoomProbe(power_dbfs(0.0), 0.0)
    power = frame_power(samples[: count * frame].reshape(count, frame))
    floor = float(np.percentile(power, 20))
    talk = detector.frames(samples[: count * frame]) & (power > 4.0 * floor)
    return RoomProbe(power_dbfs(floor), float(talk.mean()))
