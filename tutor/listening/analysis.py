"""Who spoke when, from a round recording.

Channel 1 (what the speaker was sent) tells where the customer's lines are.
Channel 2 (the microphone) holds the trainee, room noise and an echo of the
customer, late by the loop latency. The latency is measured from that echo
(GCC-PHAT). Because the whole round is at hand, the echo path is estimated
over all of it at once (Welch cross-spectra, the H1 estimator: no adaptive
filter to converge) and the predicted echo is subtracted. A frame is the
trainee's only where what is left is voice-like and not a small remainder of
the echo at that moment (a reference-aware double-talk decision).

All times are seconds on the microphone's time base.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import numpy as np

from tutor.audio.levels import dbfs_power, power_dbfs, power_ratio_db
from tutor.audio.wavfile import RoundAudio
from tutor.listening.room import RoomLevels
from tutor.listening.vad import FRAME_S, VoiceDetector, frame_power
from tutor.settings import Settings

_LOGGER = logging.getLogger(__name__)

CUSTOMER_FLOOR_DBFS: Final = -45.0  # same threshold that trims rendered lines
MAX_LATENCY_S: Final = 0.3
ECHO_LEAD_S: Final = 0.01  # echo path reach before the measured latency
ECHO_PATH_S: Final = 0.45  # ...and after it: speaker ringing and a reverberant room's tail
ECHO_SMEAR_S: Final = 0.03  # frames this close to strong echo are judged against it
_WELCH_SIZE_S: Final = 1.0  # a segment must hold the echo path both ways: H1's impulse is circular
_GCC_BLOCK: Final = 1 << 15  # 2 s at 16 kHz
_LATENCY_CONFIDENCE: Final = 25.0  # GCC-PHAT peak over its spread; noise alone reaches ~5
# what is left must stand this far over the echo cancellation's typical remainder (measured per
# round where the customer's echo is strong) to be the trainee, within these bounds
_ECHO_REMAINDER: Final = 0.1  # -10 dB of the echo: clear of it whatever the cancellation did
_OVER_ECHO_REMAINDER: Final = 4.0  # +6 dB
_ECHO_REMAINDER_BOUNDS: Final = (0.01, 0.5)  # -20 to -3 dB of the echo
_STRONG_ECHO_OVER_FLOOR: Final = 30.0  # +15 dB: frames where the echo dominates
_CANDIDATE_OVER_FLOOR: Final = 4.0  # +6 dB over the room's noise: speech near the microphone
_OTHER_VOICE_BELOW_TRAINEE: Final = 10 ** -1.0  # a stretch 10 dB under the trainee is someone further away
_TRAINEE_MIN_VOICED_S: Final = 0.25  # a stretch must be this long to set the trainee's level
_MIN_TRAINEE_SNR: Final = 10 ** 0.9  # +9 dB: under this over the noise, nothing stands out as the trainee
_ONSET_OVER_FLOOR: Final = 4.0  # +6 dB over the room's noise: the quiet start of a word
_ONSET_REACH_S: Final = 0.3
_QUIETEST_FLOOR: Final = dbfs_power(-60.0)  # no room is quieter than -60 dBFS
# what cancellation leaves of a reverberant room's echo follows the echo of the last half second,
# not of this instant: each frame is judged against the recent echo, fading by 0.45 dB per 10 ms
_TAIL_FADE_PER_FRAME: Final = 10 ** -0.045
_TAIL_WINDOW_S: Final = 0.45
_TRAINEE_FRAME_BELOW: Final = 10 ** -1.2  # inside the trainee's stretch, frames 12 dB under them are the room
_ONSET_DIP: Final = 3  # frames
_LOCAL_WINDOW: Final = 30  # frames before an onset's reach that tell the sound the voice rose out of


class LatencySource(StrEnum):
    """Where the loop latency (speaker to microphone) of a round came from."""

    MEASURED = "measured"  # from this round's own echo
    CALIBRATED = "calibrated"  # `tutor calibrate`
    CONFIGURED = "configured"  # audio.loop_latency_ms


@dataclass(frozen=True)
class Span:
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class RoundTiming:
    """The customer's lines and the trainee's speech, placed on one time base."""

    loop_latency_s: float
    latency_source: LatencySource
    customer_lines: tuple[Span, ...]
    speech: tuple[Span, ...]
    reply: Span | None
    cleaned_mic: np.ndarray = field(repr=False, compare=False)
    room: RoomLevels | None = None

    @property
    def customer_end_s(self) -> float | None:
        return self.customer_lines[-1].end_s if self.customer_lines else None


def analyse_round(audio: RoundAudio, settings: Settings,
                  calibrated_latency_s: float | None = None) -> RoundTiming:
    rate = audio.sample_rate
    lag, confidence = estimate_loop_latency(audio.speaker, audio.mic, rate)
    echo_heard = confidence >= _LATENCY_CONFIDENCE
    if echo_heard:
        latency, source = lag / rate, LatencySource.MEASURED
    elif calibrated_latency_s is not None:
        latency, source = calibrated_latency_s, LatencySource.CALIBRATED
    else:
        latency, source = settings.audio.loop_latency_ms / 1000, LatencySource.CONFIGURED
    _LOGGER.debug("loop latency %.1f ms (%s, confidence %.1f)", latency * 1000, source, confidence)

    customer = [Span(s.start_s + latency, s.end_s + latency)
                for s in active_spans(audio.speaker, rate, CUSTOMER_FLOOR_DBFS, merge_gap_s=0.35)]
    shift = round(latency * rate)
    reference = np.zeros_like(audio.speaker)
    reference[shift:] = audio.speaker[: len(audio.speaker) - shift]
    detector = VoiceDetector(rate, settings.listening.vad_aggressiveness)
    # with no echo in the microphone there is nothing to cancel, and an echo path
    # fitted to none would only add noise
    found = trainee_frames(audio.mic, reference if echo_heard else np.zeros_like(reference), detector,
                           merge_gap_s=settings.listening.merge_gap_s,
                           min_speech_s=settings.listening.min_speech_s,
                           probe_end_s=customer[0].start_s - latency if customer else None)
    speech = frames_to_spans(found.voiced, settings.listening.merge_gap_s, settings.listening.min_speech_s)
    customer_end = customer[-1].end_s if customer else 0.0
    return RoundTiming(
        loop_latency_s=latency,
        latency_source=source,
        customer_lines=tuple(customer),
        speech=tuple(speech),
        reply=find_reply(speech, customer_end, settings.listening.end_silence_s,
                         settings.scoring.backchannel_max_s),
        cleaned_mic=found.cleaned,
        room=found.room,
    )


def active_spans(samples: np.ndarray, rate: int, floor_dbfs: float, merge_gap_s: float) -> list[Span]:
    """Stretches louder than ``floor_dbfs``: the customer's lines in channel 1."""
    frame = int(rate * FRAME_S)
    count = len(samples) // frame
    if count == 0:
        return []
    power = frame_power(samples[: count * frame].reshape(count, frame))
    loud = power > dbfs_power(floor_dbfs)
    return frames_to_spans(loud, merge_gap_s, min_speech_s=0.0)


