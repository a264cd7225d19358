"""The log-activity form: what a CSM typed, and what is wrong with it, field by field.

`validate_activity` never raises on bad input: it returns every `FieldError`, so the form can
show each message beside its field and keep everything typed. Nothing here touches storage;
`store.activity_log` validates with it before writing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from csm_tui.domain.dates import (
    DateTextError,
    DueDateError,
    WhenError,
    parse_when,
    split_next_steps,
)
from csm_tui.domain.records import ActivityKind, Sentiment
from csm_tui.domain.validity import MAX_MINUTES, MAX_TEXT_CHARS, text_problem
from csm_tui.i18n import N_, Message

__all__ = [
    "MAX_MINUTES",
    "MAX_TEXT_CHARS",
    "ActivityDraft",
    "DateTextError",
    "DueDateError",
    "FieldError",
    "WhenError",
    "due_of",
    "parse_when",
    "validate_activity",
]

FUTURE_SLACK = timedelta(days=1)
"""How far ahead "when" may be (a call booked for this afternoon, clocks out of step)."""

EARLIEST_ACTIVITY = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FieldError:
    """One problem with one form field; `field` is the `ActivityDraft` attribute name.

    `words` is a `Message` (or words already made); `message` says it in the interface
    language, `english` in English."""

    field: str
    words: Message | str

    @property
    def message(self) -> str:
        return self.words.render() if isinstance(self.words, Message) else self.words

    @property
    def english(self) -> str:
        return self.words.english() if isinstance(self.words, Message) else self.words


def _m(template: str, /, **values: object) -> Message:
    return Message.of(template, **values)


@dataclass(frozen=True)
class ActivityDraft:
    """An activity as typed in the form, before it is saved."""

    account_id: str
    kind: ActivityKind
    occurred_at: datetime  # aware
    minutes: int | None = None
    contact_ids: tuple[str, ...] = ()
    summary: str = ""
    next_steps: str = ""
    sentiment: Sentiment = Sentiment.NEUTRAL


def _text_errors(field: str, label: str, text: object, required: bool) -> list[FieldError]:
    """`label` is a msgid (N_-marked by the caller): "Summary"."""
    name = _m(label)
    if not isinstance(text, str):
        return [FieldError(field, _m(N_("{label} must be text"), label=name))]
    if required and not text.strip():
        return [FieldError(field, _m(N_("{label} is required"), label=name))]
    if len(text) > MAX_TEXT_CHARS:
        return [
            FieldError(
                field,
                _m(
                    N_("{label} is {length} characters long; the limit is {limit}"),
                    label=name,
                    length=f"{len(text):,}",
                    limit=f"{MAX_TEXT_CHARS:,}",
                ),
            )
        ]
    problem = text_problem(text)
    if problem is not None:
        return [FieldError(field, problem.words(name))]
    return []


def validate_activity(draft: ActivityDraft, now: datetime) -> list[FieldError]:
    """Every problem with `draft`, in form order; an empty list means it can be saved.

    `now` is aware; its date (in its own zone) is "today" for due dates in the next steps.
    """
    errors: list[FieldError] = []
    if not isinstance(draft.account_id, str) or not draft.account_id.strip():
        errors.append(FieldError("account_id", _m(N_("choose an account"))))
    try:
        ActivityKind(draft.kind)
    except ValueError:
        choices = ", ".join(k.value for k in ActivityKind)
        errors.append(
            FieldError(
                "kind",
                _m(
                    N_("{kind} is not a kind of activity ({choices})"),
                    kind=repr(draft.kind),
                    choices=choices,
                ),
            )
        )
    errors.extend(_when_errors(draft.occurred_at, now))
    minutes = draft.minutes
    if minutes is not None and (
        isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_MINUTES
    ):
        errors.append(
            FieldError(
                "minutes",
                _m(N_("minutes must be a whole number from 0 to {most}"), most=MAX_MINUTES),
            )
        )
    if not all(isinstance(c, str) and c for c in draft.contact_ids):
        errors.append(
            FieldError("contact_ids", _m(N_("contacts must be chosen from the account's list")))
        )
    errors.extend(_text_errors("summary", N_("Summary"), draft.summary, required=True))
    next_errors = _text_errors("next_steps", N_("Next steps"), draft.next_steps, required=False)
    if not next_errors and draft.next_steps.strip():
        try:
            split_next_steps(draft.next_steps, now.date())
        except DueDateError as exc:
            next_errors.append(
                FieldError("next_steps", _m(N_("due date: {problem}"), problem=exc.words))
            )
    errors.extend(next_errors)
    try:
        Sentiment(draft.sentiment)
    except ValueError:
        choices = ", ".join(s.value for s in Sentiment)
        errors.append(
            FieldError(
                "sentiment",
                _m(
                    N_("{sentiment} is not a sentiment ({choices})"),
                    sentiment=repr(draft.sentiment),
                    choices=choices,
                ),
            )
        )
    return errors


def _when_errors(occurred_at: object, now: datetime) -> list[FieldError]:
    if not isinstance(occurred_at, datetime):
        return [FieldError("occurred_at", _m(N_("when is missing")))]
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        return [FieldError("occurred_at", _m(N_("when has no time zone")))]
    if occurred_at < EARLIEST_ACTIVITY:
        return [FieldError("occurred_at", _m(N_("when is before 2000")))]
    if occurred_at > now + FUTURE_SLACK:
        ahead = occurred_at.astimezone(now.tzinfo)
        return [
            FieldError(
                "occurred_at",
                _m(
                    N_(
                        "when ({when}) is more than a day ahead; "
                        "log what has happened, plan the rest as next steps"
                    ),
                    when=f"{ahead:%Y-%m-%d %H:%M}",
                ),
            )
        ]
    return []


def due_of(draft: ActivityDraft, today: date) -> tuple[str, date] | None:
    """The task the draft's next steps make: (title, due date), or None without a date."""
    if not draft.next_steps.strip():
        return None
    title, due = split_next_steps(draft.next_steps, today)
    return None if due is None else (title, due)
