"""The speaker's queue a conversation plays on, and the simulated station that hears it: where each
line starts, where it was cut, and a microphone made block by block from what was sent."""

from __future__ import annotations

import numpy as np

from tutor.audio.playback import Playback
from tutor.audio.simulated import SimulatedDuplex, simulate_microphone
from tutor.customer import interruption_track, resume_point
from tutor.settings import SimulateSettings
from tutor.voice import CustomerTrack, LineSpan

RATE = 16000
BLOCK = 320


def _tone(seconds: float, level: int = 8000, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (level * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def test_lines_queue_back_to_back_and_a_cut_is_where_the_next_line_starts() -> None:
    first, second, instead = _tone(0.05), _tone(0.2, hz=300), _tone(0.02, hz=600)
    playback = Playback(first)
    later = playback.queue(second)
    sent = [playback.read(BLOCK) for _ in range(4)]  # 0.08 s: the first line and part of the second
    assert playback.first is not None and playback.first.start == 0 and later.start == len(first)
    cut = playback.replace(instead)
    sent += [playback.read(BLOCK) for _ in range(3)]
    assert cut.start == 4 * BLOCK and later.cut_at == cut.start and later.end == cut.start
    expected = np.concatenate([first, second[: 4 * BLOCK - len(first)], instead])
    assert np.array_equal(np.concatenate(sent)[: len(expected)], expected)
    assert np.array_equal(playback.sent(), np.concatenate(sent)) and playback.idle
    waits = playback.queue(first, not_before=playback.position + 100)  # a device that kept playing
    playback.read(BLOCK)
    assert waits.start == playback.position - BLOCK + 100


def test_the_simulated_microphone_block_by_block_is_the_whole_track_s() -> None:
    """With one line, the block-by-block microphone (echo, latency, noise, reply) is the one the
    whole-track simulation makes, up to where the speaker's reverb tail outlasts the track."""
    settings = SimulateSettings(realtime=False, loop_latency_ms=30.0, echo_gain=0.8, noise_dbfs=-60.0)
    track = np.concatenate([_tone(0.7), np.zeros(int(0.2 * RATE), np.int16), _tone(0.5, hz=250)])
    reply = _tone(0.6, level=5000, hz=180)
    frames = len(track) + RATE
    session = SimulatedDuplex(reply, RATE, reply_at_s=0.3, settings=settings, seed=3).start(track, frames)
    heard = np.concatenate(list(session.blocks()))
    whole = simulate_microphone(track, reply, len(track) + int(0.3 * RATE), frames, RATE, latency_s=0.03,
                                echo_gain=0.8, noise_dbfs=-60.0, seed=3)
    until = len(track) + int(0.03 * RATE)  # the echo of the last sample
    assert np.array_equal(heard[:until], whole[:until])
    assert np.array_equal(session.played(0, len(track)), track)


def test_a_line_cut_before_its_reply_began_hands_the_reply_on() -> None:
    settings = SimulateSettings(realtime=False, noise_dbfs=-120.0)
    first_reply, second_reply = _tone(0.2, level=3000, hz=200), _tone(0.2, level=4000, hz=210)
    opening = _tone(0.5)
    session = SimulatedDuplex(first_reply, RATE, reply_at_s=0.1, settings=settings,
                              later_replies=[(second_reply, 0.2)]).start(opening, 4 * RATE)
    blocks = session.blocks()
    heard = [next(blocks) for _ in range(int(0.3 * RATE) // BLOCK)]
    later = session.play(_tone(1.0, hz=330))  # queued after the opening...
    cut = session.interrupt(_tone(0.4, hz=500))  # ...and dropped with it, by the line that cuts in
    heard += [block for _, block in zip(range(int(2.5 * RATE) // BLOCK), blocks, strict=False)]
    mic = np.concatenate(heard)
    assert later.start is None and later.end is None and cut.start == int(0.3 * RATE)
    # the opening was cut at 0.3 s, before its reply was due (0.6 s): the reply goes to the line
    # that replaced it, 0.1 s after that line ends, and the line dropped with the cut gets none
    replied = _onset(mic, 0)
    assert abs(replied - (cut.start + len(cut.samples) + int(0.1 * RATE))) <= 20
    assert _onset(mic, replied + len(first_reply)) == len(mic)


def _onset(samples: np.ndarray, after: int) -> int:
    loud = np.flatnonzero(np.abs(samples[after:].astype(np.int32)) > 1000)
    return after + int(loud[0]) if len(loud) else len(samples)


def test_cut_off_the_customer_goes_back_to_the_clause_they_were_saying() -> None:
    # line 1: two clauses with a 0.2 s pause between; a 0.5 s gap; line 2
    clause, pause, gap = _tone(0.6), np.zeros(int(0.2 * RATE), np.int16), np.zeros(int(0.5 * RATE), np.int16)
    one = np.concatenate([clause, pause, clause])
    two = _tone(0.4, hz=300)
    track = CustomerTrack(np.concatenate([one, gap, two]), RATE,
                          (LineSpan("I waited, and nothing came.", 0, len(one)),
                           LineSpan("Nobody called.", len(one) + len(gap), len(one) + len(gap) + len(two))))
    second_clause = len(clause) + len(pause)
    assert resume_point(track, second_clause + RATE // 10) == (second_clause, 0)  # its clause again
    assert resume_point(track, RATE // 10) == (0, 0)  # in the first clause: the line again
    in_the_gap = len(one) + RATE // 10
    assert resume_point(track, in_the_gap) == (len(one) + len(gap), 1)  # the next line
    sorry = CustomerTrack(_tone(0.3, hz=500), RATE, (LineSpan("Sorry, can I finish?", 0, int(0.3 * RATE)),))
    cut_off = interruption_track(sorry, track, second_clause + RATE // 10, rest_of_turn=True)
    assert [line.text for line in cut_off.lines] == ["Sorry, can I finish?", "...I waited, and nothing came.",
                                                      "Nobody called."]
    assert len(cut_off.samples) == len(sorry.samples) + int(0.5 * RATE) + len(track.samples) - second_clause
    talked_over = interruption_track(sorry, track, second_clause + RATE // 10, rest_of_turn=False)
    # talked over, not cut: only the rest of that line is said again
    assert [line.text for line in talked_over.lines][1:] == ["...I waited, and nothing came."]
