"""No user-facing English literal bypasses the catalog (a lint over the source's AST).

A string literal with words in it, where the user will read it — `notify(...)`,
`Static(...)`, `Label(...)`, `Button(...)`, `Markdown(...)`, `Binding(..., description)`,
`Input(placeholder=...)`, a screen's `title` / `sub_title`, palette `Hit(help=...)`,
argparse `help=` / `description=`, and `print(...)` / `SystemExit(...)` in the CLI — must
go through `_()` (or `N_()` where it is defined at import time, then `_()` where shown).

In the domain (`csm_tui/domain/`), words are a `Message`: the template given to
`Message.of(...)` and to the domain's message helpers (`_m(...)`, the `expected` of
`_error(position, expected)`, the prep sheet's `_w(say, template)`) must be marked — `N_(...)`,
`*Nn_(...)`, or a name holding a marked template — never a bare literal or an f-string, which
the catalog cannot see.

In the command executor (`csm_tui/commands/`), a result's line and a refusal are words for
a person too: `CommandFailed(...)`, the message of `CommandResult(command, message, ...)`
and `_dry(message, ...)` take a `Message` (an `N_` template and its values; the JSON output
keeps its English), never a bare literal or an f-string.

A literal that is not words for the user (the app's name, command-language syntax) keeps
its place with a trailing `# i18n: as is (why)` comment on its line.

Modules not converted yet are listed in `tests/i18n_allowlist.txt`; the list only shrinks:
a listed module that has become clean fails the test until its line is removed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "csm_tui"
ALLOWLIST = Path(__file__).with_name("i18n_allowlist.txt")

WIDGETS = {"Static", "Label", "Button", "Markdown", "Hit", "DiscoveryHit", "SystemCommand"}
"""Calls whose first argument is shown as it is."""
SHOWN_KEYWORDS = {
    "notify": {"message", "title"},
    "Input": {"placeholder"},
    "Button": {"label", "tooltip"},
    "Hit": {"help"},
    "DiscoveryHit": {"help"},
    "placed_hit": {"help"},
    "add_argument": {"help"},
    "add_parser": {"help", "description"},
    "add_subparsers": {"title", "description", "help"},
    "add_argument_group": {"title", "description"},
    "ArgumentParser": {"description", "epilog"},
    "Binding": {"description", "tooltip"},
}
DOMAIN_TEMPLATES = {"of": 0, "_m": 0, "_error": 1, "_w": 1}
"""Domain calls and the index of the argument that is a message template."""
COMMAND_MESSAGES = {"CommandFailed": 0, "CommandResult": 1, "_dry": 0}
"""Executor calls and the index of the argument that is words for a person."""
CLI_ONLY = {"print", "SystemExit", "error", "exit"}
"""Calls whose text the user reads only in the CLI (`csm_tui/cli/`, `server/cli.py`)."""
TITLE_ATTRIBUTES = {"title", "sub_title", "border_title", "border_subtitle"}
"""`self.title = ...` and the like."""
TITLE_NAMES = {"TITLE", "SUB_TITLE"}
"""Class attributes Textual shows (`TITLE = ...` on an App or Screen)."""
AS_IS = "# i18n: as is"
"""A line ending with this comment (and a reason) keeps its literal: a name, command syntax."""
WORDS = re.compile(r"[A-Za-z]{2,}")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _english(node: ast.expr | None) -> bool:
    """Is `node` a literal (or a literal-built string) with English words in it?"""
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORDS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_english(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _english(node.left) or _english(node.right)
    if isinstance(node, ast.IfExp):
        return _english(node.body) or _english(node.orelse)
    return False


def findings(path: Path, rel: str | None = None) -> list[str]:
    """What in the module at `path` bypasses the catalog; `rel` names it (default: its
    path in the checkout)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = rel or path.relative_to(ROOT).as_posix()
    cli = rel.startswith("csm_tui/cli/") or rel == "csm_tui/server/cli.py"
    domain = rel.startswith("csm_tui/domain/")
    executor = rel.startswith("csm_tui/commands/")
    found: list[str] = []

    lines = path.read_text(encoding="utf-8").splitlines()

    def flag(node: ast.AST, what: str) -> None:
        end = getattr(node, "end_lineno", node.lineno) or node.lineno
        if any(AS_IS in lines[n - 1] for n in range(node.lineno, end + 1)):
            return
        found.append(f"{rel}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            first = node.args[0] if node.args else None
            shows_first = name in WIDGETS or name == "notify" or (cli and name in CLI_ONLY)
            if shows_first and _english(first):
                flag(node, f"{name}(<English literal>)")
            if name == "Binding" and len(node.args) >= 3 and _english(node.args[2]):
                flag(node, "Binding description")
            said = COMMAND_MESSAGES.get(name)
            if (
                executor
                and said is not None
                and len(node.args) > said
                and _english(node.args[said])
            ):
                flag(node, f"{name}(<English literal>): give it a Message.of(N_(...))")
            at = DOMAIN_TEMPLATES.get(name)
            if domain and at is not None and len(node.args) > at and _english(node.args[at]):
                flag(node, f"{name}(<English literal>): mark the template with N_()")
            for keyword in node.keywords:
                if keyword.arg in SHOWN_KEYWORDS.get(name, ()) and _english(keyword.value):
                    flag(node, f"{name}({keyword.arg}=<English literal>)")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute):
                    shown = target.attr in TITLE_ATTRIBUTES
                    name = target.attr
                else:
                    name = target.id if isinstance(target, ast.Name) else ""
                    shown = name in TITLE_NAMES
                if shown and _english(node.value):
                    flag(node, f"{name} = <English literal>")
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module == "textual.widgets"
            and any(alias.name == "Footer" for alias in node.names)
            and not rel.endswith("ui/widgets/footer.py")
        ):
            flag(node, "textual's Footer: use csm_tui.ui.widgets.footer.Footer (translated)")
    return found


