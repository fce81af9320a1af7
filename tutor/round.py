"""One practice round: the customer speaks, the trainee answers, the station listens.

The round is a dataclass whose first fields are the parts it uses, so tests
and the simulated station pass their own: the pipeline after the device is
the same code everywhere.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from tutor.audio import AudioStats, DuplexAudio, speaker_channel
from tutor.audio.wavfile import RoundAudio, write_round
from tutor.errors import DiskFullError, StorageError
from tutor.listening.analysis import RoundTiming, Span, analyse_round
from tutor.listening.endpoint import EndReason, ReplyEndpointer
from tutor.listening.room import judge_doubts
from tutor.listening.suppress import NoiseSuppressor
from tutor.listening.vad import VoiceDetector
from tutor.recognition import RecognitionStream, Recognizer, Transcript, Word
from tutor.scenarios import Scenario
from tutor.scoring import Doubts, Scorecard, TurnTiming, score_reply
from tutor.scoring.timing import where_in_turn
from tutor.settings import Settings
from tutor.vocabulary import Phase
from tutor.voice import CustomerTrack, Synthesizer, render_customer

_LOGGER = logging.getLogger(__name__)

UTTERANCE_GAP_S = 0.6  # pauses longer than this split trainee speech into utterances
UTTERANCE_PAD_S = 0.15  # context either side of an utterance for the recognizer
# the live recognizer starts once the customer's echo tail has died away, so the reply is
# transcribed while it is spoken and the feedback does not wait for recognition
STREAM_AFTER_CUSTOMER_S = 0.3
# quiet this long, the trainee may have finished: the stretch heard so far gets its final search
# now, during the end-of-speech wait, and speech after it opens a new stream. A new stream starts
# CONTEXT_STRETCHES stretches back (None: at the reply's start) and hears them again, so the
# engine knows what came before the pause. Chosen with `python -m benchmarks.endpoint` on the
# development replies: a new stream at every 0.3 s pause with nothing heard again lost 5 points
# of word error; at 0.5 s, one stretch back, none (22.2% against one stream's 22.5%), for a third
# more audio to hear, the least extra work of the ways that lost nothing
SEGMENT_AFTER_QUIET_S = 0.5
CONTEXT_STRETCHES: int | None = 1
# recognition after the round is bounded: a room full of other voices must not keep the station
# thinking for a minute (a Pi would run into its thinking limit); beyond this the overlaps are not judged
MAX_RECOGNISED_AFTER_ROUND_S = 30.0
MAX_UTTERANCES = 20


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


@dataclass(frozen=True)
class Utterance:
    """A stretch of the trainee's speech and what was said in it."""

    start_s: float
    end_s: float
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)


