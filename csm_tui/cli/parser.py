"""The `csm-tui` argument parser: argparse with its own words (usage, options, -h, error)
in the interface language and help wrapped by display width. Every sub-command module
builds its parsers with it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import Any, NoReturn

from csm_tui.i18n import _


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help, its usage prefix translated and its lines wrapped by display width
    (a CJK character takes two cells: argparse counts it as one)."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)

    def _split_lines(self, text: str, width: int) -> list[str]:
        import re

        text = re.sub(r"\s+", " ", text).strip()
        if text.isascii():
            return super()._split_lines(text, width)
        from csm_tui.domain.fit import cell_width

        lines, line = [], ""
        for token in re.findall(r"[\x21-\x7e]+| |.", text):  # an ASCII word, else one char
            if line.strip() and cell_width(line.rstrip() + token.rstrip()) > width:
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line += token
        if line.strip():
            lines.append(line.rstrip())
        return lines

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in self._split_lines(text, width))


class Parser(argparse.ArgumentParser):
    """argparse, with its own words (usage, options, -h, error, and its messages about a
    wrong argument: see `argparse_words`) in the interface language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from csm_tui.cli.argparse_words import use_our_catalog

        use_our_catalog()
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = _("show this help message and exit")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, _("{prog}: error: {message}\n").format(prog=self.prog, message=message))
