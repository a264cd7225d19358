"""Commands: the command language carried out on the cache (palette and shell alike).

`run.run_command(workspace, command, dry_run=...)` → `results.CommandResult`;
`run.run_script(workspace, lines, dry_run=...)` runs a script all-or-nothing;
`output.render(results, fmt)` prints them as a table, JSON or CSV. Uses the store and sync,
never Textual. Nothing is imported here: each caller pays only for what it uses.

    run.py         the dispatcher (`handler_for`: a command's verb family, loaded when first
                   used) and the transactions of a command and of a script
    session.py     the public session API every verb runs with: `Session` (connection, me,
                   clock, rules, `account(ref)`, files after the commit), `dry_run_words`,
                   `file_target`, `money`
    portfolio.py   filter                  accounts.py   open, prep, assign, contacts,
    log.py         log, timeline, amend,                 contact, notes
                   undo                    checklist.py  check, uncheck, stage
    tasks.py       task (add, done, reopen, take), tasks, snooze
    today.py       today                   help.py       help
    renewals.py    renew, churn, winback, tier, reference
    coverage.py    coverage                backtest.py   backtest
    transfer.py    export, import          sync_verbs.py sync, conflicts, resolve, refused,
                                                         retry, dismiss
    results.py     CommandResult, Column, CommandFailed
    output.py      the shell's printing

Each verb module declares `HANDLERS` (command class -> handler `(session, command, dry)`);
no verb module imports another but `transfer` (export reads the portfolio and coverage):
the import-linter contract in pyproject.toml keeps it so.

JSON keys of a result (stable): command, ok, message, dry_run, wrote, changes (outbox
entries by "kind.op"), files, account_id; with a table also columns, rows (objects keyed by
column) and total; with a document also text.
"""
