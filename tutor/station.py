"""`tutor run`: the station assembled from its parts, under systemd or by hand.

The service never imports systemd: :class:`~tutor.service.Notifier` speaks its
notify protocol when ``$NOTIFY_SOCKET`` is set. READY=1 goes out once the
models are loaded and the lights are up; SIGTERM ends the current step,
sends STOPPING=1 and exits cleanly.

Who is practising (``kiosk.identify``) is read from the badge reader as an input
device under systemd, and typed on stdin at a terminal or with ``--simulate``. At
a terminal the round is shown as `tutor practice` shows it; under systemd it is
not, because the journal would keep the trainee's words past the history's
retention period.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from tutor.app import App, SimulatedReply
from tutor.identify import EvdevBadgeReader, TraineeIdSource, TypedLines
from tutor.kiosk import GUEST, Kiosk, StopRequested
from tutor.lights import Lights, Press, open_lights
from tutor.lights.console import ConsoleLights
from tutor.round import RoundResult
from tutor.service import Notifier, Watchdog
from tutor.settings import Identify, Settings
from tutor.terminal import printable
from tutor.vocabulary import Phase

_LOGGER = logging.getLogger(__name__)


def run_station(settings: Settings, *, simulate: SimulatedReply | None = None, rounds: int | None = None,
                trainee: str = GUEST, echo: Callable[[str], None] | None = None) -> int:
    """Run the kiosk loop; returns the process exit status."""
    # each line when it happens, even into a pipe or the journal: a prompt must not wait in a buffer
    echo = echo or functools.partial(print, flush=True)
    from tutor.voice import EspeakSynthesizer

    started = time.monotonic()
    notifier = Notifier()
    watchdog = Watchdog(notifier).start()
    lights: Lights | None = None
    kiosk: Kiosk | None = None
    trainee_ids: TraineeIdSource | None = None

    stop = threading.Event()
    looping = False

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        # only a flag while starting: raising inside an import or a library's set-up leaves it
        # half done and prints a traceback; once the loop runs, raising ends the current step
        stop.set()
        if kiosk is not None:
            kiosk.stop()
        if looping:
            raise StopRequested

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        app = App(settings)
        chooser = app.chooser()
        recognizer = app.recognizer()
        load_what_rounds_use(settings, sound_card=simulate is None)
        app.tidy_history()
        if stop.is_set():
            return 0
        lights = ConsoleLights(echo) if simulate is not None else open_lights(settings.gpio, echo)
        at_terminal = simulate is not None or _is_terminal(sys.stdout)
        with EspeakSynthesizer(settings.voice) as synthesizer:
            kiosk = Kiosk(settings=settings, lights=lights, synthesizer=synthesizer, recognizer=recognizer,
                          open_audio=app.audio_opener(simulate), chooser=chooser, watchdog=watchdog,
                          after_round=app.after_round, trainee=trainee,
                          on_state=lambda state: notifier.status(state.value),
                          say=lambda text: echo(f"station: {printable(text)}"),
                          calibrated_latency_s=app.calibrated_latency_s)
            if at_terminal:
                kiosk.on_round_event = _show_round_event(echo)
                kiosk.on_result = _show_result(echo)
            enter_is_button = lights if isinstance(lights, ConsoleLights) and simulate is None else None
            trainee_ids = _trainee_ids(settings, enter_is_button, simulate is not None, echo)
            kiosk.trainee_ids = trainee_ids
            if enter_is_button is not None and not isinstance(trainee_ids, TypedLines):
                _read_enter_as_button(enter_is_button, echo)
            if stop.is_set():
                return 0
            notifier.ready(f"ready in {time.monotonic() - started:.1f} s")
            _LOGGER.info("ready in %.1f s", time.monotonic() - started)
            looping = True
            done = kiosk.run(rounds=rounds, wait_for_button=simulate is None)
            looping = False
        recognizer.close()
        echo(f"station: {done} round(s), {kiosk.faults} fault(s)")
        return 0
    except StopRequested:
        return 0
    finally:
        notifier.stopping()
        signal.signal(signal.SIGTERM, previous)
        watchdog.close()
        if trainee_ids is not None:
            trainee_ids.close()
        if lights is not None:
            lights.close()
        notifier.close()


def load_what_rounds_use(settings: Settings, *, sound_card: bool) -> None:
    """Import, before READY=1, every module a round would otherwise import on first use.

    A stop request during the first round then never lands inside an import,
    and the first round is as quick as the others.
    """
    import importlib

    from tutor.listening.suppress import NoiseSuppressor
    from tutor.listening.vad import VoiceDetector

    VoiceDetector(settings.audio.sample_rate, settings.listening.vad_aggressiveness)
    NoiseSuppressor(settings.audio.sample_rate, settings.recognition.noise_suppression)
    for module in ("tutor.history", "tutor.history.progress", "tutor.feedback", "tutor.scoring",
                   "tutor.listening.analysis", "tutor.audio.wavfile"):
        importlib.import_module(module)
    from tutor.scoring.meaning import meaning_model
    from tutor.scoring.moves import prepare_moves

    meaning_model()  # about 0.2 s; a damaged file stops the station here, in one line
    prepare_moves()  # the people nouns, likewise
    if sound_card:
        importlib.import_module("tutor.audio.pyaudio_duplex")
        # without it, the sound card's own open says what is missing, as a fault the station survives
        with contextlib.suppress(ImportError):
            importlib.import_module("pyaudio")


def _read_enter_as_button(lights: ConsoleLights, echo: Callable[[str], None]) -> None:
    """No GPIO button: Enter on the terminal starts a round ("r" Enter repeats the last)."""
    if not _is_terminal(sys.stdin):
        return
    echo(_ENTER_IS_BUTTON)

    def read() -> None:
        for line in sys.stdin:
            _press_for(lights, line)

    threading.Thread(target=read, name="keyboard", daemon=True).start()


_ENTER_IS_BUTTON = "station: no button found; press Enter to start a round, r then Enter to repeat one"


def _press_for(lights: ConsoleLights, line: str) -> None:
    lights.press(Press.LONG if line.strip().lower() == "r" else Press.SHORT)


def _is_terminal(stream: Any) -> bool:
    return bool(stream) and not stream.closed and stream.isatty()


def _trainee_ids(settings: Settings, enter_is_button: ConsoleLights | None, simulated: bool,
                 echo: Callable[[str], None]) -> TraineeIdSource | None:
    """Where trainee ids come from: lines on stdin at a terminal or with --simulate (unless a
    badge reader is named), else the badge reader as an input device. None when not asked."""
    kiosk = settings.kiosk
    typed = (simulated or _is_terminal(sys.stdin)) and not kiosk.badge_device
    if kiosk.identify is Identify.OFF:
        return None
    if not typed:
        return EvdevBadgeReader(kiosk.badge_device)
    if sys.stdin is None or sys.stdin.closed:
        return None  # the kiosk says plainly that there is nothing to read an id from
    lines = TypedLines(sys.stdin, (lambda line: _press_for(enter_is_button, line)) if enter_is_button
                       else (lambda line: None))
    if enter_is_button and _is_terminal(sys.stdin):
        echo(_ENTER_IS_BUTTON)
    return lines.start()


def _show_round_event(echo: Callable[[str], None]) -> Callable[[Phase, dict[str, Any]], None]:
    """The round's cues as they happen, as `tutor practice` prints them."""
    def show(phase: Phase, data: dict[str, Any]) -> None:
        if phase is Phase.CUSTOMER_SPEAKING and "title" in data:
            echo(f"Customer ({printable(str(data['title']))}):")
        elif phase is Phase.CUSTOMER_SPEAKING and "line" in data:
            echo(f"  \"{printable(str(data['text']))}\"")
        elif phase is Phase.LISTENING:
            echo("Your turn: answer out loud.")
        elif phase is Phase.THINKING:
            echo("Thinking...")

    return show


def _show_result(echo: Callable[[str], None]) -> Callable[[RoundResult], None]:
    def show(result: RoundResult) -> None:
        from tutor.feedback import format_round

        echo(printable(format_round(result), newlines=True))

    return show
