"""Live end-of-reply detection, on the microphone as it is captured.

It decides only when to stop recording: once the customer has finished and
the trainee has spoken and then been silent for ``end_silence_s`` (or spoken
for ``max_reply_s``), or nobody spoke within ``no_reply_timeout_s``. The exact
timings come afterwards from the analysis of the whole recording. While it
listens it also says whether the trainee is speaking now and how long they have
been quiet, so the live recognizer can finish a stretch of the reply as soon as
they pause, during the wait, instead of after it.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

from tutor.listening.vad import FRAME_S, VoiceDetector
from tutor.settings import ListeningSettings


class EndReason(StrEnum):
    """Why the station stopped listening; its value is the JSON's ``end_reason``."""

    SILENCE = "silence after the reply"
    MAX_LENGTH = "longest reply reached"
    NO_REPLY = "no reply heard"


class ReplyEndpointer:
    """Feed captured blocks in order; ``reason`` is set once the round can stop."""

    def __init__(self, detector: VoiceDetector, customer_end: int, settings: ListeningSettings) -> None:
        rate = detector.sample_rate
        self._detector = detector
        self._listen_from = customer_end + int(settings.echo_guard_s * rate)
        self._give_up_at = customer_end + int(settings.no_reply_timeout_s * rate)
        self._end_silence = int(settings.end_silence_s * rate)
        self._max_reply = int(settings.max_reply_s * rate)
        self._min_speech = max(1, round(settings.min_speech_s / FRAME_S))
        self._pending = np.zeros(0, dtype=np.int16)
        self._position = 0  # first sample of self._pending
        self._speech_run = 0
        self._last_speech_end: int | None = None
        self._judged_to = 0  # the end of the last frame judged
        self._speech_from: int | None = None  # where the current stretch of speech began
        self.reply_heard_at: int | None = None
        self.reason: EndReason | None = None

    @property
    def done(self) -> bool:
        return self.reason is not None

    @property
    def speech_began_at(self) -> int | None:
        """Where the trainee's current stretch of speech began, once it counts as speech
        (``min_speech_s``); None while they are quiet."""
        return self._speech_from

    @property
    def quiet_for(self) -> int:
        """Samples of silence since the trainee last spoke, up to the last frame judged; 0
        while they speak, and before they have said anything."""
        if self._speech_from is not None or self._last_speech_end is None:
            return 0
        return self._judged_to - self._last_speech_end

    def push(self, block: np.ndarray) -> EndReason | None:
        if self.done:
            return self.reason
        self._pending = np.concatenate([self._pending, block])
        decisions = self._detector.frames(self._pending)
        frame = self._detector.frame
        for index, is_speech in enumerate(decisions):
            start = self._position + index * frame
            self._step(start, start + frame, bool(is_speech))
            if self.done:
                break
        used = len(decisions) * frame
        self._pending = self._pending[used:]
        self._position += used
        return self.reason

    def _step(self, start: int, end: int, is_speech: bool) -> None:
        if start < self._listen_from:
            return
        self._judged_to = end
        if is_speech:
            self._speech_run += 1
            if self._speech_run >= self._min_speech:
                if self._speech_from is None:
                    self._speech_from = end - self._speech_run * self._detector.frame
                if self.reply_heard_at is None:
                    self.reply_heard_at = self._speech_from
                self._last_speech_end = end
        else:
            self._speech_run = 0
            self._speech_from = None
        if self.reply_heard_at is None:
            if end >= self._give_up_at:
                self.reason = EndReason.NO_REPLY
            return
        if end - self.reply_heard_at >= self._max_reply:
            self.reason = EndReason.MAX_LENGTH
        elif self._last_speech_end is not None and end - self._last_speech_end >= self._end_silence:
            self.reason = EndReason.SILENCE
