"""The CSM's working day, driven as a person would: Today → account → log → prep."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable, Input, TextArea

from csm_tui.domain.tiers import Tier
from csm_tui.store import outbox
from csm_tui.store.activity_log import load_timeline
from csm_tui.ui.app import make_app
from csm_tui.ui.screens.account import AccountScreen
from csm_tui.ui.screens.log_activity import LogActivityScreen
from csm_tui.ui.screens.prep import PrepScreen
from csm_tui.ui.screens.today import AgendaTable, TodayScreen
from tests.ui.screen_text import text_of

SIZE = (160, 48)


def me_of(ws) -> str:
    return ws.meta("me")


async def open_first_overdue_touch(app, pilot):
    """From Today, open the account of the first overdue-touch row; return its id."""
    screen = app.screen
    index = next(i for i, item in enumerate(screen.items) if item.kind.value == "touch")
    table = screen.query_one(AgendaTable)
    table.move_cursor(row=index)
    await pilot.pause()
    account_id = screen.items[index].account_id
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, AccountScreen)
    return account_id


async def fill_log_form(app, pilot, summary: str, next_steps: str = "") -> None:
    assert isinstance(app.screen, LogActivityScreen)
    app.screen.query_one("#field-summary", TextArea).text = summary
    app.screen.query_one("#field-next_steps", Input).value = next_steps
    await pilot.pause()


async def test_today_is_the_start_screen_ordered_by_tier_with_reasons(workspace):
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        items = app.screen.items
        assert items, "the demo CSM has work today"
        ranks = [item.tier.rank for item in items]
        assert ranks == sorted(ranks)
        kinds = {item.kind.value for item in items}
        assert {"touch", "task", "renewal", "activation", "health_drop"} <= kinds
        touch = next(i for i in items if i.kind.value == "touch")
        assert f"{touch.tier.label} · " in touch.why and "cadence" in touch.why
        assert "Today for Sarah Mitchell" in text_of(app.screen.query_one("#today-title"))


async def test_a_double_click_on_a_today_row_opens_its_account(workspace):
    from tests.ui.test_palette import wait_for

    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        wanted = screen.items[1].account_id
        # the header is line 0 of the table: the second row is line 2
        await pilot.double_click(AgendaTable, offset=(2, 2))
        await wait_for(pilot, lambda: isinstance(app.screen, AccountScreen), timeout=10.0)
        assert app.screen.account_id == wanted


async def test_log_from_today_updates_timeline_last_touch_task_and_today(workspace):
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        account_id = await open_first_overdue_touch(app, pilot)
        await pilot.press("l")
        await pilot.pause()
        form = app.screen
        assert form.account_id == account_id
        when = form.query_one("#field-occurred_at", Input).value
        assert when == workspace.now().strftime("%Y-%m-%d %H:%M")
        await fill_log_form(
            app, pilot, "Renewal call: 客户确认续约 [bold]ok[/]", "send pricing deck in 3 days"
        )
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        timeline = load_timeline(workspace.conn, account_id)
        assert timeline[0].summary_preview == "Renewal call: 客户确认续约 [bold]ok[/]"
        await pilot.press("4")
        await pilot.pause()
        shown = text_of(app.screen.query_one("#timeline-table"))
        assert "[bold]ok[/]" in shown
        last_touch = workspace.conn.execute(
            "SELECT last_touch_at FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()[0]
        assert last_touch.startswith(workspace.today().isoformat())
        task = workspace.conn.execute(
            "SELECT title, due_on FROM tasks WHERE account_id = ? AND source_activity_id = ?",
            (account_id, timeline[0].id),
        ).fetchone()
        assert task["due_on"] == (workspace.today() + timedelta(days=3)).isoformat()
        kinds = [e.kind for e in outbox.pending(workspace.conn)]
        assert "activity" in kinds and "task" in kinds
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        touches = [
            i for i in app.screen.items if i.account_id == account_id and i.kind.value == "touch"
        ]
        assert touches == [], "the overdue touch is gone from Today at once"


async def test_validation_keeps_every_field_and_names_every_problem_at_once(workspace):
    """A bad date no longer hides the empty summary and the 31 Feb in the next steps
    until it is fixed: one ctrl+s names all three."""
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        form = app.screen
        form.query_one("#field-next_steps", Input).value = "call back 2026-02-31"
        form.query_one("#field-occurred_at", Input).value = "2026-02-31 10:00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, LogActivityScreen), "the form stays open"
        when_error = text_of(form.query_one("#error-occurred_at"))
        assert "31" in when_error and "Feb" in when_error
        assert "summary" in text_of(form.query_one("#error-summary")).lower()
        assert "31 Feb" in text_of(form.query_one("#error-next_steps"))
        assert form.focused is form.query_one("#field-occurred_at"), "the first in error"
        form.query_one("#field-occurred_at", Input).value = "today 08:30"
        form.query_one("#field-summary", TextArea).text = "kept"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, LogActivityScreen)
        assert not form.query_one("#error-occurred_at").display
        assert not form.query_one("#error-summary").display
        assert "31 Feb" in text_of(form.query_one("#error-next_steps"))
        assert form.query_one("#field-summary", TextArea).text == "kept"
        form.query_one("#field-next_steps", Input).value = "call back next tue"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, LogActivityScreen)


async def test_a_1_mb_note_with_escapes_is_saved_whole_and_shown_safely(workspace):
    app = make_app(workspace, start="portfolio")
    note = ("会议纪要 \x1b[2J [red]not red[/] " * 40_000)[:1_000_000]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        account_id = app.screen.current_account_id
        await pilot.press("l")
        await pilot.pause()
        await fill_log_form(app, pilot, note)
        await pilot.press("ctrl+s")
        await pilot.pause()
        stored = workspace.conn.execute(
            "SELECT summary FROM activities WHERE account_id = ? ORDER BY created_at DESC",
            (account_id,),
        ).fetchone()[0]
        assert stored == note
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("4")
        await pilot.pause()
        shown = text_of(app.screen.query_one("#timeline-table"))
        assert "\\x1b[2J" in shown and "\x1b" not in shown


async def test_undo_takes_back_the_log_and_its_task(workspace):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        account_id = app.screen.current_account_id
        before = workspace.conn.execute(
            "SELECT last_touch_at FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()[0]
        await pilot.press("l")
        await pilot.pause()
        await fill_log_form(app, pilot, "to undo", "follow up tomorrow")
        await pilot.press("ctrl+s")
        await pilot.pause()
        logged = load_timeline(workspace.conn, account_id)[0]
        assert logged.summary_preview == "to undo"
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert load_timeline(workspace.conn, account_id)[0].summary_preview != "to undo"
        after = workspace.conn.execute(
            "SELECT last_touch_at FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()[0]
        assert after == before
        tasks = workspace.conn.execute(
            "SELECT deleted_at FROM tasks WHERE source_activity_id = ?", (logged.id,)
        ).fetchall()
        assert len(tasks) == 1 and tasks[0][0] is not None, "its task is gone too"


async def test_checklist_refuses_to_advance_until_required_items_are_done(workspace):
    conn = workspace.conn
    row = (
        conn.execute(
            "SELECT id, tier FROM accounts WHERE stage = 'onboarding' AND tier = 'strategic' "
            "AND deleted_at IS NULL"
        ).fetchone()
        or conn.execute(
            "SELECT id, tier FROM accounts WHERE stage = 'onboarding' AND deleted_at IS NULL"
        ).fetchone()
    )
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_account(row["id"])
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        pane = app.screen.query_one("ChecklistPane")
        table = pane.query_one(DataTable)
        table.focus()
        for index, entry in enumerate(pane.entries):
            if entry.required and entry.done_at is not None:
                table.move_cursor(row=index)
                await pilot.press("space")
                await pilot.pause()
        await pilot.press("A")
        await pilot.pause()
        stage = conn.execute("SELECT stage FROM accounts WHERE id = ?", (row["id"],)).fetchone()
        assert stage[0] == "onboarding"
        assert "missing required" in text_of(pane.query_one("#checklist-gate"))
        for index, entry in enumerate(list(pane.entries)):
            if entry.required and entry.done_at is None:
                table.move_cursor(row=index)
                await pilot.press("space")
                await pilot.pause()
        done = [e for e in pane.entries if e.required]
        assert all(e.done_at is not None and e.done_by_name == "Sarah Mitchell" for e in done)
        await pilot.press("A")
        await pilot.pause()
        stage = conn.execute("SELECT stage FROM accounts WHERE id = ?", (row["id"],)).fetchone()
        assert stage[0] == "activation"
        history = text_of(app.screen.query_one("#stage-history"))
        assert "Onboarding → Activation" in history


async def test_prep_export_writes_the_brief_and_my_notes(workspace, tmp_path):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        name = app.screen.query_one("PortfolioTable").row_at(0).name
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PrepScreen)
        notes = app.screen.query_one("#prep-notes", TextArea)
        notes.text = "Ask about 扩容 and the [b]QBR[/b] date"
        await pilot.press("ctrl+o")
        await pilot.pause()
        target = tmp_path / "prep.md"
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        content = target.read_text(encoding="utf-8")
        assert name in content
        assert "Ask about 扩容 and the [b]QBR[/b] date" in content
        assert "Health" in content and "Stakeholders" in content
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert "扩容" in app.screen.query_one("#prep-notes", TextArea).text


async def test_stakeholder_add_validates_and_saves(workspace):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        account_id = app.screen.current_account_id
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        app.screen.query_one("#contacts-table").focus()
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        form.query_one("#field-email", Input).value = "not-an-email"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "⚠" in text_of(form.query_one("#error-name"))
        form.query_one("#field-name", Input).value = "王小明"
        form.query_one("#field-email", Input).value = "wang@example.cn"
        await pilot.press("ctrl+s")
        await pilot.pause()
        names = [
            r[0]
            for r in workspace.conn.execute(
                "SELECT name FROM contacts WHERE account_id = ?", (account_id,)
            )
        ]
        assert "王小明" in names
        assert "王小明" in text_of(app.screen.query_one("#contacts-table"))


async def test_tier_of_today_rows_never_goes_back_up(workspace):
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tiers = [i.tier for i in app.screen.items]
        assert tiers[0] is Tier.STRATEGIC


async def test_notes_open_in_editor_and_come_back_saved(workspace, tmp_path, monkeypatch):
    editor = tmp_path / "fake-editor"
    editor.write_text("#!/bin/sh\nprintf '\\n- added in my editor 编辑器\\n' >> \"$1\"\n")
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        account_id = app.screen.current_account_id
        await pilot.press("p")
        await pilot.pause()
        app.screen.query_one("#prep-notes", TextArea).text = "typed first"
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        text = app.screen.query_one("#prep-notes", TextArea).text
        assert text.startswith("typed first") and "added in my editor 编辑器" in text
    from csm_tui.store.prep import load_prep_note

    assert "added in my editor 编辑器" in load_prep_note(workspace.conn, account_id)


async def test_notes_written_in_call_prep_survive_the_account_tab_editor(workspace):
    """The account's Prep-notes tab holds an editor of the same note: coming back to the
    account and leaving it must not write its stale copy over what was typed in prep."""
    from csm_tui.store.prep import load_prep_note

    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        account_id = app.screen.current_account_id
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("7")
        await pilot.pause()
        await pilot.press("shift+tab")  # `7` puts the cursor in the notes: step out of them
        await pilot.press("p")
        await pilot.pause()
        app.screen.query_one("#prep-notes", TextArea).text = "new plan 新计划"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.query_one("#prep-notes", TextArea).text == "new plan 新计划"
        await pilot.press("escape")
        await pilot.pause()
    assert load_prep_note(workspace.conn, account_id) == "new plan 新计划"


async def test_a_team_lead_s_today_points_to_coverage(workspace):
    """A team lead owns no accounts: Today is empty, and says why and where to go (`c`),
    instead of "Nothing needs you today"; `c` then opens their team's coverage."""
    from csm_tui.store.cache import set_meta
    from csm_tui.ui.screens.coverage import CoverageScreen
    from tests.ui.pilot_wait import wait_for

    conn = workspace.conn
    lead = conn.execute("SELECT id FROM users WHERE role = 'lead' ORDER BY name").fetchone()[0]
    with conn:
        set_meta(conn, "me", lead)
    app = make_app(workspace, start="today")
    async with app.run_test(size=SIZE) as pilot:
        empty = app.screen.query_one("#today-empty")
        await wait_for(pilot, lambda: "press c" in text_of(empty))
        assert "You own no accounts" in text_of(empty)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CoverageScreen))
