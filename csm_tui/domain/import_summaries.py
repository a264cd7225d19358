"""The summary lines of an import — refused with its problems, or a dry run — and the
words for a mapping name that names no shipped mapping (account and signal imports alike).
"""

from __future__ import annotations

from collections.abc import Sequence

from csm_tui.i18n import N_, Message


def problems_summary(path: str, problems: int, rows: int) -> Message:
    """ "{path}: 3 problem(s) in 10 rows; nothing was imported" (an import refused); with
    no row read (the file or its header would not do), the problems alone."""
    if not rows:
        return Message.of(
            N_("{path}: {problems} problem(s); nothing was imported"),
            path=path,
            problems=f"{problems:,}",
        )
    return Message.of(
        N_("{path}: {problems} problem(s) in {rows} rows; nothing was imported"),
        path=path,
        problems=f"{problems:,}",
        rows=f"{rows:,}",
    )


def dry_run_summary(path: str, counts: dict[str, str]) -> Message:
    """What a dry run would do; `counts`: create, update, unchanged, skipped."""
    return Message.of(
        N_(
            "{path}: dry run, nothing written — {create} to create, {update} to update, "
            "{unchanged} unchanged, {skipped} skipped"
        ),
        path=path,
        **counts,
    )


def no_shipped_mapping(
    name: str, kind: str | None, names: Sequence[str], *, several: bool
) -> Message:
    """A mapping name that names no shipped mapping, or several: the names that exist."""
    known = ", ".join(names) or "none"
    if several:
        template = N_(
            "{name} matches several shipped {kind} mappings (shipped: {known}); "
            "or give the path of a .toml file"
        )
    else:
        template = N_(
            "{name} is not a shipped {kind} mapping (shipped: {known}); "
            "or give the path of a .toml file"
        )
    return Message.of(template, name=repr(name), kind=kind or "", known=known)