def source_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "i18n" not in p.relative_to(PACKAGE).parts)


def allowlisted() -> set[str]:
    lines = ALLOWLIST.read_text(encoding="utf-8").splitlines()
    return {line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()}


def test_no_user_facing_literal_bypasses_the_catalog():
    allowed = allowlisted()
    found = [
        finding
        for path in source_files()
        if path.relative_to(ROOT).as_posix() not in allowed
        for finding in findings(path)
    ]
    assert found == [], "wrap these in _() (or N_() at import time):\n" + "\n".join(found)


def test_the_allowlist_only_shrinks():
    """A module listed as not converted yet that is clean now: take it off the list."""
    allowed = allowlisted()
    missing = sorted(name for name in allowed if not (ROOT / name).exists())
    clean = sorted(name for name in allowed if (ROOT / name).exists() and not findings(ROOT / name))
    assert missing == [], "no such module: remove from tests/i18n_allowlist.txt"
    assert clean == [], "converted: remove from tests/i18n_allowlist.txt"


def test_the_lint_sees_a_literal_and_accepts_a_translated_one(tmp_path):
    sample = tmp_path / "sample.py"
    source = (
        "from csm_tui.i18n import N_, _\n"
        "self.notify('Saved the log.')\n"
        "self.notify(_('Saved the log.'))\n"
        "yield Static(f'{n} accounts')\n"
        "yield Static(_('{n} accounts').format(n=n))\n"
        "yield Static('')\n"
        "B = Binding('q', 'quit', 'Quit', id='x')\n"
        "C = Binding('q', 'quit', N_('Quit'), id='y')\n"
        "self.sub_title = 'Portfolio'\n"
        "from textual.widgets import Footer\n"
        "TITLE = 'csm-tui'  # i18n: as is (the app's name)\n"
    )
    sample.write_text(source, encoding="utf-8")
    lines = sorted(int(finding.split(":")[1]) for finding in findings(sample, "csm_tui/ui/x.py"))
    assert lines == [2, 4, 7, 9, 10]


def test_the_lint_sees_an_unmarked_domain_template(tmp_path):
    sample = tmp_path / "sample.py"
    source = (
        "from csm_tui.i18n import N_, Message\n"
        "a = Message.of('Renewal in {n} days', n=3)\n"
        "b = Message.of(N_('Renewal in {n} days'), n=3)\n"
        "raise _error(4, f'a number after {key}')\n"
        "raise _error(4, _m(N_('a number after {key}'), key=key))\n"
        "c = Message.of(template, n=3)\n"
    )
    sample.write_text(source, encoding="utf-8")
    lines = sorted(
        int(finding.split(":")[1]) for finding in findings(sample, "csm_tui/domain/x.py")
    )
    assert lines == [2, 4]


def test_the_lint_sees_an_unmarked_refusal_in_the_executor(tmp_path):
    sample = tmp_path / "sample.py"
    source = (
        "from csm_tui.i18n import N_, Message\n"
        "raise CommandFailed(f'no account named {name!r}')\n"
        "raise CommandFailed(Message.of(N_('no account named {name}'), name=name))\n"
        "return CommandResult(command, 'Logged a call')\n"
        "return CommandResult(command, Message.of(N_('Logged a call')))\n"
        "raise CommandFailed(error.message)\n"
    )
    sample.write_text(source, encoding="utf-8")
    lines = sorted(
        int(finding.split(":")[1]) for finding in findings(sample, "csm_tui/commands/x.py")
    )
    assert lines == [2, 4]
