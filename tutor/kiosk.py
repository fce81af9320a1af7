"""The unattended station: idle, button, a scenario, the round, feedback, and back to idle.

Every state has a time limit, handed to the watchdog: a step that hangs stops
the pings and systemd restarts the station. Faults (no microphone, a hung
voice, a failing recognizer, a full disk) show the error pattern, say one
plain sentence, wait, and try again: the station never needs a restart to
recover once the cause is gone.

After a round the result LEDs change as soon as the scores are known; the spoken
feedback's first sentence is rendered alone and plays while the rest is rendered, so
the trainee hears the station about as soon as the lights change.

Before each round the station may ask who is practising (``kiosk.identify``): a badge
reader, a keypad or a terminal answers through a :class:`~tutor.identify.TraineeIdSource`,
and each round is recorded for the trainee identified for it.
"""

from __future__ import annotations

import functools
import logging
import queue
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from tutor.audio import DuplexAudio
from tutor.errors import ConfigError, InputDeviceError, StorageError, TutorError
from tutor.feedback import compose_round_feedback, results_for_round
from tutor.lights import Lights, Press
from tutor.recognition import Recognizer
from tutor.round import PracticeRound, RoundResult
from tutor.scenarios import Scenario, ScenarioLibrary
from tutor.service import NO_LIMIT, Watchdog
from tutor.settings import Identify, ScenarioOrder, Settings
from tutor.vocabulary import LIT_HABITS, Phase
from tutor.voice import Synthesizer

if TYPE_CHECKING:
    from tutor.identify import TraineeIdSource

_LOGGER = logging.getLogger(__name__)

GUEST = "guest"
ID_ATTEMPTS = 3  # a mistyped id is asked for again, this many tries in all
ASK_FOR_ID = "Scan your badge or type your number, then press Enter."
# between the first sentence of the feedback, rendered alone, and the rest: espeak-ng's own
# pause between two sentences at the station's rate (0.33 s measured, less the margins that
# trimming leaves on either side)
SENTENCE_PAUSE_S: Final = 0.3
_FIRST_SENTENCE: Final = re.compile(r"(.+?[.!?])\s+(?=\S)(.*)", re.DOTALL)


class StopRequested(Exception):
    """The service was asked to stop (SIGTERM): leave the loop cleanly."""


# what to say when a step fails; the error's own message goes to the log
_PLAIN_WORDS = {
    "AudioDeviceError": "I can't reach the microphone or the speaker. Please check they are plugged in.",
    "VoiceError": "My voice isn't working right now. I'll try again in a moment.",
    "RecognitionError": "I couldn't understand the recording this time. Let's try again.",
    "DiskFullError": "The disk is full, so I couldn't save that round.",
    "StorageError": "I couldn't save that round: the station's data folder can't be written.",
    "InputDeviceError": "I can't read the badge reader. Please check it is plugged in.",
}


class ScenarioChooser:
    """The configured scenarios in order, or at random but never the same twice in a row."""

    def __init__(self, library: ScenarioLibrary, ids: Sequence[str], order: ScenarioOrder | str,
                 rng: random.Random | None = None) -> None:
        try:
            self._order = ScenarioOrder(order)
        except ValueError:
            raise ConfigError(f"kiosk.order must be 'random' or 'sequence', not '{order}'") from None
        self._scenarios = [library.get(i) for i in ids] if ids else list(library)
        if not self._scenarios:
            raise ConfigError("no scenarios to practise: the library is empty")
        self._rng = rng or random.Random()
        self._next = 0
        self.last: Scenario | None = None

    def choose(self) -> Scenario:
        if self._order is ScenarioOrder.SEQUENCE:
            scenario = self._scenarios[self._next % len(self._scenarios)]
            self._next += 1
        else:
            choices = [s for s in self._scenarios if s is not self.last] or self._scenarios
            scenario = self._rng.choice(choices)
        self.last = scenario
        return scenario


