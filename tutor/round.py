"""One practice round: the customer speaks, the trainee answers, the station listens; and, when
the scenario has turns, the customer answers back until the conversation is over.

The round is a dataclass whose first fields are the parts it uses, so tests
and the simulated station pass their own: the pipeline after the device is
the same code everywhere.

A conversation is one duplex stream (one clock, one recording: channel 1 everything
played, channel 2 the microphone). Each reply is endpointed, recognised while it is
spoken and scored exactly as a single reply is, on its own stretch of the recording
(from where the previous reply ended to where this one did); its judgements choose the
customer's next turn (:mod:`tutor.conversation`), which was rendered while the customer
was still speaking, and is queued on the running stream the moment the choice is made.
Two things cannot wait for the end of a reply: talking over the customer (the station
checks the trainee's echo-cancelled speech while the customer speaks, and a stretch
longer than any acknowledgement cuts the customer's line and plays "Sorry, can I
finish?" and the part that was cut, while the trainee is still talking), and a silence
past dead air ("Hello? Are you still there?"). A scenario without turns is one turn,
played exactly as before.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np

from tutor.audio import AudioStats, DuplexAudio, DuplexSession
from tutor.audio.playback import Cue, Tape
from tutor.audio.wavfile import MAX_ROUND_S, RoundAudio, TurnMark, write_round
from tutor.conversation import (
    ConversationSummary,
    Progress,
    choose_next,
    conditions_met,
    summarise,
    turn_scenario,
)
from tutor.customer import INTERRUPTION_GAP_S, LinesAhead, candidates, interruption_track
from tutor.errors import DiskFullError, StorageError
from tutor.listening.analysis import RoundTiming, Span, analyse_round, find_reply
from tutor.listening.endpoint import EndReason, ReplyEndpointer
from tutor.listening.room import judge_doubts
from tutor.listening.suppress import NoiseSuppressor
from tutor.listening.vad import VoiceDetector
from tutor.recognition import Recognizer, Transcript, Word
from tutor.recognition.live import UTTERANCE_PAD_S, HeardLive, LiveListener
from tutor.scenarios import CustomerTurn, Scenario
from tutor.scenarios.turns import MAX_TURNS, OPENING
from tutor.scoring import Doubts, Scorecard, TurnTiming, prepare_words, score_reply
from tutor.scoring.timing import where_in_turn
from tutor.settings import ListeningSettings, Settings
from tutor.vocabulary import Condition, Phase
from tutor.voice import MAX_CUSTOMER_S, CustomerTrack, Synthesizer, render_customer

_LOGGER = logging.getLogger(__name__)

UTTERANCE_GAP_S = 0.6  # pauses longer than this split trainee speech into utterances
# the live recognizer starts once the customer's echo tail has died away, so the reply is
# transcribed while it is spoken and the feedback does not wait for recognition
STREAM_AFTER_CUSTOMER_S = 0.3
# recognition after the round is bounded: a room full of other voices must not keep the station
# thinking for a minute (a Pi would run into its thinking limit); beyond this the overlaps are not judged
MAX_RECOGNISED_AFTER_ROUND_S = 30.0
MAX_UTTERANCES = 20
# while the customer speaks, the trainee is looked for this often, in the last few seconds of
# the round: the same echo-aware analysis as after the round, on a window short enough to be
# cheap (a few milliseconds here) and long enough to estimate the echo path
OVERLAP_CHECK_S: Final = 0.2
OVERLAP_WINDOW_S: Final = 6.0
ENDING_TAIL_S: Final = 0.5  # listened to after the customer's last word: its echo belongs in the recording
_CARRIED_S: Final = 0.05  # speech this close to the start of a window may have begun before it


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
class ConversationTurn:
    """One turn of the customer and the trainee's reply to it, on the round recording's time base."""

    number: int
    id: str  # "opening", a turn of the scenario, or "interrupted" / "dead_air" for the library's lines
    condition: Condition | None  # what the previous reply did that brought this turn on; None: the opening
    lines: tuple[str, ...]  # what the customer said, as queued
    start_s: float  # this turn's stretch of the recording: from where the previous one ended...
    end_s: float  # ...to where the station stopped listening for the reply (or the cut)
    cut_at_s: float | None  # the customer was cut off here: the trainee talked over them
    ends: bool  # the customer's last word: no reply was listened for
    reply: RoundResult | None  # the reply, analysed and scored as a single reply is; None: not listened for
    met: frozenset[Condition] = frozenset()  # what the reply did, as the customer reacted to it

    def to_json(self) -> dict[str, Any]:
        reply = {k: v for k, v in self.reply.to_json().items() if k not in _ROUND_ONLY} if self.reply else {}
        return {"number": self.number, "id": self.id,
                "condition": self.condition.value if self.condition else None,
                "lines": list(self.lines), "start_s": _r(self.start_s), "end_s": _r(self.end_s),
                "cut_at_s": _r(self.cut_at_s), "ends": self.ends,
                "met": [c.value for c in Condition if c in self.met], **reply}


# what describes the whole recording, not one reply: kept at the top of a round's JSON only
_ROUND_ONLY: Final = frozenset({"scenario", "scenario_title", "round_path", "save_error", "recognizer",
                                "sample_rate", "duration_s", "started_at", "audio", "turns", "conversation"})


@dataclass(frozen=True)
class RoundResult:
    """What happened in a round, in seconds on the microphone's time base.

    The fields describe the first reply (the one reply of a scenario without turns);
    ``turns`` has every turn of a conversation, the first included, and ``conversation``
    how it went. ``duration_s``, ``round_path`` and ``audio`` are the whole recording's.
    """

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
    turns: tuple[ConversationTurn, ...] = ()
    conversation: ConversationSummary | None = None

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
        """A first reply was heard."""
        return self.timing.reply is not None

    @property
    def replied(self) -> bool:
        """Any turn of the conversation had a reply (the first, for a single reply)."""
        return self.heard_reply or any(t.reply is not None and t.reply.heard_reply for t in self.turns)

    def to_json(self) -> dict[str, Any]:
        timing = self.timing
        reply = timing.reply
        scored = self.score.to_json() if self.score else {}
        data = {**scored,
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
        if self.turns:
            data["turns"] = [turn.to_json() for turn in self.turns]
        if self.conversation is not None:
            data["conversation"] = self.conversation.to_json()
        return data

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

    def shifted(self, seconds: float) -> RoundResult:
        """The same reply with its times ``seconds`` later: a turn's stretch of the recording
        placed on the whole recording's time base (before scoring, so the reasons' times
        are the recording's too). The timing's cleaned microphone stays the stretch's own."""
        if not seconds:
            return self

        def moved(span: Span) -> Span:
            return Span(span.start_s + seconds, span.end_s + seconds)

        timing = self.timing
        return dataclasses.replace(
            self,
            timing=dataclasses.replace(timing, customer_lines=tuple(moved(s) for s in timing.customer_lines),
                                       speech=tuple(moved(s) for s in timing.speech),
                                       reply=moved(timing.reply) if timing.reply else None),
            utterances=tuple(Utterance(u.start_s + seconds, u.end_s + seconds,
                                       Transcript(u.words).shifted(seconds).words) for u in self.utterances))


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
        # the complaint is read for the words' judgement while it is rendered and spoken
        threading.Thread(target=_prepare_words, args=(scenario,), name="read-complaint", daemon=True).start()
        track = render_customer(scenario, self.synthesizer, rate, self.settings.voice).after_silence(
            self.settings.listening.room_probe_s)
        rendered = time.perf_counter()
        heard = _Recording(rate)
        turns: list[_Turn] = []
        voice = LinesAhead(scenario, self.synthesizer, rate, self.settings)
        path = save_to or _new_round_path(self.settings.rounds_dir, scenario.id)
        try:
            self.on_event(Phase.CUSTOMER_SPEAKING, {"scenario": scenario.id, "lines": len(track.lines)})
            stats = self._converse(scenario, track, voice, heard, turns)
        except BaseException:
            for turn in turns:  # no reply will be judged: the live recognizers' threads end now
                turn.stop_listening()
            # a conversation judges its replies as it goes: if that fails, the recording is kept
            if scenario.is_conversation and len(heard.mic):
                try:
                    write_round(path, heard.audio())
                except StorageError as exc:
                    _LOGGER.warning("%s", exc)
            raise
        finally:
            voice.close()
        listened = time.perf_counter()
        recording = heard.audio()
        if scenario.is_conversation:  # each turn marked, so the saved conversation can be scored again
            frames = len(heard.mic)
            recording = dataclasses.replace(recording, turns=tuple(
                TurnMark(t.window_from, t.window_to(frames), f"turn {t.number}: {t.id}",
                         t.end if t.cut_by is not None else None) for t in turns if t.start is not None))
        # saved before it is analysed: a recognizer that fails loses nothing
        round_path: Path | None = None
        save_error: str | None = None
        disk_full = False
        try:
            round_path = write_round(path, recording)
        except StorageError as exc:
            save_error, disk_full = str(exc), isinstance(exc, DiskFullError)
            _LOGGER.warning("%s", exc)
        try:
            for turn in turns:  # the replies the conversation did not need judged while it ran
                if turn.listens and turn.result is None and turn.start is not None:
                    self._judge(scenario, turn, heard, stats, reason=turn.reason)
        finally:
            for turn in turns:
                turn.stop_listening()
        records = [turn.to_record(rate, len(heard.mic)) for turn in turns]
        first = turns[0].result
        assert first is not None
        whole = dataclasses.replace(first, duration_s=recording.duration_s, audio=stats, turns=tuple(records),
                                    conversation=summarise(scenario, [t.turn for t in turns]))
        whole = whole.saved(round_path, save_error, disk_full)
        return dataclasses.replace(whole, timings_ms={
            **whole.timings_ms,
            "render": round((rendered - began) * 1000, 1),
            "round": round((listened - rendered) * 1000, 1),
        })

    def _converse(self, scenario: Scenario, track: CustomerTrack, voice: LinesAhead, heard: _Recording,
                  turns: list[_Turn]) -> AudioStats:
        """Play the opening, then each turn the replies bring on, on one stream; ``turns`` and
        ``heard`` fill as it goes. Returns the device's counts."""
        rate = track.sample_rate
        conversing = scenario.is_conversation
        longest = device_frames(track.end, self.settings.listening, rate, conversing=conversing)
        if conversing:
            voice.prepare(candidates(scenario, OPENING))
        progress = Progress()
        current = _Turn(1, None, None, track, cue=None, window_start=0, conversing=conversing,
                        settings=self.settings, recognizer=self.recognizer)
        turns.append(current)
        reason = EndReason.MAX_LENGTH
        session = self.audio.start(track.samples, longest)
        heard.session = session
        check_every = int(OVERLAP_CHECK_S * rate)
        try:
            for block in session.blocks():
                heard.mic.append(block)
                frames = len(heard.mic)
                if not current.begin():
                    continue  # the device has not started the line yet: the samples wait for it
                self._announce(current, frames)
                ended = current.push(heard.mic, frames)
                self._reply_heard(current)
                if ended is not None and not current.listens:  # the customer's last word has been said
                    current.close(frames, ended)
                    break
                if ended is not None:
                    reason = ended
                    current.close(frames, ended)
                    if not conversing:
                        break
                    self._judge(scenario, current, heard, session.stats, reason=ended)
                    assert current.result is not None
                    current.met = conditions_met(current.result.score)
                    following = choose_next(scenario.turns, progress, current.met)
                    if following is None:
                        break
                    progress, current = self._next(scenario, progress, current, following, voice, session,
                                                   frames, turns)
                    continue
                if not conversing:
                    continue
                if current.waiting_too_long(frames):
                    following = choose_next(scenario.turns, progress, {Condition.DEAD_AIR})
                    if following is not None:
                        current.close(frames, EndReason.NO_REPLY)
                        current.met = frozenset({Condition.DEAD_AIR, Condition.OTHERWISE})
                        progress, current = self._next(scenario, progress, current, following, voice, session,
                                                       frames, turns)
                        continue
                    current.dead_air_asked = True  # no turn for it: the reply still has until the time-out
                if current.customer_speaking(frames) and frames - current.checked >= check_every:
                    current.checked = frames
                    if self._talked_over(current, heard, frames):
                        following = choose_next(scenario.turns, progress, {Condition.INTERRUPTED})
                        if following is None:
                            current.watch_overlaps = False
                            continue
                        current.met = frozenset({Condition.INTERRUPTED, Condition.OTHERWISE})
                        progress, current = self._next(scenario, progress, current, following, voice, session,
                                                       frames, turns, cut_off=True)
        finally:
            session.stop()
        if current.reason is None and current.cut_by is None:  # the stream ran out before the reply ended
            current.close(len(heard.mic), reason)
        heard.freeze()
        self.on_event(Phase.THINKING, {"end_reason": reason})
        return session.stats

    def _next(self, scenario: Scenario, progress: Progress, current: _Turn, following: CustomerTurn,
              voice: LinesAhead, session: DuplexSession, frames: int, turns: list[_Turn], *,
              cut_off: bool = False) -> tuple[Progress, _Turn]:
        """Queue ``following`` (cutting the customer's line when ``cut_off``) and follow it."""
        rate = current.track.sample_rate
        track = voice.track(following)
        if following.when is Condition.INTERRUPTED:
            # the customer stops the trainee, then says again what was cut (or talked over); cut
            # while saying "sorry" itself, they go back to what they were repeating
            offset = max(frames - (current.start or 0), current.repeats_from)
            if not cut_off and current.result is not None and current.result.score is not None:
                overlaps = current.result.score.interruptions
                if overlaps:
                    latency = current.result.timing.loop_latency_s
                    offset = max(round((overlaps[0].start_s - latency) * rate) - (current.start or 0),
                                 current.repeats_from)
            repeats_from = len(track.samples) + round(INTERRUPTION_GAP_S * rate)
            track = interruption_track(track, current.track, offset, rest_of_turn=cut_off)
        else:
            repeats_from = 0
        cue = session.interrupt(track.samples) if cut_off else session.play(track.samples)
        advanced = progress.after(following)
        repaired = None if advanced.position == OPENING else next(
            (t for t in scenario.turns if t.id == advanced.position), None)
        upcoming = _Turn(len(turns) + 1, following, repaired, track, cue=cue,
                         window_start=None if cut_off else frames, conversing=True, settings=self.settings,
                         recognizer=self.recognizer)
        upcoming.repeats_from = repeats_from
        if cut_off:
            current.cut_by = upcoming
        turns.append(upcoming)
        voice.prepare(candidates(scenario, advanced.position))
        self.on_event(Phase.CUSTOMER_SPEAKING, {"turn": upcoming.number, "id": following.id,
                                                "condition": following.when.value,
                                                "seconds": round(track.end / rate, 2)})
        return advanced, upcoming

    def _announce(self, turn: _Turn, frames: int) -> None:
        """Each line as it starts playing, and the listening cue when the customer has finished."""
        start = turn.start or 0
        while turn.upcoming_lines and frames >= start + turn.upcoming_lines[0][1].start:
            number, line = turn.upcoming_lines.pop(0)
            self.on_event(Phase.CUSTOMER_SPEAKING, {"line": number, "text": line.text, "turn": turn.number})
        if not turn.listening_said and frames >= turn.end and turn.listens:
            turn.listening_said = True
            self.on_event(Phase.LISTENING, {"customer_end_s": turn.end / turn.track.sample_rate,
                                            "turn": turn.number})

    def _reply_heard(self, turn: _Turn) -> None:
        """The reply cue, once, when the trainee's voice is first heard after the customer."""
        if turn.endpointer is not None and turn.endpointer.reply_heard_at is not None and not turn.reply_said:
            turn.reply_said = True
            heard_at = (turn.endpointer.reply_heard_at + turn.window_from) / turn.track.sample_rate
            self.on_event(Phase.REPLY_HEARD, {"reply_heard_s": heard_at, "turn": turn.number})

    def _talked_over(self, turn: _Turn, heard: _Recording, frames: int) -> bool:
        """Whether the trainee has been talking over this turn of the customer for longer than any
        acknowledgement: speech, told from the customer's echo, that began in this turn."""
        rate = turn.track.sample_rate
        start = turn.start or 0
        if frames - start <= self.settings.scoring.backchannel_max_s * rate:
            return False
        # from a little before the turn, so speech carried over from the last reply is seen to be
        # (it began before the customer did); in a long turn, the last few seconds only
        first = max(0, min(start - rate, frames - int(OVERLAP_WINDOW_S * rate)))
        window = RoundAudio(speaker=heard.played(first, frames), mic=heard.mic.copy(first, frames),
                            sample_rate=rate)
        timing = analyse_round(window, self.settings, self.calibrated_latency_s)
        began_s = max((start - first) / rate, _CARRIED_S)
        longest = self.settings.scoring.backchannel_max_s
        return any(span.start_s >= began_s and span.duration_s > longest for span in timing.speech)

    def _judge(self, scenario: Scenario, turn: _Turn, heard: _Recording, stats: AudioStats, *,
               reason: EndReason | None) -> None:
        """Analyse and score the reply to ``turn`` on its stretch of the recording."""
        rate = turn.track.sample_rate
        first, last = turn.window_from, turn.window_to(len(heard.mic))
        stretch = RoundAudio(speaker=heard.played(first, last), mic=heard.mic.copy(first, last),
                             sample_rate=rate)
        live = turn.live.finish() if turn.live is not None else None
        turn.live = None
        cut_s = (turn.end - first) / rate if turn.cut_by is not None else None
        result = analyse_recording(stretch, self.recognizer, self.settings, scenario_id=scenario.id,
                                   scenario_title=scenario.title, end_reason=reason, stats=stats,
                                   calibrated_latency_s=self.calibrated_latency_s, live=live,
                                   follows_a_reply=turn.number > 1, cut_off_s=cut_s)
        judged_by = turn_scenario(scenario, turn.turn, turn.repaired)
        turn.result = result.shifted(first / rate).scored(judged_by, self.settings)


