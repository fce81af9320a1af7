"""Who spoke when: latency, echo and the trainee's turn, on real speech with a simulated room."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tutor.audio.simulated import simulate_microphone
from tutor.audio.wavfile import RoundAudio
from tutor.listening.analysis import (
    Span,
    analyse_round,
    cancel_echo,
    estimate_loop_latency,
    find_reply,
    trainee_frames,
)
from tutor.listening.vad import VoiceDetector, frame_power
from tutor.settings import Settings

RATE = 16000
CUSTOMER = ["my order arrived broken and the screen is cracked",
            "i have been waiting three weeks for a replacement"]
REPLY = "so the screen was cracked when it arrived and you are still waiting"


@pytest.fixture(scope="module")
def customer(speak_samples: Callable[..., np.ndarray]) -> np.ndarray:
    from tutor.voice import trim_silence

    first, second = (trim_silence(speak_samples(t, voice="kal"), RATE) for t in CUSTOMER)
    return np.concatenate([first, np.zeros(int(2.0 * RATE), dtype=np.int16), second])


@pytest.fixture(scope="module")
def reply(speak_samples: Callable[..., np.ndarray]) -> np.ndarray:
    from tutor.voice import trim_silence

    return trim_silence(speak_samples(REPLY), RATE)


def make_round(customer: np.ndarray, reply: np.ndarray | None, reply_start_s: float, *,
               latency_s: float = 0.08, echo_gain: float = 1.0) -> RoundAudio:
    frames = len(customer) + 8 * RATE
    speaker = np.zeros(frames, dtype=np.int16)
    speaker[: len(customer)] = customer
    mic = simulate_microphone(customer, reply if reply is not None else np.zeros(0, np.int16),
                              int(reply_start_s * RATE), frames, RATE, latency_s=latency_s,
                              echo_gain=echo_gain, noise_dbfs=-65, seed=1)
    return RoundAudio(speaker, mic, RATE)


def test_latency_is_measured_from_the_echo(customer: np.ndarray, reply: np.ndarray) -> None:
    audio = make_round(customer, reply, len(customer) / RATE + 1.0, latency_s=0.093)
    lag, confidence = estimate_loop_latency(audio.speaker, audio.mic, RATE)
    assert abs(lag - 0.093 * RATE) <= 16  # within 1 ms
    assert confidence > 25


def test_without_echo_the_configured_latency_is_used(customer: np.ndarray, reply: np.ndarray) -> None:
    audio = make_round(customer, reply, len(customer) / RATE + 1.0, echo_gain=0.0)
    settings = Settings()
    timing = analyse_round(audio, settings)
    assert timing.latency_source == "configured" and timing.loop_latency_s == 0.0


def test_loud_echo_alone_is_never_the_trainee(customer: np.ndarray) -> None:
    audio = make_round(customer, None, 0.0, echo_gain=1.5)
    timing = analyse_round(audio, Settings())
    assert timing.speech == ()
    assert timing.reply is None


@pytest.mark.parametrize("pause_s", [0.1, 1.0, 3.0])
def test_reply_start_matches_the_truth_with_echo(customer: np.ndarray, reply: np.ndarray,
                                                 pause_s: float) -> None:
    latency = 0.06
    customer_end = len(customer) / RATE + latency
    audio = make_round(customer, reply, customer_end + pause_s, latency_s=latency, echo_gain=1.0)
    timing = analyse_round(audio, Settings())
    assert timing.customer_end_s == pytest.approx(customer_end, abs=0.02)
    assert timing.reply is not None
    assert timing.reply.start_s - timing.customer_end_s == pytest.approx(pause_s, abs=0.06)
    assert timing.reply.end_s == pytest.approx(customer_end + pause_s + len(reply) / RATE, abs=0.1)


def test_talking_over_the_end_gives_a_negative_pause(customer: np.ndarray, reply: np.ndarray) -> None:
    customer_end = len(customer) / RATE + 0.05
    audio = make_round(customer, reply, customer_end - 0.8, latency_s=0.05, echo_gain=0.8)
    timing = analyse_round(audio, Settings())
    assert timing.reply is not None
    # double talk over an echo this loud is caught a little late; the evaluation reports it
    assert timing.reply.start_s - customer_end == pytest.approx(-0.8, abs=0.15)


def test_find_reply_skips_cut_ins_and_joins_a_turn() -> None:
    speech = [Span(3.0, 3.6), Span(9.5, 10.5), Span(11.0, 12.0), Span(15.0, 15.5)]
    assert find_reply(speech, customer_end_s=9.0, end_silence_s=1.2) == Span(9.5, 12.0)
    assert find_reply(speech[:1], customer_end_s=9.0, end_silence_s=1.2) is None
    assert find_reply([Span(8.0, 10.0)], customer_end_s=9.0, end_silence_s=1.2) == Span(8.0, 10.0)
    assert find_reply([], customer_end_s=9.0, end_silence_s=1.2) is None


def test_find_reply_leaves_out_an_acknowledgement_just_before_the_end() -> None:
    # "mm-hmm" as the customer finishes, a breath, then the answer: the pause runs to the answer
    speech = [Span(8.6, 9.1), Span(9.9, 12.0)]
    assert find_reply(speech, customer_end_s=9.0, end_silence_s=1.2) == Span(9.9, 12.0)
    # a long stretch started over the customer is the reply itself, talking over them
    assert find_reply([Span(7.0, 9.1), Span(9.9, 12.0)], customer_end_s=9.0,
                      end_silence_s=1.2) == Span(7.0, 12.0)


def test_block_by_block_arithmetic_gives_the_whole_array_figures(customer: np.ndarray,
                                                                 reply: np.ndarray) -> None:
    # the analysis widens and squares a block at a time to save memory: the same numbers as
    # the whole-array arithmetic it replaced, across block edges (2**15 samples, 1000 frames)
    audio = make_round(customer, reply, 0.5)
    shift = round(0.08 * RATE)
    reference = np.zeros_like(audio.speaker)
    reference[shift:] = audio.speaker[: len(audio.speaker) - shift]
    residual, echo = cancel_echo(audio.mic, reference, RATE)
    assert len(residual) > 2 ** 16 and np.any(echo)
    np.testing.assert_array_equal(residual, audio.mic.astype(np.float64) - echo)
    count = len(residual) // 160
    assert count > 1000
    for signal in (residual, audio.mic):
        frames = signal[: count * 160].reshape(count, 160)
        wide = frames.astype(np.float64)
        np.testing.assert_array_equal(frame_power(frames), np.mean(wide * wide, axis=-1))
    found = trainee_frames(audio.mic, reference, VoiceDetector(RATE))
    np.testing.assert_array_equal(found.cleaned,
                                  np.clip(np.round(residual), -32768, 32767).astype(np.int16))
