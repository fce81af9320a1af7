"""`tutor run`: the station assembled from its parts, under systemd or by hand.

The service never imports systemd: :class:`~tutor.service.Notifier` speaks its
notify protocol when ``$NOTIFY_SOCKET`` is set. READY=1 goes out once the
models are loaded and the lights are up; SIGTERM ends the current step,
sends STOPPING=1 and exits cleanly.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

from tutor.app import App, SimulatedReply
from tutor.kiosk import Kiosk, StopRequested
from tutor.lights import Lights, Press, open_lights
from tutor.lights.console import ConsoleLights
from tutor.service import Notifier, Watchdog
from tutor.settings import Settings
from tutor.terminal import printable

_LOGGER = logging.getLogger(__name__)


def run_station(settings: Settings, *, simulate: SimulatedReply | None = None, rounds: int | None = None,
                trainee: str = "guest", echo: Callable[[str], None] = print) -> int:
    """Run the kiosk loop; returns the process exit status."""
    from tutor.voice import EspeakSynthesizer

    started = time.monotonic()
    notifier = Notifier()
    watchdog = Watchdog(notifier).start()
    lights: Lights | None = None
    kiosk: Kiosk | None = None

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
        _load_what_rounds_use(settings, sound_card=simulate is None)
        app.tidy_history()
        if stop.is_set():
            return 0
        lights = ConsoleLights(echo) if simulate is not None else open_lights(settings.gpio, echo)
        with EspeakSynthesizer(settings.voice) as synthesizer:
            kiosk = Kiosk(settings=settings, lights=lights, synthesizer=synthesizer, recognizer=recognizer,
                          open_audio=app.audio_opener(simulate), chooser=chooser, watchdog=watchdog,
                          after_round=app.after_round(trainee),
                          on_state=lambda state: notifier.status(state.value),
                          say=lambda text: echo(f"station: {printable(text)}"),
                          calibrated_latency_s=app.calibrated_latency_s)
            if isinstance(lights, ConsoleLights) and simulate is None:
                _read_enter_as_button(lights, echo)
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
        if lights is not None:
            lights.close()
        notifier.close()


def _load_what_rounds_use(settings: Settings, *, sound_card: bool) -> None:
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
    if sound_card:
        importlib.import_module("tutor.audio.pyaudio_duplex")
        # without it, the sound card's own open says what is missing, as a fault the station survives
        with contextlib.suppress(ImportError):
            importlib.import_module("pyaudio")


def _read_enter_as_button(lights: ConsoleLights, echo: Callable[[str], None]) -> None:
    """No GPIO button: Enter on the terminal starts a round ("r" Enter repeats the last)."""
    if not sys.stdin or not sys.stdin.isatty():
        return
    echo("station: no button found; press Enter to start a round, r then Enter to repeat one")

    def read() -> None:
        for line in sys.stdin:
            lights.press(Press.LONG if line.strip().lower() == "r" else Press.SHORT)

    threading.Thread(target=read, name="keyboard", daemon=True).start()
