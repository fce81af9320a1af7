"""Names that cross the stages of the pipeline, one enum per idea.

A round's phase is the round's event, the kiosk's state, the service's status line and
the status LED's pattern; a habit is a judgement of the scorer, a line of the feedback,
a result LED, a column of the history and a row of the report. Each is spelled once,
here, so the stages cannot drift apart. This module imports nothing, so the lights and
the kiosk can use it without loading the scorer.
"""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    IDLE = "idle"  # waiting for the button; last round's results on the LEDs
    CUSTOMER_SPEAKING = "customer_speaking"
    LISTENING = "listening"  # the customer has finished; waiting for the reply
    REPLY_HEARD = "reply_heard"  # still listening: the reply has begun
    THINKING = "thinking"  # recognising and scoring
    FEEDBACK = "feedback"
    ERROR = "error"


class Habit(StrEnum):
    """What the station judges in a reply, in the order a report lists them."""

    PAUSE = "pause"
    INTERRUPTIONS = "interruptions"
    PARAPHRASE = "paraphrase"
    EMPATHY = "empathy"
    OPEN_QUESTION = "open_question"

    @property
    def label(self) -> str:
        """The habit's name for a person."""
        return _LABELS.get(self, self.value)

    @property
    def trait_key(self) -> str:
        """The key of the habit's judgement in a round's JSON (the overlaps themselves are
        listed under ``interruptions``)."""
        return "turn_taking" if self is Habit.INTERRUPTIONS else self.value


class PauseVerdict(StrEnum):
    """The pause's band, from the customer's last word to the reply's first."""

    NO_REPLY = "no_reply"
    TALKED_OVER = "talked_over"  # the reply began before the customer finished
    JUMPED_IN = "jumped_in"
    QUICK = "quick"
    IDEAL = "ideal"
    LONG = "long"
    DEAD_AIR = "dead_air"


_LABELS = {Habit.EMPATHY: "emotion", Habit.OPEN_QUESTION: "open question"}
LIT_HABITS = (Habit.PAUSE, Habit.INTERRUPTIONS, Habit.PARAPHRASE)  # in the LEDs' order


class Condition(StrEnum):
    """What a trainee's reply did, as the customer reacts to it: the ``when`` of a scenario's
    turn, a turn's ``condition`` in a round's JSON and the report.

    Declared in precedence order: when several hold, the first that has a turn to play wins
    (an interruption is answered before anything else the reply did).
    """

    INTERRUPTED = "interrupted"  # talked over the customer: "Sorry, can I finish?"
    DEAD_AIR = "dead_air"  # no reply, or one after a long silence: "Hello? Are you still there?"
    OPEN_QUESTION = "open_question"  # an open question: the customer says what they really need
    ACKNOWLEDGED = "acknowledged"  # restated the concern and named the feeling: the customer calms
    NO_ACKNOWLEDGEMENT = "no_acknowledgement"  # the feeling not acknowledged: the customer escalates
    OTHERWISE = "otherwise"  # any reply: the fallback

    @property
    def repairs(self) -> bool:
        """A turn that mends the conversation rather than moving it on: after it, the conversation
        picks up where it was (the customer finishes, or checks the trainee is there)."""
        return self in (Condition.INTERRUPTED, Condition.DEAD_AIR)
