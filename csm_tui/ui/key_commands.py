"""Every key is a command (spec section 4): the command of the language each binding does.

`KEY_COMMANDS` maps a binding's id to the command line that does the same from the palette
or the shell, written with placeholders for what the key takes from the screen (the
account under the cursor, the selected task...). `NAVIGATION` lists the keys that only move
around the app (cursor moves, closing a dialog, leaving a screen), each with the reason it
needs no command. `tests/ui/test_every_key_is_a_command.py` walks every binding of every
screen, widget and the app: a new binding that is in neither fails it.

Placeholders: {account} an account's name or id, {task} a task id, {conflict} a sync
conflict's number, {change} a refused change's id, {owner} a user, {team} a team,
{item} a checklist item, {kind} an activity kind, {file} a file name.
"""

from __future__ import annotations

KEY_COMMANDS: dict[str, str] = {
    # The app, everywhere.
    "app.help": "help",
    "app.today": "today",
    "app.portfolio": "filter",
    "app.coverage": "coverage",
    "app.sync_screen": "conflicts",  # and `refused`: the screen's two lists
    "app.sync_now": "sync",
    "app.undo_log": "undo",
    "app.edit_log": "amend --summary {text}",
    # Today.
    "today.open": "open {account}",
    "today.complete_task": "task done {task}",
    "today.snooze_task": "snooze {task}",
    "today.snooze_week": "snooze {task} --days 7",
    "today.log": "log call {account} --summary {text}",
    "today.prep": "prep {account}",
    # Portfolio.
    "portfolio.filter": "filter tier:strategic health:<60",
    "portfolio.sort": "filter --sort renewal",
    "portfolio.clear_filter": "filter",
    "portfolio.log": "log call {account} --summary {text}",
    "portfolio.prep": "prep {account}",
    "portfolio.open": "open {account}",
    "table.open": "open {account}",
    # Account and its panes.
    "account.log": "log call {account} --summary {text}",
    "account.prep": "prep {account}",
    "account.tab_overview": "open {account}",
    "account.tab_health": "open {account}",  # health, its 30-day trend; `prep` names the why
    "account.tab_stakeholders": "contacts {account}",
    "account.tab_timeline": "timeline {account}",
    "account.tab_checklist": "check {account} {item}",
    "account.tab_tasks": "tasks {account}",
    "account.tab_notes": "notes {account}",
    "timeline.filter": "timeline {account} --type {kind}",
    "timeline.read": "timeline {account}",  # every activity whole
    "checklist.toggle": "check {account} {item}",  # `uncheck` unticks
    "checklist.advance": "stage {account}",
    "tasks.complete": "task done {task}",  # `task reopen` reopens
    "tasks.snooze": "snooze {task} --days 7",
    "tasks.take": "task take {task}",
    "tasks.show_done": "tasks {account} --done",
    "stakeholders.add": "contact add {account} {contact} --role champion",
    "stakeholders.edit": "contact edit {account} {contact} --title {text}",
    "contact.save": "contact add {account} {contact}",  # or `contact edit`
    "notes.save": "notes {account} --set {text}",
    "notes.editor": "notes {account} --set {text}",
    "account.renewal": "renew {account} --term-end 2027-12-31 --arr 120k",  # or churn/winback
    "account.tier": "tier {account} strategic --reason {text}",  # `reference` for the box
    "renewal.save": "renew {account} --term-end 2027-12-31",  # `churn`, `winback`
    "tier.save": "tier {account} strategic --reason {text}",
    # Log form.
    "log.save": "log {kind} {account} --summary {text}",
    # Call prep.
    "prep.export": "prep {account} --export {file}",
    "prep.refresh": "prep {account}",
    "prep.editor": "notes {account} --set {text}",
    # Coverage.
    "coverage.accounts": "filter owner:{owner}",
    "coverage.team": "coverage --team {team}",
    "coverage.reload": "coverage",
    "csm_accounts.reassign": "assign {account} {owner}",
    # Sync.
    "sync.now": "sync",
    "sync.mine": "resolve {conflict} mine",
    "sync.theirs": "resolve {conflict} theirs",
    "sync.edit": "resolve {conflict} edit --set {field}",
    "conflict.save": "resolve {conflict} edit --set {field}",
    "sync.retry": "retry {change}",
    "sync.dismiss": "dismiss {change}",
}

NAVIGATION: dict[str, str] = {
    "app.quit": "leaves the app; a command ends by itself",
    "app.palette": "opens the palette, where commands are typed",
    "help.close": "closes the help",
    "activity.close": "closes the activity it shows (`timeline` prints them whole)",
    "account.back": "leaves the screen",
    "prep.back": "leaves the screen",
    "coverage.back": "leaves the screen",
    "csm_accounts.back": "leaves the screen",
    "log.cancel": "closes the form, saving nothing",
    "contact.cancel": "closes the form, saving nothing",
    "conflict.cancel": "closes the form, saving nothing",
    "reassign.cancel": "closes the picker, changing nothing",
    "export.cancel": "closes the dialog, writing nothing",
    "table.up": "moves the cursor",
    "table.down": "moves the cursor",
    "table.page_up": "moves the cursor",
    "table.page_down": "moves the cursor",
    "table.first": "moves the cursor",
    "table.last": "moves the cursor",
    "table.column_left": "scrolls the columns; a command prints every column",
    "table.column_right": "scrolls the columns; a command prints every column",
    "wide_table.left": "scrolls the columns; a command prints every column",
    "wide_table.right": "scrolls the columns; a command prints every column",
    "renewal.cancel": "closes the form, saving nothing",
    "tier.cancel": "closes the form, saving nothing",
    "confirm.discard": "throws away a form's unsaved typing; a command has no form",
    "confirm.keep": "goes back to the form",
}

NO_COMMAND_YET: dict[str, str] = {}
"""Keys whose command is still to be written: each one names what it lacks. Kept apart
from `NAVIGATION` so the gap stays visible (and listed by the test)."""

SAMPLES: dict[str, str] = {
    "account": '"Acme Ltd"',
    "task": "3fa9c2e1",
    "conflict": "3",
    "change": "0193ab12",
    "owner": '"Tom Becker"',
    "team": "emea",
    "item": "kickoff",
    "kind": "call",
    "file": "prep.md",
    "text": '"Walked through the roll-out"',
    "field": "arr=120000",
    "contact": '"Jane Doe"',
}
"""A value for each placeholder, to read a mapped command as the language would."""


def command_for(binding_id: str) -> str | None:
    """The command line (placeholders filled with samples) a binding's key does."""
    template = KEY_COMMANDS.get(binding_id)
    return None if template is None else template.format(**SAMPLES)


def command_shown(binding_id: str | None) -> str:
    """The command a key does, as the help shows it: `snooze TASK --days 7` ("" for none)."""
    template = KEY_COMMANDS.get(binding_id or "")
    if template is None:
        return ""
    return template.format(**{name: name.upper() for name in SAMPLES})