def device_frames(customer_end: int, listening: ListeningSettings, rate: int, *, conversing: bool) -> int:
    """How long the device may run, in frames: the customer, then the longest a reply may take
    (for a conversation, on every turn it may reach). It never passes :data:`MAX_ROUND_S`, so every
    round the station saves can be read back and scored again; the round itself ends long before."""
    bound = int((listening.no_reply_timeout_s + listening.max_reply_s + listening.end_silence_s + 1.0)
                * rate)
    longest = customer_end + bound
    if conversing:
        longest += (MAX_TURNS - 1) * (bound + int(MAX_CUSTOMER_S * rate))
    return min(longest, int(MAX_ROUND_S * rate))


def _prepare_words(scenario: Scenario) -> None:
    try:
        prepare_words(scenario)
    except Exception as exc:  # a head start only: judging the reply reports the same fault in its place
        _LOGGER.warning("could not read the complaint ahead of the reply: %s", exc)


class _Recording:
    """The conversation as captured: the microphone, and what the speaker was sent."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.mic = Tape()
        self.session: DuplexSession | None = None
        self._played: np.ndarray | None = None

    def played(self, start: int, end: int) -> np.ndarray:
        """Channel 1 from ``start`` to ``end``, silence where the device sent nothing yet."""
        out = np.zeros(max(0, end - start), dtype=np.int16)
        if self._played is not None:
            sent = self._played[start:end]
        elif self.session is not None:
            sent = self.session.played(start, end)
        else:
            sent = out[:0]
        out[: len(sent)] = sent
        return out

    def freeze(self) -> None:
        """The stream has stopped: keep what it sent, up to what was captured."""
        if self.session is not None:
            self._played = self.session.played(0, len(self.mic))

    def audio(self) -> RoundAudio:
        frames = len(self.mic)
        if self._played is None:
            self.freeze()
        return RoundAudio(speaker=self.played(0, frames), mic=self.mic.copy(0, frames), sample_rate=self.rate)


class _Turn:
    """One turn of the customer as the round follows it: its lines on the device, and the
    listening for the reply (end of speech, live recognition) on its stretch of the recording."""

    def __init__(self, number: int, turn: CustomerTurn | None, repaired: CustomerTurn | None,
                 track: CustomerTrack, *, cue: Cue | None, window_start: int | None, conversing: bool,
                 settings: Settings, recognizer: Recognizer) -> None:
        self.number = number
        self.turn = turn  # None: the opening
        self.repaired = repaired  # the turn a repair mends (None: the opening)
        self.track = track
        self.cue = cue  # None: the opening, which the stream started with at frame 0
        self.start: int | None = 0 if cue is None else None
        self._window_start = window_start
        self.conversing = conversing
        self.listens = turn is None or not turn.ends
        self.settings = settings
        self.recognizer = recognizer
        self.upcoming_lines = list(enumerate(track.lines, start=1))
        self.listening_said = self.reply_said = False
        self.endpointer: ReplyEndpointer | None = None
        self.live: LiveListener | None = None
        self.fed = 0  # frames of the stretch given to the endpointer
        self.checked = 0
        self.watch_overlaps = conversing
        self.dead_air_asked = False
        self.window_end: int | None = None
        self.reason: EndReason | None = None
        self.cut_by: _Turn | None = None  # the turn that cut this one off
        self.repeats_from = 0  # an interruption's track: where the part said again begins
        self.result: RoundResult | None = None
        self.met: frozenset[Condition] = frozenset()

    @property
    def id(self) -> str:
        return self.turn.id if self.turn is not None else OPENING

    def begin(self) -> bool:
        """Whether the line has started on the device (a sound card starts it a block or two on)."""
        if self.start is None and self.cue is not None and self.cue.start is not None:
            self.start = self.cue.start
        return self.start is not None

    @property
    def window_from(self) -> int:
        """Where this turn's stretch of the recording begins: where the previous one ended."""
        if self._window_start is not None:
            return self._window_start
        return self.start or 0

    def window_to(self, frames: int) -> int:
        """Where this turn's stretch ends: where listening for its reply stopped or, when the
        customer was cut off, where they finished saying so (the reply that talked over them
        runs on past the cut, and is judged whole)."""
        if self.cut_by is not None and self.cut_by.start is not None:
            return min(frames, self.cut_by.start + self.cut_by.track.end)
        return self.window_end if self.window_end is not None else frames

    @property
    def end(self) -> int:
        """Where the customer's lines end (the frame after their last sample), or were cut off."""
        if self.cut_by is not None and self.cut_by.start is not None:
            return self.cut_by.start
        return (self.start or 0) + self.track.end

    def customer_speaking(self, frames: int) -> bool:
        tolerance = int(self.settings.scoring.overlap_tolerance_s * self.track.sample_rate)
        return self.watch_overlaps and self.listens and frames < self.end - tolerance

    def waiting_too_long(self, frames: int) -> bool:
        """No reply has begun a dead air's length after the customer finished."""
        if self.dead_air_asked or not self.listens or self.endpointer is None:
            return False
        if self.endpointer.reply_heard_at is not None:
            return False
        return frames - self.end >= self.settings.scoring.dead_air_above_s * self.track.sample_rate

    def push(self, mic: Tape, frames: int) -> EndReason | None:
        """Give the endpointer and the live recognizer what was captured since last time; why
        listening ends, once it does (for an ending turn: once its last word is out)."""
        if not self.listens:
            tail = int(ENDING_TAIL_S * self.track.sample_rate)
            return EndReason.SILENCE if frames >= self.end + tail else None
        first = self.window_from
        if self.endpointer is None:
            rate = self.track.sample_rate
            listening = self.settings.listening
            customer_end = self.end - first
            self.endpointer = ReplyEndpointer(VoiceDetector(rate, listening.vad_aggressiveness),
                                              customer_end, listening)
            self.live = LiveListener(self.recognizer, customer_end + int(STREAM_AFTER_CUSTOMER_S * rate),
                                     rate, self.settings.recognition.noise_suppression)
        block = mic.copy(first + self.fed, frames)
        self.fed = frames - first
        reason = self.endpointer.push(block)
        if self.live is not None:
            self.live.push(block, self.fed, self.endpointer)
        return reason

    def stop_listening(self) -> None:
        """Let go of the live recognizer (its thread), whatever became of the round."""
        if self.live is not None:
            self.live.close()
            self.live = None

    def close(self, frames: int, reason: EndReason) -> None:
        self.window_end = frames
        self.reason = reason

    def to_record(self, rate: int, frames: int) -> ConversationTurn:
        turn = self.turn
        return ConversationTurn(
            number=self.number, id=self.id, condition=turn.when if turn else None,
            lines=tuple(line.text for line in self.track.lines), start_s=self.window_from / rate,
            end_s=self.window_to(frames) / rate,
            cut_at_s=self.end / rate if self.cut_by is not None else None,
            ends=not self.listens, reply=self.result, met=self.met)


