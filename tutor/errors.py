"""The tutor's own errors: one tree, each a plain sentence a trainer can act on.

Every error the command line reports without a traceback derives from
:class:`TutorError`. Subclasses also inherit the matching built-in where one
fits, so callers that only know the built-in still catch them.
"""

from __future__ import annotations


class TutorError(Exception):
    """Base of every error the tutor reports to a person in one line."""

    exit_code = 1


class ConfigError(TutorError, ValueError):
    """A configuration file or flag has a value the tutor cannot use."""

    exit_code = 2


class ScenarioError(TutorError, ValueError):
    """A scenario file is missing, malformed, or names something that does not exist."""

    exit_code = 2


class UnknownScenarioError(ScenarioError, LookupError):
    """No scenario in the library has the requested id."""


class AudioFileError(TutorError, ValueError):
    """A sound file cannot be read or is not in a usable format."""

    exit_code = 2


class AudioDeviceError(TutorError, OSError):
    """The microphone or speaker is missing, busy, or stopped delivering audio."""

    exit_code = 3


class InputDeviceError(TutorError, OSError):
    """The badge reader or keypad is missing, unreadable (permissions) or stopped answering."""

    exit_code = 3


class VoiceError(TutorError, RuntimeError):
    """The text-to-speech engine failed or did not answer in time."""

    exit_code = 3


class RecognitionError(TutorError, RuntimeError):
    """The speech recognizer could not be loaded or failed on the audio."""

    exit_code = 3


class ModelError(TutorError, ValueError):
    """A speech model is not installed, is damaged, or its archive cannot be fetched or used;
    or the scorer's shipped meaning model or people nouns are damaged."""

    exit_code = 2


class StorageError(TutorError, OSError):
    """A file could not be written (disk full, read-only, no permission)."""

    exit_code = 4


class DiskFullError(StorageError):
    """The disk or the quota is full (ENOSPC, EDQUOT); never a folder that cannot be written."""


class HistoryError(TutorError, RuntimeError):
    """The history database cannot be opened, read or written (damaged, locked, newer, disk full)."""

    exit_code = 4


class NotInHistoryError(HistoryError, LookupError):
    """No trainee, station or session in the history has the name asked for."""

    exit_code = 2


class SessionError(HistoryError, ValueError):
    """An onboarding session cannot be started or ended as asked (name taken, another still open)."""

    exit_code = 2


class UsageError(TutorError, ValueError):
    """A command's flags do not go together, or one is out of range."""

    exit_code = 2
