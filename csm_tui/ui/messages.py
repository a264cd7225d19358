"""Messages the app sends its screens (Textual's own means, no method names guessed)."""

from __future__ import annotations

from textual.message import Message


class DataChanged(Message, bubble=False):
    """The cache changed under the screen (a log saved or undone, a palette command that
    wrote, a sync that pushed or pulled): a screen that shows cached data handles it
    (`on_data_changed`) by reading again. Sent to the screen on top; the others read
    again when they are shown (`on_screen_resume`)."""