@dataclass
class Kiosk:
    """The station's loop, on the parts it is given."""

    settings: Settings
    lights: Lights
    synthesizer: Synthesizer
    recognizer: Recognizer
    open_audio: Callable[[], DuplexAudio]  # a fresh device each round, so replugging recovers
    chooser: ScenarioChooser
    watchdog: Watchdog | None = None
    # history: record the round for the trainee; a remark on their progress
    after_round: Callable[[RoundResult, str], str | None] = lambda result, trainee: None
    on_state: Callable[[Phase], None] = lambda state: None
    say: Callable[[str], None] = lambda text: None  # what the station says, as text (console, log)
    # the round's own events (customer lines, listening, thinking) for a terminal to show; the
    # opening CUSTOMER_SPEAKING event also carries the scenario's "title"
    on_round_event: Callable[[Phase, dict[str, Any]], None] = lambda phase, data: None
    on_result: Callable[[RoundResult], None] = lambda result: None  # each round, before its feedback
    trainee: str = GUEST  # whose rounds they are when nobody is asked (kiosk.identify = "off")
    trainee_ids: TraineeIdSource | None = None  # where ids come from when kiosk.identify asks
    calibrated_latency_s: float | None = None
    state: Phase = Phase.IDLE
    rounds_done: int = 0
    faults: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, rounds: int | None = None, wait_for_button: bool = True) -> int:
        """Run until stopped (or ``rounds`` rounds are done); returns the rounds completed."""
        repeat: Scenario | None = None
        try:
            while not self.stopping and (rounds is None or self.rounds_done < rounds):
                if wait_for_button:
                    press = self._wait_for_press()
                    if press is None:
                        break
                    if press is Press.LONG and self.chooser.last is not None:
                        repeat = self.chooser.last
                try:
                    trainee = self._who_is_practising()
                    if trainee is None:
                        continue  # "required" and nobody identified: back to idle
                    scenario = repeat or self.chooser.choose()
                    repeat = None
                    repeat = self._round(scenario, trainee)
                except StopRequested:
                    raise
                except TutorError as exc:
                    self._fault(exc)
        except StopRequested:
            _LOGGER.info("stopping")
        self._enter(Phase.IDLE, NO_LIMIT)
        return self.rounds_done

    def _who_is_practising(self) -> str | None:
        """The trainee for the next round: asked for when ``kiosk.identify`` says so; None
        when an id is required and none was given."""
        kiosk = self.settings.kiosk
        if kiosk.identify is Identify.OFF:
            return self.trainee
        from tutor.history import validate_name

        required = kiosk.identify is Identify.REQUIRED
        if self.watchdog is not None:  # each try: the prompt said, then the wait
            self.watchdog.expect("identifying", ID_ATTEMPTS * (kiosk.identify_timeout_s
                                                               + self.settings.voice.timeout_s + 20.0))
        if self.trainee_ids is None:
            raise InputDeviceError("kiosk.identify asks who is practising, but the station has no "
                                   "badge reader, keypad or terminal to read an id from")
        for attempt in range(ID_ATTEMPTS):
            words = ASK_FOR_ID if attempt == 0 else "Please scan your badge or type your number again."
            try:
                typed = self.trainee_ids.read_id(kiosk.identify_timeout_s, self._stop,
                                                 prompt=functools.partial(self._tell, words))
            except InputDeviceError as exc:
                if required:
                    raise
                _LOGGER.warning("%s", exc)
                self._tell("I can't read the badge reader, so this round is for a guest.")
                return GUEST
            if self.stopping:
                raise StopRequested
            if typed is None:
                if required:
                    self._tell("No badge was read. Press the button to try again.")
                    return None
                self._tell("Nothing was scanned, so this round is for a guest.")
                return GUEST
            if not typed.strip() and not required:
                self._tell("This round is for a guest.")  # Enter alone: no id, on purpose
                return GUEST
            try:
                trainee = validate_name(typed)
            except ConfigError as exc:
                _LOGGER.info("%s", exc)
                self.say(f"{exc}")
                self._tell("I couldn't use that id.")
                continue
            self.say(f"practising as {trainee}")
            self._tell("Thank you.")
            return trainee
        if required:
            self._tell("I couldn't read an id. Press the button to try again.")
            return None
        self._tell("I couldn't read an id, so this round is for a guest.")
        return GUEST

    def _tell(self, words: str) -> None:
        """Say ``words`` as text and out loud; a voice that fails costs the words, not the round."""
        self.say(words)
        self._try_to_say(words)

    def _round(self, scenario: Scenario, trainee: str) -> Scenario | None:
        """One round and its feedback; the scenario to repeat if a long press asked for it."""
        # a minute plus 5 characters a second, a third of speaking speed: room for pauses and rendering
        self._enter(Phase.CUSTOMER_SPEAKING, 60.0 + sum(len(line.text) for line in scenario.lines) / 5)
        audio = self.open_audio()
        try:

            def on_event(phase: Phase, data: dict[str, Any]) -> None:
                self._on_round_event(phase, {**data, "title": scenario.title} if "lines" in data else data)

            practice = PracticeRound(audio=audio, recognizer=self.recognizer, synthesizer=self.synthesizer,
                                     settings=self.settings, on_event=on_event,
                                     calibrated_latency_s=self.calibrated_latency_s)
            result = practice.run(scenario)
            self.rounds_done += 1
            self._show_results(result)  # before the history: the lights change as soon as scores are known
            progress = self._after_round(result, trainee)
            self.on_result(result)
            return self._feedback(audio, result, progress, scenario)
        finally:
            audio.close()

    def _on_round_event(self, phase: Phase, data: dict[str, Any]) -> None:
        if self.stopping:
            raise StopRequested
        listening = self.settings.listening
        if phase is Phase.CUSTOMER_SPEAKING and "turn" in data and "line" not in data:
            # the customer answers back: a later turn, as long as its lines and a minute to spare
            self._enter(Phase.CUSTOMER_SPEAKING, 60.0 + float(data.get("seconds", 0.0)))
        elif phase is Phase.LISTENING:
            self._enter(Phase.LISTENING, listening.no_reply_timeout_s + listening.max_reply_s
                        + listening.end_silence_s + 10.0)
        elif phase is Phase.THINKING:
            self._enter(Phase.THINKING, 30.0 + 2.0 * listening.max_reply_s)
        self.on_round_event(phase, data)

    def _after_round(self, result: RoundResult, trainee: str) -> str | None:
        try:
            return self.after_round(result, trainee)
        except TutorError as exc:  # history is worth keeping, but never worth the round
            _LOGGER.warning("%s", exc)
            return None

    def _show_results(self, result: RoundResult) -> None:
        kiosk = self.settings.kiosk
        # the history is recorded in this state too, and the feedback is rendered in two parts
        self._enter(Phase.FEEDBACK, 2 * self.settings.voice.timeout_s + kiosk.max_feedback_s + 30.0)
        if result.score is not None:
            self.lights.show_results(results_for_round(result))

    def _feedback(self, audio: DuplexAudio, result: RoundResult, progress: str | None,
                  scenario: Scenario) -> Scenario | None:
        kiosk = self.settings.kiosk
        card = result.score
        if card is None:
            return None
        text = compose_round_feedback(result, progress, kiosk.max_feedback_s)
        if result.save_error:
            text = f"{_PLAIN_WORDS['DiskFullError' if result.disk_full else 'StorageError']} {text}"
        self.say(text)
        if not kiosk.spoken_feedback:
            return None
        press = self._speak(audio, text)
        return scenario if press is Press.LONG else None

    def _speak(self, audio: DuplexAudio, text: str) -> Press | None:
        """Say ``text``: its first sentence is rendered alone and plays while the rest is rendered.

        A press during the first sentence stops it and the rest is not played; a voice that
        fails on the rest raises once the first sentence has been said.
        """
        rate = audio.sample_rate
        first, rest = _split_first_sentence(text)
        samples = self.synthesizer.render(first, rate)
        if not rest:
            return self.play(audio, samples)
        pause = np.zeros(round(SENTENCE_PAUSE_S * rate), dtype=samples.dtype)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="feedback-voice") as pool:
            ahead = pool.submit(self.synthesizer.render, rest, rate)
            press = self.play(audio, np.concatenate([samples, pause]))  # on an error, the pool waits for it
        if press is None:
            return self.play(audio, ahead.result())
        if ahead.exception() is not None:  # a press stopped the feedback: the rest was not wanted anyway
            _LOGGER.warning("the rest of the feedback could not be rendered (%s)", ahead.exception())
        return press

    def play(self, audio: DuplexAudio, samples: np.ndarray) -> Press | None:
        """Play ``samples``; a press stops it (and is returned)."""
        session = audio.start(samples, len(samples))
        try:
            for _ in session.blocks():
                if self.stopping:
                    raise StopRequested
                try:
                    return self.lights.presses().get_nowait()
                except queue.Empty:
                    continue
        finally:
            session.stop()
        return None

    def _fault(self, exc: TutorError) -> None:
        self.faults += 1
        _LOGGER.error("%s", exc)
        self._enter(Phase.ERROR, self.settings.kiosk.retry_after_error_s + self.settings.voice.timeout_s
                    + 30.0)
        words = _PLAIN_WORDS.get(type(exc).__name__, "Something went wrong. I'll try again in a moment.")
        self.say(words)
        if not isinstance(exc, StorageError):
            self._try_to_say(words)
        self._stop.wait(self.settings.kiosk.retry_after_error_s)

    def _try_to_say(self, words: str) -> None:
        try:
            audio = self.open_audio()
        except TutorError:
            return  # no speaker: the lights and the log carry the message
        try:
            self.play(audio, self.synthesizer.render(words, audio.sample_rate))
        except TutorError as exc:
            _LOGGER.warning("could not say it (%s)", exc)
        finally:
            audio.close()

    def _wait_for_press(self) -> Press | None:
        self._enter(Phase.IDLE, NO_LIMIT)
        presses = self.lights.presses()
        while not presses.empty():  # presses made during the round or feedback are spent
            presses.get_nowait()
        shown_until = time.monotonic() + self.settings.kiosk.results_shown_s
        cleared = False
        while not self.stopping:
            try:
                return presses.get(timeout=0.2)
            except queue.Empty:
                if not cleared and time.monotonic() > shown_until:
                    self.lights.show_results(dict.fromkeys(LIT_HABITS))
                    cleared = True
        return None

    def _enter(self, state: Phase, limit_s: float) -> None:
        self.state = state
        if self.watchdog is not None:
            self.watchdog.expect(state.value, limit_s)
        self.lights.show(state)
        self.on_state(state)


def _split_first_sentence(text: str) -> tuple[str, str]:
    """The first sentence of ``text`` and the rest ("" when it is one sentence)."""
    found = _FIRST_SENTENCE.fullmatch(text.strip())
    return (found[1], found[2]) if found else (text, "")
