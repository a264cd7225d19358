"""argparse's own words in the interface language.

argparse makes its messages ("the following arguments are required: %s", "invalid choice:
…", "unrecognized arguments: %s", "usage: ", "options" …) with the module-level `_` and
`ngettext` it imported from the stdlib `gettext` module, looked up at call time. Pointing
those two names at `csm_tui.i18n` makes argparse read our catalog, so `use_our_catalog()`
(called when the CLI builds its parser) is all the CLI needs; the msgids argparse uses are
listed below (exactly as Python 3.11's argparse writes them, %-placeholders and all) so the
catalog tool extracts them and the zh catalog translates them. A msgid argparse does not
find in the catalog stays English, as before.
"""

from __future__ import annotations

from csm_tui.i18n import N_, Nn_

ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("subcommands"),
)
"""What argparse says to a person who typed a wrong command line (3.11's msgids)."""

ARGPARSE_PLURALS = (Nn_("expected %s argument", "expected %s arguments"),)


def use_our_catalog() -> None:
    """Make argparse say its words through `csm_tui.i18n` (the interface language)."""
    import argparse

    from csm_tui import i18n

    argparse._ = i18n._  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]