def estimate_loop_latency(speaker: np.ndarray, mic: np.ndarray, rate: int) -> tuple[int, float]:
    """Delay of the speaker's echo in the microphone, in samples, and how sure it is.

    GCC-PHAT whitens the spectrum, so a small speaker's colouring and the
    trainee's own voice barely move the peak. The cross-spectrum is summed
    over blocks of a few seconds rather than taken over the whole round at
    once: the same estimate, in a small fixed amount of memory on a Pi.
    """
    if not np.any(speaker):
        return 0, 0.0
    reach = int(MAX_LATENCY_S * rate)
    size = _GCC_BLOCK + 2 * reach
    cross = np.zeros(size // 2 + 1, dtype=np.complex128)
    for start in range(0, max(1, len(speaker)), _GCC_BLOCK):
        played = speaker[start: start + _GCC_BLOCK].astype(np.float64)
        if not np.any(played):
            continue
        heard = mic[start: start + _GCC_BLOCK + reach].astype(np.float64)
        cross += np.fft.rfft(heard, size) * np.conj(np.fft.rfft(played, size))
    if not np.any(cross):
        return 0, 0.0
    cross /= np.abs(cross) + 1e-9
    correlation = np.fft.irfft(cross, size)
    window = correlation[: reach + 1]
    lag = int(np.argmax(window))
    spread = float(np.std(correlation)) or 1e-12
    return lag, float(window[lag] / spread)


def cancel_echo(mic: np.ndarray, reference: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """The microphone less the reference's echo, and that echo, as float arrays.

    ``reference`` must already be aligned by the loop latency; the echo path
    may reach ``ECHO_LEAD_S`` before and ``ECHO_PATH_S`` after that point.
    The int16 signals are widened a segment at a time, never whole: the same
    numbers, with two round-long float arrays at most instead of four.
    """
    if not np.any(reference):
        return _unchanged(mic)
    size = 1 << int(np.ceil(np.log2(_WELCH_SIZE_S * rate)))
    window = np.hanning(size)
    ref_power = np.zeros(size // 2 + 1)
    cross = np.zeros(size // 2 + 1, dtype=np.complex128)
    for start in range(0, max(1, len(reference) - size + 1), size // 2):
        ref_block = reference[start: start + size]
        if len(ref_block) < size or not np.any(ref_block):
            continue
        ref_spectrum = np.fft.rfft(ref_block * window)
        ref_power += np.abs(ref_spectrum) ** 2
        cross += np.fft.rfft(mic[start: start + size] * window) * np.conj(ref_spectrum)
    if not np.any(ref_power):
        return _unchanged(mic)
    impulse = np.fft.irfft(cross / (ref_power + 1e-6 * ref_power.max()), size)
    lead, path = int(ECHO_LEAD_S * rate), _echo_path_length(impulse, rate)
    taps = np.concatenate([impulse[-lead:], impulse[:path]])
    echo = _convolve_in_blocks(reference, taps)[lead: lead + len(reference)]
    residual = mic.astype(np.float64)
    residual -= echo
    return residual, echo


def _echo_path_length(impulse: np.ndarray, rate: int) -> int:
    """How far the echo path reaches: up to where its tail sinks into the estimate's own noise.

    A reverberant room rings for most of a second, a dry one for a few tens of
    milliseconds; taps past the real tail only add estimation noise, which
    would then be "cancelled" into silence and heard as the trainee.
    """
    chunk = int(0.01 * rate)
    longest = int(ECHO_PATH_S * rate)
    energy = np.add.reduceat(impulse[:longest] ** 2, np.arange(0, longest, chunk))
    # past the longest path the echo is 40 dB down in any room: what is there is the estimate's noise
    noise = float(np.mean(impulse[longest: len(impulse) // 2] ** 2)) * chunk
    above = np.flatnonzero(energy > 4.0 * noise)
    reach = (int(above[-1]) + 1) * chunk if len(above) else chunk
    return max(int(0.05 * rate), min(longest, reach))


def _convolve_in_blocks(signal: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """``np.convolve(signal, taps)`` by overlap-add: fast, and memory stays small however long the round."""
    size = 1 << int(np.ceil(np.log2(_GCC_BLOCK + len(taps))))
    taps_spectrum = np.fft.rfft(taps, size)
    out = np.zeros(len(signal) + len(taps) - 1)
    for start in range(0, len(signal), _GCC_BLOCK):
        piece = signal[start: start + _GCC_BLOCK]  # int16 is widened here, a block at a time
        if not np.any(piece):
            continue
        filtered = np.fft.irfft(np.fft.rfft(piece, size) * taps_spectrum, size)
        end = min(len(out), start + len(piece) + len(taps) - 1)
        out[start: end] += filtered[: end - start]
    return out


def _unchanged(mic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """No echo to cancel: the microphone as it is, and no echo. float32 holds every int16 value
    exactly, so this is the same signal in half the memory of float64 (a conversation's
    stretch can run to a minute)."""
    return mic.astype(np.float32), np.zeros(len(mic), dtype=np.float32)


def _as_int16(signal: np.ndarray) -> np.ndarray:
    """``signal`` rounded and clipped to int16, a block at a time: no round-long float temporary."""
    out = np.empty(len(signal), dtype=np.int16)
    for start in range(0, len(signal), _GCC_BLOCK):
        part = np.round(signal[start: start + _GCC_BLOCK])
        out[start: start + _GCC_BLOCK] = np.clip(part, -32768, 32767, out=part)
    return out


@dataclass(frozen=True)
class TraineeFrames:
    """Which 10 ms frames hold the trainee's voice, the microphone less the echo, and the room."""

    voiced: np.ndarray
    cleaned: np.ndarray = field(repr=False)
    room: RoomLevels


def trainee_frames(mic: np.ndarray, reference: np.ndarray, detector: VoiceDetector, *,
                   merge_gap_s: float = 0.35, min_speech_s: float = 0.12,
                   probe_end_s: float | None = None) -> TraineeFrames:
    """Frames where the trainee speaks, told apart from the echo, the room's noise and other voices.

    Voice activity marks where speech is. A frame is the trainee's only when
    what is left after echo cancellation stands clearly over the echo's
    typical remainder (a double-talk decision scaled to how well this round's
    echo was cancelled) and over the room's noise floor. Other people talking
    are speech too: a stretch well under the level of the loudest sustained
    speech (the trainee, close to the microphone) is someone further away.
    Voice activity starts late on soft onsets ("s", "h", a breath), so each
    stretch is extended back over the frames just before it that stand
    clearly above the room's noise.
    """
    residual, echo = cancel_echo(mic, reference, detector.sample_rate)
    cleaned = _as_int16(residual)
    vad = detector.frames(cleaned)
    count = len(vad)
    if count == 0:
        return TraineeFrames(vad, cleaned, RoomLevels(power_dbfs(_QUIETEST_FLOOR), None, None, 0.0, None))
    frame = detector.frame
    left = frame_power(residual[: count * frame].reshape(count, frame))
    echo_power = (frame_power(echo[: count * frame].reshape(count, frame)) if np.any(echo)
                  else np.zeros(count))
    del residual, echo  # round-long float arrays: only their frame powers are needed from here on
    quiet = echo_power <= left
    floor = max(float(np.percentile(left[quiet] if quiet.sum() >= 50 else left, 20)), _QUIETEST_FLOOR)
    mic_power = frame_power(mic[: count * frame].reshape(count, frame))
    not_echo, nearby_echo, echo_left = _clear_of_echo(left, echo_power, floor)
    # where cancelling added energy (the echo predicted a tail the room did not have), nobody spoke
    not_echo &= left < 2.0 * mic_power + floor
    candidate = vad & not_echo & (left > _CANDIDATE_OVER_FLOOR * floor)
    voiced, trainee_level, others, other_frames = _the_trainees_stretches(
        candidate, left, floor, merge_gap_s, min_speech_s)
    # a word's quiet start is taken only where it is clear of the echo by the old fixed margin:
    # extending back into the customer's tail would make every quick reply quicker
    audible = not_echo & (left > _ECHO_REMAINDER * nearby_echo) & (left > _ONSET_OVER_FLOOR * floor)
    if trainee_level is not None:
        audible &= left > trainee_level * _OTHER_VOICE_BELOW_TRAINEE ** 2.5
    voiced = _extend_onsets(voiced, audible, left)
    outside = ~voiced & quiet
    share = float(other_frames.sum() / outside.sum()) if outside.any() else 0.0
    probe = None
    if probe_end_s is not None and probe_end_s >= 0.3:
        probe = power_dbfs(float(np.percentile(left[: int(probe_end_s / FRAME_S)], 50)))
    room = RoomLevels(
        noise_dbfs=power_dbfs(floor),
        trainee_dbfs=None if trainee_level is None else power_dbfs(trainee_level),
        other_voices_dbfs=None if others is None else power_dbfs(others),
        other_voices_share=share,
        echo_left_db=None if echo_left is None else power_ratio_db(echo_left),
        probe_noise_dbfs=probe,
    )
    return TraineeFrames(voiced, cleaned, room)


def _clear_of_echo(left: np.ndarray, echo_power: np.ndarray,
                   floor: float) -> tuple[np.ndarray, np.ndarray, float | None]:
    """Frames whose remainder is more than the echo left behind, the echo around each, and that remainder.

    The remainder is measured where the echo is strong: mostly the customer
    alone, so the median is the cancellation's own residue even when the
    trainee talks over part of it. Each frame is judged against the echo
    around it: just after (timing slack), and before it, fading as a room's
    tail fades, so a quick reply is not mistaken for the tail.
    """
    count = len(left)
    if not np.any(echo_power):
        return np.ones(count, dtype=bool), np.zeros(count), None
    strong = echo_power > _STRONG_ECHO_OVER_FLOOR * floor
    remainder = float(np.median(left[strong] / echo_power[strong])) if strong.sum() >= 20 else 0.025
    low, high = _ECHO_REMAINDER_BOUNDS
    threshold = float(np.clip(_OVER_ECHO_REMAINDER * remainder, low, high))
    back, ahead = int(_TAIL_WINDOW_S / FRAME_S), int(ECHO_SMEAR_S / FRAME_S)
    padded = np.concatenate([np.zeros(back), echo_power, np.zeros(ahead)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, back + ahead + 1)
    fade = np.concatenate([_TAIL_FADE_PER_FRAME ** np.arange(back, 0, -1), np.ones(ahead + 1)])
    nearby_echo = (windows * fade).max(axis=1)
    return left > threshold * nearby_echo, nearby_echo, max(remainder, 1e-6)


def _the_trainees_stretches(candidate: np.ndarray, left: np.ndarray, floor: float, merge_gap_s: float,
                            min_speech_s: float) -> tuple[np.ndarray, float | None, float | None, np.ndarray]:
    """The candidate frames that are the trainee's, their level, and the loudest other voice.

    Returns the trainee's frames, the trainee's level (median power of their
    loudest sustained stretch), the level of the loudest stretch judged to be
    someone else, and the frames of those other stretches.
    """
    spans = frames_to_spans(candidate, merge_gap_s, min_speech_s)
    levels: list[tuple[float, int, int, int]] = []  # level, first frame, end frame, voiced frames
    for span in spans:
        first, end = round(span.start_s / FRAME_S), round(span.end_s / FRAME_S)
        inside = candidate[first:end]
        levels.append((float(np.median(left[first:end][inside])), first, end, int(inside.sum())))
    sustained = [level for level, _, _, voiced in levels if voiced * FRAME_S >= _TRAINEE_MIN_VOICED_S]
    trainee = max(sustained) if sustained else None
    if trainee is not None and trainee < _MIN_TRAINEE_SNR * floor:
        trainee = None  # nothing stands out of the room: no one is close to the microphone
    voiced = np.zeros_like(candidate)
    others = np.zeros_like(candidate)
    other_level: float | None = None
    for level, first, end, _ in levels:
        if trainee is not None and level >= trainee * _OTHER_VOICE_BELOW_TRAINEE:
            # the room's murmur just before or inside a stretch must not lengthen it
            voiced[first:end] = candidate[first:end] & (left[first:end] > trainee * _TRAINEE_FRAME_BELOW)
        else:
            others[first:end] = candidate[first:end]
            other_level = level if other_level is None else max(other_level, level)
    return voiced, trainee, other_level, others


def _extend_onsets(voiced: np.ndarray, audible: np.ndarray, left: np.ndarray) -> np.ndarray:
    """Each stretch reaches back over the audible frames just before it.

    "Audible" is also judged against the sound just before the stretch: in a
    room of murmuring colleagues the murmur is over the noise floor too, and
    a reply must not be stretched back into it.
    """
    out = voiced.copy()
    reach = int(_ONSET_REACH_S / FRAME_S)
    starts = np.flatnonzero(np.diff(np.concatenate([[False], voiced]).astype(np.int8)) == 1)
    for start in starts:
        first, probe = start, start - 1
        before = left[max(0, start - reach - _LOCAL_WINDOW): max(0, start - reach)]
        local = _ONSET_OVER_FLOOR * float(np.median(before)) if len(before) else 0.0
        # a word's soft start may be split from its vowel by a stop ("s-o"): bridge short dips
        while probe >= 0 and start - probe <= reach and not out[probe] and first - probe <= _ONSET_DIP:
            if audible[probe] and left[probe] > local:
                first = probe
            probe -= 1
        out[first:start] = True
    return out


def frames_to_spans(frames: np.ndarray, merge_gap_s: float, min_speech_s: float) -> list[Span]:
    """Runs of true frames as spans, bridging short gaps and dropping short bursts."""
    if len(frames) == 0:
        return []
    edges = np.diff(np.concatenate([[0], frames.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    spans: list[list[int]] = []
    gap = merge_gap_s / FRAME_S
    for start, end in zip(starts, ends, strict=False):
        if spans and start - spans[-1][1] < gap:
            spans[-1][1] = int(end)
        else:
            spans.append([int(start), int(end)])
    return [Span(round(s * FRAME_S, 3), round(e * FRAME_S, 3)) for s, e in spans
            if (e - s) * FRAME_S >= min_speech_s]


def find_reply(speech: list[Span], customer_end_s: float, end_silence_s: float,
               remark_max_s: float = 1.2, remark_gap_s: float = 0.6) -> Span | None:
    """The trainee's turn: the stretch of speech that runs past or follows the customer's end.

    Speech separated by less than ``end_silence_s`` belongs to one turn; a
    turn that ends before the customer does was a cut-in, not the reply. A
    short remark made while the customer was finishing ("mm-hmm") and
    followed by a pause is not the start of the reply either.
    """
    turn: Span | None = None
    for span in speech:
        if turn is not None and span.start_s - turn.end_s < end_silence_s:
            remark = (turn.start_s < customer_end_s and turn.duration_s <= remark_max_s
                      and turn.end_s <= customer_end_s + 0.3 and span.start_s - turn.end_s >= remark_gap_s)
            turn = span if remark else Span(turn.start_s, span.end_s)
            continue
        if turn is not None and turn.end_s > customer_end_s:
            return turn
        turn = span
    return turn if turn is not None and turn.end_s > customer_end_s else None
