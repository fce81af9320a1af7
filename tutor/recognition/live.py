"""Recognition while the trainee speaks: the reply is transcribed as it is captured, and
each stretch of it is finished during the pause after it, so the end-of-speech wait is
not followed by a wait for the recognizer.

The listener is given every captured block and what the endpointer made of the speech
so far (:class:`SpeechSoFar`). A stream opens where the trainee's voice was first heard,
less :data:`UTTERANCE_PAD_S` (a stream opened on seconds of near-silence recognises worse
and costs time for nothing). When the trainee has been quiet for
:data:`SEGMENT_AFTER_QUIET_S`, that stream gets its final search then, during the wait:
if they were done, the wait ends with their words already recognised; if they speak
again, a new stream takes the continuation, starting :data:`CONTEXT_STRETCHES` stretches
back so the engine hears what came before the pause. The recognizer runs in a worker
thread, so capture never waits for it (the engines let go of Python's lock while they
search).

Live recognition is only a head start: if the engine fails in any stretch, the listener
stops feeding it and the whole reply is recognised after the round from the recording,
so neither the recording nor the round is lost.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np

from tutor.listening.suppress import NoiseSuppressor
from tutor.recognition import RecognitionStream, Recognizer, Transcript, Word

_LOGGER = logging.getLogger(__name__)

UTTERANCE_PAD_S: Final = 0.15  # context either side of an utterance for the recognizer
# quiet this long, the trainee may have finished: the stretch heard so far gets its final search
# now, during the end-of-speech wait, and speech after it opens a new stream. A new stream starts
# CONTEXT_STRETCHES stretches back (None: at the reply's start) and hears them again, so the
# engine knows what came before the pause. Chosen with `python -m benchmarks.endpoint` on the
# development replies: a new stream at every 0.3 s pause with nothing heard again lost 6 points
# of word error; at 0.5 s, one stretch back, 0.3 (23.2% against one stream's 22.9%), for a tenth
# more audio to hear, the least extra work of the ways within half a point; on held-out replies
# it lost nothing (22.0% against 22.1%)
SEGMENT_AFTER_QUIET_S: Final = 0.5
CONTEXT_STRETCHES: Final[int | None] = 1


class SpeechSoFar(Protocol):
    """What the endpointer knows of the trainee's speech up to the last block it judged."""

    @property
    def speech_began_at(self) -> int | None:
        """Where the current stretch of speech began; None while the trainee is quiet."""

    @property
    def quiet_for(self) -> int:
        """Samples of silence since the trainee last spoke (0 while speaking)."""


@dataclass(frozen=True)
class HeardStretch:
    """One stretch of the reply recognised live: its stream ran from ``start_s`` to ``end_s``
    (from where it started, which may be stretches back, to the pause that finished it)."""

    start_s: float
    end_s: float
    transcript: Transcript  # on the microphone's time base


@dataclass(frozen=True)
class HeardLive:
    """Words recognised during the round, on the microphone's time base, from ``from_s`` on:
    the trainee's speech in stretches split at their pauses, in order."""

    stretches: tuple[HeardStretch, ...]

    @property
    def from_s(self) -> float:
        return self.stretches[0].start_s

    @property
    def transcript(self) -> Transcript:
        """The words in order: where streams heard the same audio, the later stream's words,
        which were recognised knowing what came before."""
        words: list[Word] = []
        for stretch, after in zip(self.stretches, (*self.stretches[1:], None), strict=True):
            words.extend(w for w in stretch.transcript.words if after is None or w.start_s < after.start_s)
        return Transcript(tuple(words))


