"""The measurements the end-of-speech wait and the allocator setting were chosen from.

benchmarks.endpoint runs the station's own endpointer over placed replies; these check it
counts a pause as cutting a reply short exactly when the station would, on festival speech.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.endpoint import WAITS, pauses, words_of
from benchmarks.memory import SERVICE_UNIT, service_allocator
from tutor.voice import trim_silence

RATE = 16000


def test_a_pause_cuts_a_reply_short_exactly_for_the_waits_it_outlasts(
        speak_samples: Callable[..., np.ndarray]) -> None:
    first = trim_silence(speak_samples("the present arrived after her birthday"), RATE)
    second = trim_silence(speak_samples("what would help now"), RATE)
    reply = np.concatenate([first, np.zeros(int(0.9 * RATE), dtype=np.int16), second])
    measured = pauses(reply, seed=1)
    assert 0.85 <= measured.longest_s <= 1.0  # the detector's hang-over shortens a pause a little
    for wait in WAITS:
        latency = measured.latency_s[wait]
        if wait <= measured.longest_s:
            assert latency is None, wait  # the round would end mid-reply
        else:  # it ends after the reply's last sound, about the wait later
            assert latency is not None and wait - 0.1 <= latency <= wait + 0.1, (wait, latency)


def test_a_reply_without_long_pauses_is_never_cut_short(speak_samples: Callable[..., np.ndarray]) -> None:
    measured = pauses(trim_silence(speak_samples("that must have been really upsetting"), RATE), seed=2)
    assert measured.longest_s < min(WAITS)
    assert all(latency is not None for latency in measured.latency_s.values())


def test_reference_words_are_written_as_a_recognizer_writes_them() -> None:
    assert words_of("So - the gift came late? That's awful, isn't it!") == [
        "so", "the", "gift", "came", "late", "that's", "awful", "isn't", "it"]


def test_the_memory_benchmark_measures_the_allocator_the_service_runs_with(tmp_path: Path) -> None:
    assert service_allocator(SERVICE_UNIT) == {"MALLOC_MMAP_THRESHOLD_": "131072"}
    unit = tmp_path / "tutor.service"
    unit.write_text("[Service]\nEnvironment=HOME=/x MALLOC_ARENA_MAX=2\n# Environment=MALLOC_TOP_PAD_=1\n")
    assert service_allocator(unit) == {"MALLOC_ARENA_MAX": "2"}
