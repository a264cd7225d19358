"""Read what a widget shows, as the user would: its painted lines as plain text."""

from __future__ import annotations


def text_of(widget) -> str:
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


def screen_text(app) -> str:
    """Every visible widget's painted text, top to bottom (good enough for assertions)."""
    parts = []
    for widget in app.screen.query("*"):
        if widget.display and widget.size.height and not widget.children:
            parts.append(text_of(widget))
    return "\n".join(parts)
