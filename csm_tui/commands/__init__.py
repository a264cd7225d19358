"""Commands: the command language carried out on the cache (palette and shell alike).

`run.run_command(workspace, command, dry_run=...)` → `results.CommandResult`;
`run.run_script(workspace, lines, dry_run=...)` runs a script all-or-nothing;
`output.render(results, fmt)` prints them as a table, JSON or CSV. Uses the store and sync,
never Textual. Nothing is imported here: each caller pays only for what it uses.

JSON keys of a result (stable): command, ok, message, dry_run, wrote, changes (outbox
entries by "kind.op"), files, account_id; with a table also columns, rows (objects keyed by
column) and total; with a document also text.
"""