@dataclass(frozen=True)
class RoundResult:
    """What happened in a round, in seconds on the microphone's time base."""

    scenario_id: str
    scenario_title: str
    timing: RoundTiming
    utterances: tuple[Utterance, ...]
    end_reason: EndReason | None  # None for a recording scored after the fact
    round_path: Path | None
    audio: AudioStats
    sample_rate: int
    duration_s: float
    started_at: str = field(default_factory=lambda: datetime.now().astimezone().isoformat(timespec="seconds"))
    save_error: str | None = None
    disk_full: bool = False  # the save failed because the disk was full, not for another reason
    recognizer: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)
    score: Scorecard | None = None
    doubts: Doubts = field(default_factory=Doubts)

    @property
    def reply_words(self) -> tuple[Word, ...]:
        reply = self.timing.reply
        if reply is None:
            return ()
        return tuple(w for u in self.utterances for w in u.words
                     if w.end_s > reply.start_s and w.start_s < reply.end_s + 0.05)

    @property
    def transcript(self) -> str:
        return " ".join(w.text for w in self.reply_words)

    @property
    def heard_reply(self) -> bool:
        return self.timing.reply is not None

    def to_json(self) -> dict[str, Any]:
        timing = self.timing
        reply = timing.reply
        scored = self.score.to_json() if self.score else {}
        return {**scored,
            "scenario": self.scenario_id or None,
            "scenario_title": self.scenario_title,
            "transcript": self.transcript,
            "customer_end_s": _r(timing.customer_end_s),
            "reply_start_s": _r(reply.start_s) if reply else None,
            "reply_end_s": _r(reply.end_s) if reply else None,
            "no_reply": reply is None,
            "end_reason": self.end_reason or "",
            "round_path": str(self.round_path) if self.round_path else None,
            "save_error": self.save_error,
            "loop_latency_ms": round(timing.loop_latency_s * 1000, 1),
            "latency_source": timing.latency_source,
            "room": timing.room.to_json() if timing.room else None,
            "customer_lines": [{"start_s": _r(s.start_s), "end_s": _r(s.end_s)}
                               for s in timing.customer_lines],
            "speech": [{"start_s": _r(s.start_s), "end_s": _r(s.end_s)} for s in timing.speech],
            "utterances": [{"start_s": _r(u.start_s), "end_s": _r(u.end_s), "text": u.text}
                           for u in self.utterances],
            "words": [{"word": w.text, "start_s": _r(w.start_s), "end_s": _r(w.end_s)}
                      for w in self.reply_words],
            "recognizer": self.recognizer,
            "sample_rate": self.sample_rate,
            "duration_s": _r(self.duration_s),
            "started_at": self.started_at,
            "audio": {"device": self.audio.device, "input_overflows": self.audio.input_overflows,
                      "output_underflows": self.audio.output_underflows},
            "processing_ms": self.timings_ms,
        }

    def scored(self, scenario: Scenario | None, settings: Settings) -> RoundResult:
        """This round with its reply scored (timing always; words when the scenario is known)."""
        began = time.perf_counter()
        timing = TurnTiming(self.timing.customer_lines, self.utterances, self.timing.reply, self.doubts)
        card = score_reply(self.transcript, scenario, settings.scoring, timing)
        spent = round((time.perf_counter() - began) * 1000, 1)
        return dataclasses.replace(self, score=card, timings_ms={**self.timings_ms, "score": spent})

    def saved(self, round_path: Path | None, save_error: str | None = None,
              disk_full: bool = False) -> RoundResult:
        """This round with where its recording is (None: not kept) and why saving failed."""
        return dataclasses.replace(self, round_path=round_path, save_error=save_error, disk_full=disk_full)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass
class PracticeRound:
    """Runs rounds on the parts it is given."""

    audio: DuplexAudio
    recognizer: Recognizer
    synthesizer: Synthesizer
    settings: Settings
    on_event: Callable[[Phase, dict[str, Any]], None] = lambda phase, data: None
    calibrated_latency_s: float | None = None  # from `tutor calibrate`, when a round has no echo to measure

    def run(self, scenario: Scenario, save_to: Path | None = None) -> RoundResult:
        rate = self.audio.sample_rate
        began = time.perf_counter()
        track = render_customer(scenario, self.synthesizer, rate, self.settings.voice).after_silence(
            self.settings.listening.room_probe_s)
        rendered = time.perf_counter()
        self.on_event(Phase.CUSTOMER_SPEAKING, {"scenario": scenario.id, "lines": len(track.lines)})
        mic, stats, reason, live = self._play_and_listen(track)
        listened = time.perf_counter()
        recording = RoundAudio(speaker=speaker_channel(track.samples, len(mic)), mic=mic,
                               sample_rate=rate)
        # saved before it is analysed: a recognizer that fails loses nothing
        path = save_to or _new_round_path(self.settings.rounds_dir, scenario.id)
        round_path: Path | None = None
        save_error: str | None = None
        disk_full = False
        try:
            round_path = write_round(path, recording)
        except StorageError as exc:
            save_error, disk_full = str(exc), isinstance(exc, DiskFullError)
            _LOGGER.warning("%s", exc)
        result = analyse_recording(recording, self.recognizer, self.settings, scenario_id=scenario.id,
                                   scenario_title=scenario.title, end_reason=reason, stats=stats,
                                   calibrated_latency_s=self.calibrated_latency_s, live=live)
        result = result.saved(round_path, save_error, disk_full).scored(scenario, self.settings)
        return dataclasses.replace(result, timings_ms={
            **result.timings_ms,
            "render": round((rendered - began) * 1000, 1),
            "round": round((listened - rendered) * 1000, 1),
        })

    def _play_and_listen(self, track: CustomerTrack) -> tuple[np.ndarray, AudioStats, EndReason,
                                                              HeardLive | None]:
        listening = self.settings.listening
        rate = track.sample_rate
        longest = track.end + int((listening.no_reply_timeout_s + listening.max_reply_s
                                   + listening.end_silence_s + 1.0) * rate)
        endpointer = ReplyEndpointer(VoiceDetector(rate, listening.vad_aggressiveness),
                                     track.end, listening)
        captured: list[np.ndarray] = []
        frames = 0
        upcoming = list(enumerate(track.lines, start=1))  # each line announced as it starts playing
        with _LiveListener(self.recognizer, track.end + int(STREAM_AFTER_CUSTOMER_S * rate), rate,
                           self.settings.recognition.noise_suppression) as live:
            session = self.audio.start(track.samples, longest)
            try:
                for block in session.blocks():
                    captured.append(block)
                    was_speaking = frames < track.end
                    frames += len(block)
                    while upcoming and frames >= upcoming[0][1].start:
                        number, line = upcoming.pop(0)
                        self.on_event(Phase.CUSTOMER_SPEAKING, {"line": number, "text": line.text})
                    if was_speaking and frames >= track.end:
                        self.on_event(Phase.LISTENING, {"customer_end_s": track.end / rate})
                    was_waiting = endpointer.reply_heard_at is None
                    ended = endpointer.push(block) is not None
                    live.push(block, frames, endpointer)
                    if ended:
                        break
                    if was_waiting and endpointer.reply_heard_at is not None:
                        self.on_event(Phase.REPLY_HEARD, {"reply_heard_s": endpointer.reply_heard_at / rate})
            finally:
                session.stop()
            reason = endpointer.reason or EndReason.MAX_LENGTH
            self.on_event(Phase.THINKING, {"end_reason": reason})
            heard = live.finish()
        mic = np.concatenate(captured) if captured else np.zeros(0, dtype=np.int16)
        return mic, session.stats, reason, heard