class LiveListener:
    """Feeds the recognizer while the trainee speaks, from ``from_frame`` on (once the
    customer's echo has died away); a context manager, so its thread never outlives a round
    that failed."""

    KEEP_S = 1.0  # enough to reach back from where voice is confirmed to where it began

    def __init__(self, recognizer: Recognizer, from_frame: int, rate: int, suppression: int = 0, *,
                 segment_after_s: float | None = SEGMENT_AFTER_QUIET_S,
                 context_stretches: int | None = CONTEXT_STRETCHES) -> None:
        """``segment_after_s`` None: one stream for the whole reply; ``context_stretches`` None:
        every new stream hears the reply from its start (benchmarks.endpoint compares them)."""
        NoiseSuppressor(rate, suppression)  # a bad level is a settings error now, not an engine fault later
        self._worker = _RecognitionWorker(recognizer, rate, suppression, context_stretches)
        self._from, self._rate = from_frame, rate
        self._segment_after = int(segment_after_s * rate) if segment_after_s is not None else None
        self._waiting: collections.deque[tuple[int, np.ndarray]] = collections.deque()
        self._started = False  # the worker is given every block from the first stretch on
        self._open = False  # a stream is taking the current stretch
        self._heard_to = from_frame  # where the last stretch ended
        self._captured_to = 0

    def __enter__(self) -> LiveListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker, dropping work not started; safe to call again, and after finish()."""
        self._worker.stop(abandon=True)

    def push(self, block: np.ndarray, frames_after: int, voice: SpeechSoFar) -> None:
        """The next captured ``block`` (ending at ``frames_after``), and what the endpointer
        made of the speech so far."""
        self._captured_to = frames_after
        if self._worker.failed or frames_after <= self._from:
            return
        start = frames_after - len(block)
        if start < self._from:
            block, start = block[self._from - start:], self._from
        if self._started:
            self._worker.audio(start, block)
        else:
            self._waiting.append((start, block))
            while self._waiting and self._waiting[0][0] < frames_after - int(self.KEEP_S * self._rate):
                self._waiting.popleft()
        if self._open:
            if self._segment_after is not None and voice.quiet_for >= self._segment_after:
                # a pause, maybe the end of the reply: its final search now, during the wait
                self._worker.finish_stretch(frames_after)
                self._open, self._heard_to = False, frames_after
            return
        began = voice.speech_began_at
        if began is None:
            return
        # a new stretch never begins inside the last one
        begin = max(self._from, self._heard_to, began - int(UTTERANCE_PAD_S * self._rate))
        if not self._started:
            begin = max(begin, self._waiting[0][0])
            for first, waiting in self._waiting:
                if first + len(waiting) > begin:
                    self._worker.audio(max(first, begin), waiting[max(0, begin - first):])
            self._waiting.clear()
            self._started = True
        self._worker.open_stretch(begin)
        self._open = True

    @property
    def fed_s(self) -> float:
        """Seconds of audio the engine was given, counting what later streams heard again."""
        return self._worker.fed_s

    def finish(self) -> HeardLive | None:
        """The stretches heard, once the worker has searched the last (usually done already,
        during the wait); None when nothing was heard live or the engine failed."""
        if self._open:
            self._worker.finish_stretch(self._captured_to)
            self._open = False
        stretches = self._worker.stop()
        if self._worker.failed or not stretches:
            return None
        return HeardLive(tuple(stretches))


class _RecognitionWorker:
    """The live recognizer's thread: keeps the reply's audio, opens a stream per stretch, feeds
    it, finishes it, in the order it is told.

    A stream for a later stretch starts ``context`` stretches back (None: at the first), so
    it hears the words before the pause again: the engine's language model then knows what
    came before, which one stream for the whole reply would have known. The first engine
    fault stops all of it (logged once); the rest of the work is dropped.
    """

    def __init__(self, recognizer: Recognizer, rate: int, suppression: int, context: int | None) -> None:
        self._recognizer, self._rate, self._suppression = recognizer, rate, suppression
        self._context = context
        self._work: queue.Queue[tuple[str, int, np.ndarray | None] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._abandoned = False
        self._stretches: list[HeardStretch] = []
        self.fed_s = 0.0  # audio the engine was given, counting what it heard again
        self.failed = False

    def audio(self, start: int, block: np.ndarray) -> None:
        self._work.put(("audio", start, block))

    def open_stretch(self, start: int) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="live-recognition", daemon=True)
            self._thread.start()
        self._work.put(("open", start, None))

    def finish_stretch(self, end: int) -> None:
        self._work.put(("finish", end, None))

    def stop(self, *, abandon: bool = False) -> list[HeardStretch]:
        """Wait for the work given so far (``abandon``: drop what has not started) and end the thread."""
        if self._thread is not None:
            self._abandoned = self._abandoned or abandon
            self._work.put(None)
            self._thread.join()
            self._thread = None
        return list(self._stretches)

    def _run(self) -> None:
        kept: list[tuple[int, np.ndarray]] = []  # the audio since the first stretch, in order
        starts: list[int] = []  # where each stretch's own speech began
        stream: RecognitionStream | None = None
        suppressor = NoiseSuppressor(self._rate, 0)
        stream_from = 0
        while (item := self._work.get()) is not None:
            if self.failed or self._abandoned:
                continue
            kind, frame, block = item
            try:
                if kind == "audio":
                    assert block is not None
                    kept.append((frame, block))
                    if stream is not None:
                        stream.accept(suppressor.process(block))
                        self.fed_s += len(block) / self._rate
                elif kind == "open":
                    starts.append(frame)
                    back = 0 if self._context is None else max(0, len(starts) - 1 - self._context)
                    stream_from = starts[back]
                    stream = self._recognizer.stream()
                    suppressor = NoiseSuppressor(self._rate, self._suppression)  # one per stream
                    for first, old in kept:  # what the new stream hears again, up to now
                        if first + len(old) > stream_from:
                            stream.accept(suppressor.process(old[max(0, stream_from - first):]))
                            self.fed_s += (len(old) - max(0, stream_from - first)) / self._rate
                elif kind == "finish" and stream is not None:
                    began_s = stream_from / self._rate
                    heard = stream.finish().shifted(began_s)
                    stream = None
                    self._stretches.append(HeardStretch(began_s, frame / self._rate, heard))
            except Exception as exc:  # any engine fault: the reply is recognised after the round instead
                _LOGGER.warning("live recognition failed (%s); the reply will be recognised after the round",
                                exc)
                self.failed = True
                stream = None
