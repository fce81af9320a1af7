"""How well the scorer agrees with the truth: timing on simulated rounds, words on labelled replies.

    .venv/bin/python -m benchmarks.evaluate [--quick] [--no-spoken] [--show-misses]

Timing: the customer is a real scenario spoken by the station's own voice
(espeak-ng); the trainee is festival speech (two voices) and real human
recordings (LibriVox, from pocketsphinx-testdata), placed at known offsets:
clean turns, quick and slow replies, dead air, talk-over at the end, a cut-in
during the customer's pause, acknowledgements during a line and during the
pause, and no reply at all. Each case runs under three rooms: echo from 20 to
150 ms late through a small speaker at 0.3x to 1.5x the trainee's level, with
room noise. Pause error is against the placement; interruptions and
acknowledgements against what was placed.

Words: the labelled replies in benchmarks/data/replies.toml, scored as typed
and, with --spoken, as heard: spoken by festival and recognised by pocketsphinx.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import statistics
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from tutor.audio.simulated import simulate_microphone
from tutor.audio.wavfile import RoundAudio, read_mono, write_wav
from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
from tutor.round import analyse_recording
from tutor.scenarios import Scenario, ScenarioLibrary
from tutor.scoring import score_reply
from tutor.settings import Settings
from tutor.voice import CustomerTrack, EspeakSynthesizer, render_customer, trim_silence

RATE = 16000
HERE = Path(__file__).parent
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
CACHE = Path.home() / ".cache" / "tutor-evaluation"
FESTIVAL = {"slt": "voice_cmu_us_slt_arctic_hts", "kal": "voice_kal_diphone"}
ROOMS = {  # latency s, echo gain, noise dBFS
    "quiet room, faint echo 20 ms": (0.02, 0.3, -65.0),
    "echo as loud as the trainee, 80 ms": (0.08, 1.0, -55.0),
    "echo 1.5x louder, 150 ms, noisy": (0.15, 1.5, -48.0),
}
REPLY_TEXT = ("so the present arrived after her birthday even though you paid for express "
              "delivery that must have been really upsetting what would help now")
ACKS = ("okay", "i see", "right")  # festival spells "mm hmm" out letter by letter
CUT_IN = "sorry but can i just ask you something"


@dataclass(frozen=True)
class Case:
    name: str
    reply_at_s: float | None  # after the customer's end; None for no reply
    extra: tuple[tuple[str, str], ...] = ()  # (kind, where): kind "ack" or "cut_in"; where "line"/"pause"


CASES = (
    Case("clean turn, 1.0 s", 1.0),
    Case("quick reply, 0.4 s", 0.4),
    Case("slow reply, 3.0 s", 3.0),
    Case("dead air, 6.0 s", 6.0),
    Case("talk-over at the end, -0.8 s", -0.8),
    Case("cut-in during the pause", 1.2, (("cut_in", "pause"),)),
    Case("acknowledgement during a line", 1.0, (("ack", "line"),)),
    Case("acknowledgement in the pause", 1.5, (("ack", "pause"),)),
    Case("no reply", None),
)


def festival(text: str, voice: str) -> np.ndarray:
    key = hashlib.sha1(f"{voice}:{text}".encode()).hexdigest()[:16]
    path = CACHE / f"{voice}-{key}.wav"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        raw = CACHE / f"{key}.{os.getpid()}.raw.wav"  # two runs hearing one text never share it
        subprocess.run(["text2wave", "-eval", f"({FESTIVAL[voice]})", "-o", str(raw)],
                       input=text.encode(), check=True, capture_output=True)
        write_wav(path, read_mono(raw, RATE), RATE)
        raw.unlink()
    return trim_silence(read_mono(path, RATE), RATE)


def voice_onset(samples: np.ndarray) -> np.ndarray:
    """``samples`` from where the voice starts: 15 dB over the recording's own noise."""
    frames = samples[: len(samples) // 160 * 160].astype(np.float64).reshape(-1, 160)
    power = np.mean(frames ** 2, axis=1)
    threshold = max(float(np.percentile(power, 10)) * 10 ** 1.5, (32768 * 10 ** (-45 / 20)) ** 2)
    first = int(np.argmax(power > threshold))
    return samples[max(0, first - 1) * 160:]


def trainee_voices() -> dict[str, dict[str, np.ndarray]]:
    """Replies and remarks for each trainee voice; the human voice replies with LibriVox speech."""
    voices = {}
    for voice in ("slt", "kal"):
        voices[f"festival {voice}"] = {"reply": festival(REPLY_TEXT, voice),
                                       "ack": festival(ACKS[0 if voice == "slt" else 1], voice),
                                       "cut_in": festival(CUT_IN, voice)}
    human = [voice_onset(trim_silence(read_mono(p, RATE), RATE)) for p in sorted(LIBRIVOX.glob("*.wav"))[:2]]
    if human:
        voices["human (LibriVox)"] = {"reply": np.concatenate([human[0], np.zeros(RATE // 4, np.int16),
                                                               human[1]]),
                                      "ack": festival(ACKS[2], "slt"), "cut_in": festival(CUT_IN, "kal")}
    return voices


def place(case: Case, track: CustomerTrack, speech: dict[str, np.ndarray], frames: int,
          latency_s: float) -> tuple[np.ndarray, float | None]:
    """The trainee's track on the microphone's time base, and the true pause."""
    trainee = np.zeros(frames, dtype=np.float64)
    heard_end = track.end / RATE + latency_s

    def put(samples: np.ndarray, start_s: float) -> None:
        start = round(start_s * RATE)
        trainee[start: start + len(samples)] += samples[: frames - start]

    for kind, where in case.extra:
        lines = track.lines
        if where == "pause":  # the longest gap between two lines
            gaps = [(lines[i + 1].start - lines[i].end, i) for i in range(len(lines) - 1)]
            _, after = max(gaps)
            start_s = lines[after].end / RATE + latency_s + 0.5
        else:  # in the middle of the longest line
            line = max(lines, key=lambda s: s.end - s.start)
            start_s = (line.start + line.end) / 2 / RATE + latency_s
        put(speech[kind], start_s)
    truth = None
    if case.reply_at_s is not None:
        put(speech["reply"], heard_end + case.reply_at_s)
        truth = case.reply_at_s
    return trainee, truth


def evaluate_timing(scenario: Scenario, settings: Settings, quick: bool) -> dict[str, object]:
    with EspeakSynthesizer(settings.voice) as synthesizer:
        track = render_customer(scenario, synthesizer, RATE, settings.voice)
    voices = trainee_voices()
    rooms = dict(list(ROOMS.items())[1:2]) if quick else ROOMS
    recognizer = PocketsphinxRecognizer(RATE)
    errors: list[float] = []
    wrong: list[str] = []
    counted = {"interruption": [0, 0], "backchannel": [0, 0], "no reply": [0, 0]}
    speed: list[tuple[float, float, float]] = []
    jobs = [(v, r, c) for v in voices for r in rooms for c in CASES]
    for voice, room, case in tqdm(jobs, desc="rounds", file=sys.stderr, leave=False):
        latency, gain, noise = rooms[room]
        frames = track.end + int(12 * RATE)
        trainee, truth = place(case, track, voices[voice], frames, latency)
        playback = np.zeros(frames, dtype=np.int16)
        playback[: track.end] = track.samples
        seed = int(hashlib.sha1(f"{voice}{room}{case.name}".encode()).hexdigest()[:6], 16)
        mic = simulate_microphone(track.samples, trainee, 0, frames, RATE, latency_s=latency,
                                  echo_gain=gain, noise_dbfs=noise, seed=seed)
        recording = RoundAudio(playback, mic, RATE)
        began = time.perf_counter()
        result = analyse_recording(recording, recognizer, settings)
        result = result.scored(scenario, settings)
        card = result.score
        assert card is not None
        total = time.perf_counter() - began
        speed.append((result.timings_ms["recognise"] / 1000, total, recording.duration_s))
        label = f"{case.name} | {voice} | {room}"
        want_interruptions = (1 if case.reply_at_s is not None and case.reply_at_s < 0 else 0) + sum(
            1 for kind, _ in case.extra if kind == "cut_in")
        want_acks = sum(1 for kind, _ in case.extra if kind == "ack")
        for key, want, got in (("interruption", want_interruptions, len(card.interruptions)),
                               ("backchannel", want_acks, len(card.backchannels)),
                               ("no reply", truth is None, card.pause_s is None)):
            counted[key][1] += 1
            if want == got:
                counted[key][0] += 1
            else:
                wrong.append(f"{key}: wanted {want}, got {got} ({label})")
        if truth is not None and card.pause_s is not None:
            errors.append(abs(card.pause_s - truth))
            if abs(card.pause_s - truth) > 0.1:
                wrong.append(f"pause off by {card.pause_s - truth:+.3f} s ({label})")
    recognise = [s[0] for s in speed]
    whole = [s[1] for s in speed]
    return {"rounds": len(jobs), "errors": errors, "counted": counted, "wrong": wrong,
            "recognise_s": statistics.median(recognise), "whole_s": statistics.median(whole),
            "ratio": statistics.median(w / r for r, w, _ in speed if r > 0),
            "duration_s": statistics.median(s[2] for s in speed)}


def evaluate_words(library: ScenarioLibrary, settings: Settings, spoken: bool,
                   show: bool) -> dict[str, tuple[int, int]]:
    replies = tomllib.loads((HERE / "data" / "replies.toml").read_text())["reply"]
    recognizer = PocketsphinxRecognizer(RATE) if spoken else None
    tallies: dict[str, tuple[int, int]] = {}
    for mode in ("typed", "spoken") if spoken else ("typed",):
        for reply in tqdm(replies, desc=f"{mode} replies", file=sys.stderr, leave=False):
            scenario = library.get(reply["scenario"])
            text = reply["text"]
            if mode == "spoken" and recognizer is not None:
                text = recognizer.transcribe(festival(text, "slt")).text
            card = score_reply(text, scenario, settings.scoring)
            for trait in ("paraphrase", "empathy", "open_question"):
                judged = getattr(card, trait)
                agree, total = tallies.get(f"{mode} {trait}", (0, 0))
                tallies[f"{mode} {trait}"] = (agree + (judged.passed == reply[trait]), total + 1)
                if show and judged.passed != reply[trait]:
                    print(f"  {mode} {trait}: label {reply[trait]}, scored {judged.passed} "
                          f"({judged.verdict}) :: {text}")
    return tallies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one room only")
    parser.add_argument("--no-spoken", action="store_true", help="skip the replies spoken and recognised")
    parser.add_argument("--show-misses", action="store_true", help="list every disagreement")
    args = parser.parse_args()
    settings = Settings()
    library = ScenarioLibrary(())
    print(f"Machine: {platform.machine()}, {platform.processor() or platform.system()}, "
          f"Python {platform.python_version()}")

    timing = evaluate_timing(library.get("late-birthday-present"), settings, args.quick)
    errors = timing["errors"]
    assert isinstance(errors, list)
    print(f"\nTiming, {timing['rounds']} simulated rounds "
          f"({timing['duration_s']:.0f} s each, late-birthday-present, echo and noise):")
    print(f"  pause error: median {1000 * statistics.median(errors):.0f} ms, "
          f"worst {1000 * max(errors):.0f} ms over {len(errors)} replies")
    counted = timing["counted"]
    assert isinstance(counted, dict)
    for key, (right, total) in counted.items():
        print(f"  {key} cases right: {right}/{total}")
    print(f"  recognition {timing['recognise_s']:.2f} s; whole scoring of a round "
          f"(analysis + recognition + scores) {timing['whole_s']:.2f} s = "
          f"{timing['ratio']:.2f}x recognition alone (median)")
    wrong = timing["wrong"]
    assert isinstance(wrong, list)
    for line in wrong if args.show_misses else wrong[:10]:
        print(f"  miss: {line}")

    print("\nWords, labelled replies (benchmarks/data/replies.toml):")
    for key, (agree, total) in evaluate_words(library, settings, not args.no_spoken,
                                              args.show_misses).items():
        print(f"  {key:<26} agreement {agree}/{total} = {agree / total:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
