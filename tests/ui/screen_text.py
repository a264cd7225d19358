"""Read what a widget shows, as the user would: its painted lines as plain text."""

from __future__ import annotations

import re
from collections.abc import Iterable


def text_of(widget) -> str:
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


def screen_text(app) -> str:
    """Every visible widget's painted text, top to bottom (good enough for assertions)."""
    parts = []
    for widget in app.screen.query("*"):
        if widget.display and widget.size.height and not widget.children:
            parts.append(text_of(widget))
    return "\n".join(parts)


WORD = re.compile(r"[A-Za-z][A-Za-z]+")
"""An English word as the eye catches one: two letters or more."""
KEPT_AS_IS = frozenset(
    {
        # the units and acronyms both interfaces write the same way (glossary: ARR, NPS, CSM)
        "ARR", "CSM", "CSMs", "GRR", "NPS", "CMRR", "NRR", "UTC", "USD", "CNY", "QBR", "AUC",
        # key names the Footer and hints show as keys, and file formats
        "ctrl", "esc", "escape", "enter", "tab", "shift", "Markdown", "EDITOR", "VISUAL",
    }
)  # fmt: skip
"""Words a screen in Chinese may still show: they are not English to translate."""
COMMAND = re.compile(
    r"csm-tui(?: [a-z]+)*(?: --?[\w-]+(?: [A-Z]+)?)*"  # csm-tui login --server URL
    r"|\$[A-Z]+"  # $EDITOR
    r"|https?://[\w.-]+(?::\d+)?(?:/[\w/.-]*)?"  # a server's address
    r"|(?:GET|POST)\s+/[\w/-]+"  # a request, as an error names it
)
"""What the user types or reads as it is: command lines, addresses, requests."""


def english_words(text: str, names: Iterable[str] = ()) -> list[str]:
    """The English words left in `text` once names and data (`names`: account, CSM and team
    names, notes…) and the words kept as they are in every language are taken out."""
    for name in sorted((n for n in names if n), key=len, reverse=True):
        text = text.replace(name, " ")
    text = COMMAND.sub(" ", text)
    return [word for word in WORD.findall(text) if word not in KEPT_AS_IS]
