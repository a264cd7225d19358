"""Switching the interface language in the running app, and the palette command for it:
``language: 简体中文`` / ``language: English``.

After `set_language`, the app asks every screen to show itself again: the Footer composes
again (`refresh_bindings`), a screen with a ``retranslate()`` method has it called (for
texts it set once, in `compose` or `on_mount`), and every screen repaints. A screen that
renders its texts with `_()` as it paints needs nothing more.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Protocol, runtime_checkable

from textual.app import App
from textual.command import Hit, Hits, Provider

from csm_tui.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, current_language, set_language
from csm_tui.ui.palette_order import placed_hit

TEXTUAL_STRINGS = (
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)
"""Textual's own palette commands (`App.get_system_commands`), so the catalog has them."""


@runtime_checkable
class Retranslates(Protocol):
    """A screen that set texts once (in `compose` / `on_mount`) and sets them again."""

    def retranslate(self) -> None: ...


def switch_language(app: App[Any], language: str) -> None:
    """Show the running app in `language` ("en" or "zh") from now on, without a restart."""
    set_language(language)
    screens = []
    for stack in getattr(app, "_screen_stacks", {}).values():
        screens.extend(stack)
    if app.screen not in screens:
        screens.append(app.screen)
    from csm_tui.ui.widgets.footer import Footer

    for screen in screens:
        if isinstance(screen, Retranslates):
            screen.retranslate()
        screen.refresh_bindings()
        for footer in screen.query(Footer):  # it recomposes on a binding change only with focus
            footer.call_later(footer.recompose)
        for widget in screen.query("*"):  # texts rendered as they paint
            widget.refresh()
        screen.refresh(layout=True)
    app.refresh_bindings()
    app.notify(_("Language: {name}").format(name=LANGUAGE_NAMES[language]), timeout=3)


def _title(language: str) -> str:
    return f"language: {LANGUAGE_NAMES[language]}"


def _help(language: str) -> str:
    if language == current_language():
        return _("the interface language now")
    return _("show the interface in {name}").format(name=LANGUAGE_NAMES[language])


class LanguageCommands(Provider):
    """language: 简体中文 / English — the interface language of the running app."""

    async def discover(self) -> Hits:
        for position, language in enumerate(LANGUAGES):
            switch = partial(switch_language, self.app, language)
            yield placed_hit("language", position, _title(language), switch, help=_help(language))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for language in LANGUAGES:
            title = _title(language)
            # "lang", "语言", "zh" or "en" all find it
            words = " ".join((title, language, "语言", _("language")))
            score = max(matcher.match(title), matcher.match(words))
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(switch_language, self.app, language),
                    text=title,
                    help=_help(language),
                )