class _LiveListener:
    """Feeds the recognizer while the trainee speaks, once the customer's echo has died away.

    A stream starts where the trainee's voice was first heard, less the same
    margin an utterance gets when recognised after the round: a stream opened
    on seconds of near-silence recognises worse and costs time for nothing.
    When the trainee has been quiet for ``SEGMENT_AFTER_QUIET_S``, the stream
    is finished then, during the end-of-speech wait: if they were done, the
    wait ends with their words already recognised; if they speak again, a new
    stream takes the continuation, starting ``CONTEXT_STRETCHES`` stretches back
    (see there). The recognizer runs in a worker thread, given the audio and
    the stretches' starts and ends in order, so capture never waits for it (the
    engines let go of Python's lock while they search).

    Live recognition is only a head start: if the engine fails in any stretch,
    the listener stops feeding it and the whole reply is recognised after the
    round from the recording, so neither the recording nor the round is lost.
    """

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

    def __enter__(self) -> _LiveListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self._worker.stop(abandon=True)  # after finish() there is nothing left to do

    def push(self, block: np.ndarray, frames_after: int, voice: ReplyEndpointer) -> None:
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


def analyse_recording(recording: RoundAudio, recognizer: Recognizer, settings: Settings, *,
                      scenario_id: str = "", scenario_title: str = "", end_reason: EndReason | None = None,
                      stats: AudioStats | None = None, round_path: Path | None = None,
                      calibrated_latency_s: float | None = None,
                      live: HeardLive | None = None) -> RoundResult:
    """Timings and transcript of a round recording, live or saved."""
    began = time.perf_counter()
    timing = analyse_round(recording, settings, calibrated_latency_s)
    analysed = time.perf_counter()
    utterances, cut_short = transcribe_speech(recognizer, timing, recording.sample_rate, live,
                                              suppression=settings.recognition.noise_suppression)
    recognised = time.perf_counter()
    timing = _reply_from_first_words(timing, utterances)
    doubts = Doubts()
    if timing.room is not None:
        doubts = judge_doubts(timing.room, reply_heard=timing.reply is not None,
                              wordless_overlaps=_wordless_overlaps(timing, utterances, settings),
                              work_cut_short=cut_short)
    if timing.reply is not None and not doubts.timing and not _words_in(utterances, timing.reply):
        doubts = dataclasses.replace(doubts, timing="a sound was heard where your reply should be, "
                                                    "but no words in it")
    return RoundResult(
        scenario_id=scenario_id, scenario_title=scenario_title, timing=timing,
        utterances=utterances, end_reason=end_reason, round_path=round_path,
        audio=stats or AudioStats(device="recording"), sample_rate=recording.sample_rate,
        duration_s=recording.duration_s, recognizer=recognizer.name,
        timings_ms={"analyse": round((analysed - began) * 1000, 1),
                    "recognise": round((recognised - analysed) * 1000, 1)},
        doubts=doubts,
    )


