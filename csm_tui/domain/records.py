"""The kinds of records a CSM works with: roles, stakeholder roles, activity kinds."""

from __future__ import annotations

from enum import StrEnum

from csm_tui.i18n import N_, NC_


class Role(StrEnum):
    """A user's role in the team (spec section 5)."""

    CSM = "csm"
    LEAD = "lead"
    ADMIN = "admin"
    # Not a person: a data pipeline's account. It may only send signals to the central API
    # (POST /signals/<kind>); it owns no book and reads nothing.
    INGEST = "ingest"


class ContactRole(StrEnum):
    """A stakeholder's role in the account."""

    SPONSOR = "sponsor"
    CHAMPION = "champion"
    USER = "user"
    BLOCKER = "blocker"


class ActivityKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    ONSITE = "onsite"
    QBR = "qbr"
    TRAINING = "training"
    ESCALATION = "escalation"
    NOTE = "note"

    @property
    def label(self) -> str:
        """The kind in English words (a msgid: the edge shows `_(kind.label)`)."""
        return {
            "call": N_("Call"),
            "meeting": N_("Meeting"),
            "email": NC_("activity type", "Email"),
            "onsite": N_("Onsite"),
            "qbr": N_("QBR"),
            "training": N_("Training"),
            "escalation": N_("Escalation"),
            "note": NC_("activity type", "Note"),
        }[self.value]

    @property
    def word(self) -> str:
        """The kind inside a sentence ("Logged call on …"; a msgid, as `label`)."""
        return {
            "call": N_("call"),
            "meeting": N_("meeting"),
            "email": N_("email"),
            "onsite": N_("onsite"),
            "qbr": N_("qbr"),
            "training": N_("training"),
            "escalation": N_("escalation"),
            "note": N_("note"),
        }[self.value]

    @property
    def is_touch(self) -> bool:
        """Does it count as a touch for the cadence? A private note does not."""
        return self is not ActivityKind.NOTE

    @property
    def is_proactive(self) -> bool:
        """Proactive vs reactive work, for the team's maturity estimate (seed 004)."""
        return self not in (ActivityKind.ESCALATION, ActivityKind.NOTE)


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"