def analyse_recording(recording: RoundAudio, recognizer: Recognizer, settings: Settings, *,
                      scenario_id: str = "", scenario_title: str = "", end_reason: EndReason | None = None,
                      stats: AudioStats | None = None, round_path: Path | None = None,
                      calibrated_latency_s: float | None = None,
                      live: HeardLive | None = None, follows_a_reply: bool = False,
                      cut_off_s: float | None = None) -> RoundResult:
    """Timings and transcript of a round recording, live or saved, or of one turn's stretch of a
    conversation: ``follows_a_reply`` for a later turn, whose stretch may begin with the end of
    the reply before it; ``cut_off_s`` where the customer was cut off (channel 1 goes on with
    what they said instead, which is not this turn's)."""
    began = time.perf_counter()
    timing = analyse_round(recording, settings, calibrated_latency_s)
    if cut_off_s is not None:
        timing = _cut_off(timing, cut_off_s, settings)
    if follows_a_reply:
        timing = _without_carried_over(timing, settings)
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


def _cut_off(timing: RoundTiming, cut_s: float, settings: Settings) -> RoundTiming:
    """The turn's customer ended where they were cut off (heard a loop latency later); the
    reply is the speech that ran on past that point."""
    heard_until = cut_s + timing.loop_latency_s
    lines = tuple(Span(s.start_s, min(s.end_s, heard_until)) for s in timing.customer_lines
                  if s.start_s < heard_until)
    if not lines:
        return timing
    reply = find_reply(list(timing.speech), lines[-1].end_s, settings.listening.end_silence_s,
                       settings.scoring.backchannel_max_s)
    return dataclasses.replace(timing, customer_lines=lines, reply=reply)


def _without_carried_over(timing: RoundTiming, settings: Settings) -> RoundTiming:
    """A later turn's timing without speech that began before the customer did and stopped
    while they spoke: the end of the previous reply (a trainee finishing a sentence over
    "Sorry, can I finish?"), not a new interruption. Speech that runs on past the customer
    stays: that talked over the whole turn."""
    if not timing.customer_lines:
        return timing
    began, ended = timing.customer_lines[0].start_s, timing.customer_lines[-1].end_s
    tolerance = settings.scoring.overlap_tolerance_s
    kept = [s for s in timing.speech if not (s.start_s < began and s.end_s < ended - tolerance)]
    if len(kept) == len(timing.speech):
        return timing
    reply = find_reply(kept, ended, settings.listening.end_silence_s, settings.scoring.backchannel_max_s)
    return dataclasses.replace(timing, speech=tuple(kept), reply=reply)


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
