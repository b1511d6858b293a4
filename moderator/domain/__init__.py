"""The moderation vocabulary shared by every layer: statuses, roles, actions and hiding reasons
here, what a person's name may be (names) and the refusals a request can meet (errors). It
imports nothing else of Moderator's.
"""

from __future__ import annotations

from enum import StrEnum

# Who acts when nobody at the desk does: the rules, an import's own bookkeeping.
SYSTEM = "system"


class Status(StrEnum):
    """Where a comment stands in moderation."""

    PENDING = "pending"
    APPROVED = "approved"
    HIDDEN = "hidden"


class Role(StrEnum):
    """What a person may do at the desk."""

    MODERATOR = "moderator"
    EDITOR = "editor"


class ActionKind(StrEnum):
    """A decision recorded in the moderation history."""

    APPROVE = "approve"
    HIDE = "hide"
    RESTORE = "restore"
    ESCALATE = "escalate"
    # Puts comments back as an earlier action found them; that action stays in the history.
    UNDO = "undo"
    # The same, chosen later from the log rather than straight after the decision.
    REVERT = "revert"
    # An editor's decisions on an escalated comment (see Outcome below).
    UPHOLD = "uphold"
    OVERTURN = "overturn"
    RETURN = "return"


class Severity(StrEnum):
    """How serious a rule hit is."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ReasonCode(StrEnum):
    """Why a comment was hidden: a fixed list so that reports can count them."""

    SPAM = "spam"
    ADVERTISING = "advertising"
    ABUSE = "abuse"
    HATE_SPEECH = "hate-speech"
    OFFENSIVE_LANGUAGE = "offensive-language"
    OFF_TOPIC = "off-topic"
    PERSONAL_INFORMATION = "personal-information"
    MISINFORMATION = "misinformation"
    ILLEGAL_CONTENT = "illegal-content"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The reason as a person reads it in a menu or a report."""
        return _REASON_LABELS[self]


_REASON_LABELS = {
    ReasonCode.SPAM: "Spam",
    ReasonCode.ADVERTISING: "Advertising",
    ReasonCode.ABUSE: "Abuse or harassment",
    ReasonCode.HATE_SPEECH: "Hate speech",
    ReasonCode.OFFENSIVE_LANGUAGE: "Offensive language",
    ReasonCode.OFF_TOPIC: "Off-topic",
    ReasonCode.PERSONAL_INFORMATION: "Personal information",
    ReasonCode.MISINFORMATION: "Misinformation",
    ReasonCode.ILLEGAL_CONTENT: "Illegal content",
    ReasonCode.OTHER: "Other",
}


class Outcome(StrEnum):
    """What an editor makes of an escalated comment."""

    # The moderators' worry stands: the comment is hidden.
    UPHOLD = "uphold"
    # It may stand: the comment is published.
    OVERTURN = "overturn"
    # Not an editor's call after all: back to the moderators' pending queue.
    RETURN = "return"
