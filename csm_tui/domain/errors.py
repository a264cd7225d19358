"""Errors whose words are a `Message`: the domain says what went wrong, the edge says it in
the interface language.

`str(error)` is the message in the interface language at the moment it is asked for (what a
screen or the CLI shows, so every `notify(str(error))` edge is translated without knowing it);
`error.english()` is the same words in English, for machine-readable output (`--format json`
reports, logs) that must not depend on the language.
"""

from __future__ import annotations

from csm_tui.i18n import N_, Message


class Refusal(Exception):
    """An exception carrying its words as a `Message` (`error.words`): mix it in before a
    builtin base (`class TaskError(Refusal, ValueError)`) so the store's refusals reach every
    edge (`str(error)`, `error.message`) in the interface language. A plain `str` is taken as
    words already made (shown as they are)."""

    def __init__(self, words: Message | str, *args: object) -> None:
        self.words = words if isinstance(words, Message) else Message.text(words)
        super().__init__(self.words.english(), *args)

    @property
    def message(self) -> str:
        """The words in the interface language now."""
        return self.words.render()

    def english(self) -> str:
        return self.words.english()

    def render(self) -> str:
        return self.words.render()

    def __str__(self) -> str:
        return self.words.render()


class MessageError(Refusal, ValueError):
    """A `ValueError` carrying its words as a `Message` (`error.words`)."""


# -- a settings file's keys (config.toml's [tiers], [standards], [health.weights]) -----------


def said_of(key: str, problem: Message) -> Message:
    """ "{key}: {problem}": a problem said of a settings key ("standards.long-direct: …")."""
    return Message.of(N_("{key}: {problem}"), key=key, problem=problem)


def table_expected(key: str) -> Message:
    """ "{key} must be a table", said of a settings key."""
    return Message.of(N_("{key} must be a table"), key=key)


def whole_number_expected(key: str, value: object) -> Message:
    """ "{key} must be a whole number ≥ 0; got {value}", said of a settings key."""
    return Message.of(
        N_("{key} must be a whole number ≥ 0; got {value}"), key=key, value=repr(value)
    )


def words_of(error: Exception) -> Message:
    """An error's words: its `Message` when it is a `Refusal`, else its text as it is."""
    return error.words if isinstance(error, Refusal) else Message.text(str(error))
