"""Errors whose words are a `Message`: the domain says what went wrong, the edge says it in
the interface language.

`str(error)` is the message in the interface language at the moment it is asked for (what a
screen or the CLI shows, so every `notify(str(error))` edge is translated without knowing it);
`error.english()` is the same words in English, for machine-readable output (`--format json`
reports, logs) that must not depend on the language.
"""

from __future__ import annotations

from csm_tui.i18n import Message


class MessageError(ValueError):
    """A `ValueError` carrying its words as a `Message` (`error.words`)."""

    def __init__(self, words: Message | str) -> None:
        self.words = words if isinstance(words, Message) else Message.text(words)
        super().__init__(self.words.english())

    def english(self) -> str:
        return self.words.english()

    def render(self) -> str:
        return self.words.render()

    def __str__(self) -> str:
        return self.words.render()
