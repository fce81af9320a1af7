"""Where the station is assembled: every part a round needs, built once from the settings.

The command line (`tutor practice`, `tutor score`, `tutor run`) and the unattended
station only call this; none of them builds a scenario library, a sound device, a
recognizer or a history record of its own, so a round played either way is the same
round. Heavy parts (the recognizer, the sound card, the history) are imported when they
are first asked for, so `tutor --help` and `tutor scenarios` stay quick.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.errors import TutorError

if TYPE_CHECKING:
    import numpy as np

    from tutor.audio import DuplexAudio
    from tutor.kiosk import ScenarioChooser
    from tutor.recognition import Recognizer
    from tutor.round import PracticeRound, RoundResult
    from tutor.scenarios import Scenario, ScenarioLibrary
    from tutor.settings import Settings
    from tutor.vocabulary import Phase
    from tutor.voice import Synthesizer

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class SimulatedReply:
    """No sound card: every round's microphone hears this reply (int16 at the station's rate),
    and in a conversation the ``later`` replies to the customer's later turns, one each."""

    samples: np.ndarray
    reply_at_s: float  # after the customer's last line ends; negative talks over it
    fast: bool = False  # faster than real time
    later: tuple[tuple[np.ndarray, float], ...] = ()  # each later reply and its reply_at_s


@dataclass(frozen=True)
class Recorded:
    """A round as the history keeps it: its id (None with history off) and the round with
    its recording where it now is (None once the history no longer needs the file)."""

    round_id: int | None
    result: RoundResult


@dataclass
class App:
    """The station's parts for these settings."""

    settings: Settings

    @functools.cached_property
    def library(self) -> ScenarioLibrary:
        from tutor.scenarios import ScenarioLibrary

        return ScenarioLibrary(tuple(Path(d).expanduser() for d in self.settings.storage.scenario_dirs))

    def session_scenarios(self) -> tuple[str, ...]:
        """The open session's scenarios, if any. An unreadable history is reported when the
        round is recorded; here it only means no session, so it never stops a round."""
        from tutor.history import History, database_path

        if not self.settings.history.enabled or not database_path(self.settings).exists():
            return ()
        try:
            with History.open(self.settings, create=False) as history:
                current = history.current_session()
        except TutorError as exc:
            _LOGGER.info("no session scenarios: %s", exc)
            return ()
        return current.scenarios if current else ()

    def scenario(self, requested: str | None = None) -> Scenario:
        """The scenario asked for (an id or a file), else one of the open session's, else any."""
        if requested:
            return self.library.resolve(requested)
        if ids := self.session_scenarios():
            return self.library.get(random.choice(ids))
        playable = list(self.library)  # a file that does not load is skipped with a warning
        if not playable:
            raise TutorError("the scenario library is empty")
        return random.choice(playable)

    def chooser(self) -> ScenarioChooser:
        """The unattended station's scenarios: ``kiosk.scenarios`` in ``kiosk.order``."""
        from tutor.kiosk import ScenarioChooser

        kiosk = self.settings.kiosk
        return ScenarioChooser(self.library, kiosk.scenarios, kiosk.order)

    def recognizer(self, sample_rate: int | None = None) -> Recognizer:
        """The recognizer the settings choose, loaded, for audio at ``sample_rate`` (default:
        the station's)."""
        from tutor.recognition import make_recognizer

        return make_recognizer(self.settings, sample_rate or self.settings.audio.sample_rate)

    def audio_opener(self, simulated: SimulatedReply | None = None) -> Callable[[], DuplexAudio]:
        """A fresh sound device for each round (so replugging recovers), or the simulation."""
        settings = self.settings
        if simulated is not None:
            from tutor.audio.simulated import SimulatedDuplex

            simulation = dataclasses.replace(settings.simulate,
                                             realtime=settings.simulate.realtime and not simulated.fast)

            def simulated_station() -> DuplexAudio:
                return SimulatedDuplex(simulated.samples, settings.audio.sample_rate,
                                       reply_at_s=simulated.reply_at_s, settings=simulation,
                                       block_ms=settings.audio.block_ms, later_replies=simulated.later)

            return simulated_station

        def sound_card() -> DuplexAudio:
            from tutor.audio.pyaudio_duplex import PyAudioDuplex

            return PyAudioDuplex(settings.audio)

        return sound_card

    @functools.cached_property
    def calibrated_latency_s(self) -> float | None:
        """The loop latency `tutor calibrate` stored, if the station has been calibrated."""
        from tutor.calibration import calibrated_latency_s

        return calibrated_latency_s(self.settings)

    def practice_round(self, audio: DuplexAudio, recognizer: Recognizer, synthesizer: Synthesizer,
                       on_event: Callable[[Phase, dict[str, object]], None]) -> PracticeRound:
        from tutor.round import PracticeRound

        return PracticeRound(audio=audio, recognizer=recognizer, synthesizer=synthesizer,
                             settings=self.settings, calibrated_latency_s=self.calibrated_latency_s,
                             on_event=on_event)

    def record(self, result: RoundResult, trainee: str, *, keep_file: bool = False) -> Recorded:
        """Record a scored round in the history. A failure raises HistoryError and loses
        nothing: the round and its recording stay as they were."""
        from tutor.history import record_round

        round_id, recording = record_round(self.settings, result, trainee, keep_file=keep_file)
        if recording != result.round_path:
            result = result.saved(recording, result.save_error, result.disk_full)
        return Recorded(round_id, result)

    def tidy_history(self) -> None:
        """At start-up: rounds past their retention period lose their words and recordings.
        A history that cannot be opened costs the history, never the station."""
        from tutor.history import History

        if not self.settings.history.enabled:
            return
        try:
            with History.open(self.settings) as history:
                history.purge()
        except TutorError as exc:
            _LOGGER.warning("%s", exc)

    def after_round(self, result: RoundResult, trainee: str) -> str | None:
        """For the station: record a round for the trainee who played it (identified before
        the round, or `tutor run --trainee`); a remark on their progress, if any."""
        from tutor.history import History, progress_remark

        if self.record(result, trainee).round_id is None:
            return None
        with History.open(self.settings) as history:
            return progress_remark(history.rounds(trainee=trainee), trainee)
