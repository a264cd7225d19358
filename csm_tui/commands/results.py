"""What a command gives back: a message, maybe a table or a document, and what it changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from csm_tui.domain.language.verb_types import Command
from csm_tui.i18n import Message


class CommandFailed(Exception):
    """The command could not be carried out; nothing was written. `message` is for the user
    (in the interface language when the refusal is a `Message`); `english` is for scripts
    (`--format json`)."""

    def __init__(self, message: str | Message) -> None:
        self.words = message if isinstance(message, Message) else Message.text(message)
        super().__init__(self.words.english())

    @property
    def message(self) -> str:
        return self.words.render()

    @property
    def english(self) -> str:
        return self.words.english()

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Column:
    """One column of a result table: `key` in JSON, `title` in CSV and tables.

    `show` turns a raw value into the table's text ("in 23 days" for a date); JSON and CSV
    carry the raw value. A value that is a `Message` (words: a reason, a note) is shown in
    the interface language; JSON and CSV carry its English.
    """

    key: str
    title: str
    right: bool = False  # right-aligned in tables (numbers)
    show: Callable[[Any], str] | None = field(default=None, compare=False)

    def text(self, value: Any) -> str:
        if self.show is not None:
            return self.show(value)
        if isinstance(value, Message):
            return value.render()
        return plain(value)


@dataclass(frozen=True)
class Change:
    """One outbox entry the command queued (what will sync)."""

    kind: str
    op: str
    record_id: str


@dataclass(frozen=True)
class CommandResult:
    command: Command
    # One line for a person: what happened (or would have). Given as a `Message`, it is kept
    # in `words` and `message` holds its English (always a str once made).
    message: str | Message
    columns: tuple[Column, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    text: str | None = None  # a document: the prep sheet, the help
    dry_run: bool = False
    changes: tuple[Change, ...] = ()  # queued for sync (in a dry run: would have been)
    files: tuple[str, ...] = ()  # written (in a dry run: would have been)
    account_id: str | None = None  # the account it concerns (the palette opens it)
    screen: str | None = None  # the screen that shows it: today, portfolio, coverage, account
    total: int | None = None  # rows the command found when `rows` holds fewer (a --limit)
    show_table: bool = True  # False: a person reads `text` instead (the table is for machines)
    summary: dict[str, Any] | None = None  # figures for machines (JSON "summary"), e.g. coverage
    words: Message | None = field(default=None, compare=False)  # `message` as a Message

    def __post_init__(self) -> None:
        # A `Message` given as the message: `message` keeps its English (JSON), `shown` says
        # it in the interface language.
        if isinstance(self.message, Message):
            object.__setattr__(self, "words", self.message)
            object.__setattr__(self, "message", self.message.english())

    @classmethod
    def of(cls, command: Command, message: str | Message, **fields: Any) -> CommandResult:
        """A result whose message is text, or a `Message` (said in the interface language
        where shown, in English in `message`)."""
        if isinstance(message, Message):
            return cls(command, message.english(), words=message, **fields)
        return cls(command, message, **fields)

    @property
    def shown(self) -> str:
        """The message for a person, in the interface language."""
        return self.words.render() if self.words is not None else str(self.message)

    @property
    def wrote(self) -> bool:
        """Did it change the cache or write a file (or, in a dry run, would it have)?"""
        return bool(self.changes or self.files)

    def records(self) -> list[dict[str, Any]]:
        """The rows as objects keyed by column key, values made JSON-safe."""
        keys = [c.key for c in self.columns]
        return [{k: json_value(v) for k, v in zip(keys, row, strict=True)} for row in self.rows]

    def as_json(self) -> dict[str, Any]:
        """The machine-readable result; keys are stable (documented in csm_tui.commands)."""
        changes: dict[str, int] = {}
        for change in self.changes:
            key = f"{change.kind}.{change.op}"
            changes[key] = changes.get(key, 0) + 1
        out: dict[str, Any] = {
            "command": self.command.to_text(),
            "ok": True,
            "message": self.message,
            "dry_run": self.dry_run,
            "wrote": self.wrote,
            "changes": changes,
            "files": list(self.files),
            "account_id": self.account_id,
        }
        if self.columns:
            out["columns"] = [c.key for c in self.columns]
            out["rows"] = self.records()
            out["total"] = self.total if self.total is not None else len(self.rows)
        if self.text is not None:
            out["text"] = self.text
        if self.summary is not None:
            out["summary"] = {k: json_value(v) for k, v in self.summary.items()}
        return out


def json_value(value: Any) -> Any:
    if isinstance(value, Message):  # words: scripts read the English
        return value.english()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


def plain(value: Any) -> str:
    """A raw value as CSV carries it: ISO dates and instants, "" for none."""
    if value is None:
        return ""
    if isinstance(value, Message):  # words: CSV keeps the English, as JSON does
        return value.english()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple | list):
        return "; ".join(plain(v) for v in value)
    if isinstance(value, dict):  # a record's fields (a sync conflict's mine / theirs): JSON
        import json

        return json.dumps(json_value(value), ensure_ascii=False, sort_keys=True)
    return str(value)
