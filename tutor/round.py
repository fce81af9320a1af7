"""One practice round: the customer speaks, the trainee answers, the station listens.

The round is a dataclass whose first fields are the parts it uses, so tests
and the simulated station pass their own: the pipeline after the device is
the same code everywhere.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
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
# recognition after the round is bounded: a room full of other voices must not keep the station
# thinking for a minute (a Pi would run into its thinking limit); beyond this the overlaps are not judged
MAX_RECOGNISED_AFTER_ROUND_S = 30.0
MAX_UTTERANCES = 20


@dataclass(frozen=True)
class HeardLive:
    """Words recognised during the round, on the microphone's time base, from ``from_s`` on."""

    from_s: float
    transcript: Transcript


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
        live = _LiveListener(self.recognizer, track.end + int(STREAM_AFTER_CUSTOMER_S * rate), rate,
                             NoiseSuppressor(rate, self.settings.recognition.noise_suppression))
        upcoming = list(enumerate(track.lines, start=1))  # each line announced as it starts playing
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
                live.push(block, frames, heard_at=endpointer.reply_heard_at)
                if ended:
                    break
                if was_waiting and endpointer.reply_heard_at is not None:
                    self.on_event(Phase.REPLY_HEARD, {"reply_heard_s": endpointer.reply_heard_at / rate})
        finally:
            session.stop()
        reason = endpointer.reason or EndReason.MAX_LENGTH
        self.on_event(Phase.THINKING, {"end_reason": reason})
        mic = np.concatenate(captured) if captured else np.zeros(0, dtype=np.int16)
        return mic, session.stats, reason, live.finish()


class _LiveListener:
    """Feeds the recognizer while the trainee speaks, once the customer's echo has died away.

    The stream starts where the trainee's voice was first heard, less the same
    margin an utterance gets when recognised after the round: a stream opened
    on seconds of near-silence recognises worse and costs time for nothing.
    Live recognition is only a head start: if the engine fails mid-reply, the
    listener stops feeding it and the reply is recognised after the round from
    the recording, so neither the recording nor the round is lost.
    """

    KEEP_S = 1.0  # enough to reach back from where voice is confirmed to where it began

    def __init__(self, recognizer: Recognizer, from_frame: int, rate: int,
                 suppressor: NoiseSuppressor | None = None) -> None:
        self._recognizer: Recognizer | None = recognizer
        self._suppressor = suppressor or NoiseSuppressor(rate, 0)
        self._from, self._rate = from_frame, rate
        self._waiting: collections.deque[tuple[int, np.ndarray]] = collections.deque()
        self._stream: RecognitionStream | None = None
        self._started = 0

    def push(self, block: np.ndarray, frames_after: int, *, heard_at: int | None) -> None:
        if self._recognizer is None or frames_after <= self._from:
            return
        try:
            self._push(block, frames_after, heard_at)
        except Exception as exc:  # any engine fault: the reply is recognised after the round instead
            self._give_up(exc)

    def _give_up(self, exc: BaseException) -> None:
        _LOGGER.warning("live recognition failed (%s); the reply will be recognised after the round",
                        exc)
        self._recognizer = None
        self._stream = None
        self._waiting.clear()

    def _push(self, block: np.ndarray, frames_after: int, heard_at: int | None) -> None:
        if self._stream is not None:
            self._stream.accept(self._suppressor.process(block))
            return
        start = frames_after - len(block)
        if start < self._from:
            block, start = block[self._from - start:], self._from
        self._waiting.append((start, block))
        while self._waiting and self._waiting[0][0] < frames_after - int(self.KEEP_S * self._rate):
            self._waiting.popleft()
        if heard_at is None:
            return
        begin = max(self._from, heard_at - int(UTTERANCE_PAD_S * self._rate), self._waiting[0][0])
        assert self._recognizer is not None
        self._stream = self._recognizer.stream()
        self._started = begin
        for first, waiting in self._waiting:
            if first + len(waiting) > begin:
                self._stream.accept(self._suppressor.process(waiting[max(0, begin - first):]))
        self._waiting.clear()

    def finish(self) -> HeardLive | None:
        if self._stream is None:
            return None
        start_s = self._started / self._rate
        try:
            return HeardLive(start_s, self._stream.finish().shifted(start_s))
        except Exception as exc:  # as in push: fall back to recognising after the round
            self._give_up(exc)
            return None


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
