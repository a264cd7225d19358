"""No screen or widget of ours reuses a private name Textual gives a meaning to.

Issue 8.1: `TasksPane._task()` hid the asyncio Task Textual keeps as `_task`, and the
Tasks tab crashed on its first key."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.dom import DOMNode
from textual.widget import Widget

import csm_tui.ui

# Textual's own hooks, overridden on purpose (each with its reason).
OVERRIDES = {
    # the one path of an unhandled exception: drafts are kept before the app exits
    ("DraftKeeping", "_handle_exception"),
}


def ui_classes():
    for info in pkgutil.walk_packages(csm_tui.ui.__path__, "csm_tui.ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, DOMNode):
                yield cls


def textual_names(cls) -> set[str]:
    """Every name Textual's classes under `cls` define or set on their instances."""
    bases = [b for b in cls.__mro__ if b.__module__.startswith("textual")]
    names = {name for base in bases for name in vars(base)}
    names |= set(vars(bases[0]()))  # instance attributes (`_task` is one)
    return names


def test_no_widget_or_screen_shadows_a_private_textual_name():
    # what Textual itself writes into every subclass (bindings, CSS, reactives)
    generated = set(vars(type("Probe", (Widget,), {})))
    clashes = []
    for cls in ui_classes():
        textual = textual_names(cls)
        for name in vars(cls):
            if not name.startswith("_") or name.startswith("__") or name in generated:
                continue
            if (cls.__name__, name) not in OVERRIDES and name in textual:
                clashes.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert not clashes, f"these hide a Textual attribute of the same name: {clashes}"