def _words_in(utterances: tuple[Utterance, ...], span: Span) -> bool:
    return any(w.end_s > span.start_s and w.start_s < span.end_s for u in utterances for w in u.words)


def _reply_from_first_words(timing: RoundTiming, utterances: tuple[Utterance, ...]) -> RoundTiming:
    """The reply begins with its first stretch of speech that holds words.

    A burst of sound with no words just before the reply (a cough, a door,
    a colleague's laugh) would otherwise shorten the pause.
    """
    reply = timing.reply
    if reply is None:
        return timing
    spans = [s for s in timing.speech if s.end_s > reply.start_s and s.start_s < reply.end_s]
    for span in spans:
        if _words_in(utterances, span):
            if span.start_s > reply.start_s:
                return dataclasses.replace(timing, reply=Span(span.start_s, reply.end_s))
            return timing
    return timing


def _wordless_overlaps(timing: RoundTiming, utterances: tuple[Utterance, ...],
                       settings: Settings) -> list[str]:
    """Where speech-like sound began over the customer but held no words."""
    end = timing.customer_end_s
    if end is None:
        return []
    return [where_in_turn(u.start_s, timing.customer_lines) for u in utterances
            if not u.words and u.start_s < end - settings.scoring.overlap_tolerance_s]


def _new_round_path(folder: Path, scenario_id: str) -> Path:
    """A name no earlier round has: rounds can end within the same second."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")[:-3]
    path = folder / f"{stamp}-{scenario_id}.wav"
    count = 1
    while path.exists():
        count += 1
        path = folder / f"{stamp}-{scenario_id}-{count}.wav"
    return path


def transcribe_speech(recognizer: Recognizer, timing: RoundTiming, rate: int,
                      live: HeardLive | None = None, *,
                      suppression: int = 0) -> tuple[tuple[Utterance, ...], bool]:
    """Recognise each stretch of the trainee's speech; word times on the microphone's base.

    Stretches heard live (after the customer finished) take their words from the
    live transcript; the rest (remarks or a reply that began over the customer,
    where the echo must be removed first) are recognised from the cleaned microphone,
    up to a bounded amount of audio. Returns the utterances and whether that bound cut
    the work short.
    """
    groups: list[Span] = []
    for span in timing.speech:
        if groups and span.start_s - groups[-1].end_s < UTTERANCE_GAP_S:
            groups[-1] = Span(groups[-1].start_s, span.end_s)
        else:
            groups.append(span)
    mic = timing.cleaned_mic
    utterances = []
    budget = MAX_RECOGNISED_AFTER_ROUND_S
    cut_short = len(groups) > MAX_UTTERANCES
    for group in groups[:MAX_UTTERANCES]:
        if live is not None and group.start_s >= live.from_s:  # the stream heard all of it
            words = tuple(w for w in live.transcript.words if w.end_s > group.start_s - UTTERANCE_PAD_S
                          and w.start_s < group.end_s + UTTERANCE_PAD_S)
            utterances.append(Utterance(group.start_s, group.end_s, words))
            continue
        start = max(0, int((group.start_s - UTTERANCE_PAD_S) * rate))
        end = min(len(mic), int((group.end_s + UTTERANCE_PAD_S) * rate))
        if (end - start) / rate > budget:
            cut_short = True
            break
        budget -= (end - start) / rate
        heard = NoiseSuppressor(rate, suppression).whole(mic[start:end])
        transcript: Transcript = recognizer.transcribe(heard).shifted(start / rate)
        utterances.append(Utterance(group.start_s, group.end_s, transcript.words))
    return tuple(utterances), cut_short
