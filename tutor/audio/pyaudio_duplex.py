"""The real sound card, through PyAudio (PortAudio).

Playback and capture share one full-duplex stream, so both run on one clock.
The stream callback runs on PortAudio's thread: it takes the next block from
the playback queue (:class:`~tutor.audio.playback.Playback`: the customer's lines,
which the round can add to or cut while the stream runs), queues the captured
block, and counts overflows and underruns; the main thread consumes the queue.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from tutor.audio import AudioStats
from tutor.audio.playback import Cue, Playback
from tutor.errors import AudioDeviceError
from tutor.settings import AudioSettings

_LOGGER = logging.getLogger(__name__)

# PortAudio status flags (portaudio.h)
_INPUT_OVERFLOW = 0x2
_OUTPUT_UNDERFLOW = 0x4


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Hide ALSA and JACK chatter that PortAudio prints while probing devices."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class PyAudioDuplex:
    """Full-duplex playback and capture on the station's sound card."""

    def __init__(self, settings: AudioSettings | None = None) -> None:
        self.settings = settings or AudioSettings()
        self.sample_rate = self.settings.sample_rate
        os.environ.setdefault("JACK_NO_START_SERVER", "1")
        try:
            import pyaudio
        except ImportError as exc:
            raise AudioDeviceError(f"PyAudio is not installed ({exc}); run the set-up command "
                                   "in the README, or use --simulate REPLY.wav") from None
        self._pyaudio = pyaudio
        with quiet_native_stderr():
            self._pa: Any = pyaudio.PyAudio()
        self._closed = False
        self.input_index = self._find(self.settings.input_device, "input")
        self.output_index = self._find(self.settings.output_device, "output")
        self._check_format()

    @property
    def device_name(self) -> str:
        names = {self._pa.get_device_info_by_index(i)["name"]
                 for i in (self.input_index, self.output_index)}
        return " / ".join(sorted(names))

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._pa.terminate()

    def __enter__(self) -> PyAudioDuplex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _find(self, wanted: str, direction: str) -> int:
        key = "maxInputChannels" if direction == "input" else "maxOutputChannels"
        devices = [self._pa.get_device_info_by_index(i) for i in range(self._pa.get_device_count())]
        usable = [d for d in devices if d[key] > 0]
        what = "microphone" if direction == "input" else "speaker"
        if not usable:
            raise AudioDeviceError(
                f"no {what} found: plug in a USB {what} (check `arecord -l` / `aplay -l`), "
                "or run with --simulate REPLY.wav")
        if wanted.strip().isdigit():
            index = int(wanted)
            if any(d["index"] == index for d in usable):
                return index
            raise AudioDeviceError(f"no {what} with index {index}; `tutor devices` lists them")
        if wanted:
            for device in usable:
                if wanted.lower() in device["name"].lower():
                    return int(device["index"])
            raise AudioDeviceError(f"no {what} named like '{wanted}'; `tutor devices` lists them")
        try:
            info = (self._pa.get_default_input_device_info() if direction == "input"
                    else self._pa.get_default_output_device_info())
            return int(info["index"])
        except OSError:
            return int(usable[0]["index"])

    def _check_format(self) -> None:
        try:
            self._pa.is_format_supported(
                self.sample_rate,
                input_device=self.input_index, input_channels=1, input_format=self._pyaudio.paInt16,
                output_device=self.output_index, output_channels=1,
                output_format=self._pyaudio.paInt16)
        except ValueError as exc:
            raise AudioDeviceError(
                f"sound device '{self.device_name}' cannot play and record 16-bit mono at "
                f"{self.sample_rate} Hz ({exc}); choose its 'plughw' or 'default' entry "
                "in audio.input_device / audio.output_device") from None

    def start(self, playback: np.ndarray, max_frames: int) -> _PyAudioSession:
        session = _PyAudioSession(playback, max_frames, self.sample_rate, self.settings)
        session.stats.device = self.device_name
        block = self.sample_rate * self.settings.block_ms // 1000
        try:
            with quiet_native_stderr():
                session.stream = self._pa.open(
                    format=self._pyaudio.paInt16, channels=1, rate=self.sample_rate,
                    input=True, output=True, input_device_index=self.input_index,
                    output_device_index=self.output_index, frames_per_buffer=block,
                    stream_callback=session.callback)
        except OSError as exc:
            raise AudioDeviceError(
                f"could not open '{self.device_name}' ({exc}); is it plugged in and not "
                "in use by another program?") from None
        return session


class _PyAudioSession:
    def __init__(self, playback: np.ndarray, max_frames: int, sample_rate: int,
                 settings: AudioSettings) -> None:
        import pyaudio

        self._continue = pyaudio.paContinue
        self._complete = pyaudio.paComplete
        self._playback = Playback(playback.astype(np.int16, copy=False))
        self._max_frames = max_frames
        self._position = 0
        self._captured: queue.Queue[np.ndarray | None] = queue.Queue()
        self._stopping = threading.Event()
        self._stall_s = settings.stall_timeout_s
        self.stream: Any = None
        self.stats = AudioStats()

    def callback(self, in_data: bytes | None, frame_count: int, time_info: Any,
                 status: int) -> tuple[bytes, int]:
        if status & _INPUT_OVERFLOW:
            self.stats.input_overflows += 1
        if status & _OUTPUT_UNDERFLOW:
            self.stats.output_underflows += 1
        out = self._playback.read(frame_count).astype("<i2", copy=False)
        captured = (np.frombuffer(in_data, dtype="<i2").copy() if in_data
                    else np.zeros(frame_count, dtype="<i2"))
        self._position += frame_count
        self.stats.blocks += 1
        self._captured.put(captured)
        done = self._stopping.is_set() or self._position >= self._max_frames
        if done:
            self._captured.put(None)
        return out.tobytes(), self._complete if done else self._continue

    def blocks(self) -> Iterator[np.ndarray]:
        delivered = 0
        while delivered < self._max_frames:
            try:
                block = self._captured.get(timeout=self._stall_s)
            except queue.Empty:
                raise AudioDeviceError(
                    f"the microphone stopped delivering audio for {self._stall_s:g} s; "
                    "check that it is plugged in") from None
            if block is None:
                return
            delivered += len(block)
            yield block[: self._max_frames - delivered + len(block)]

    def play(self, samples: np.ndarray) -> Cue:
        return self._playback.queue(samples)

    def interrupt(self, samples: np.ndarray) -> Cue:
        return self._playback.replace(samples)

    def played(self, start: int = 0, end: int | None = None) -> np.ndarray:
        return self._playback.sent(start, end)

    def stop(self) -> None:
        self._stopping.set()
        if self.stream is not None:
            stream, self.stream = self.stream, None
            with contextlib.suppress(OSError):
                stream.stop_stream()
            stream.close()

    def __enter__(self) -> _PyAudioSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def list_devices() -> list[dict[str, Any]]:
    """Every PortAudio device with its channel counts, for `tutor devices`."""
    os.environ.setdefault("JACK_NO_START_SERVER", "1")
    import pyaudio

    with quiet_native_stderr():
        pa = pyaudio.PyAudio()
    try:
        return [pa.get_device_info_by_index(i) for i in range(pa.get_device_count())]
    finally:
        pa.terminate()
