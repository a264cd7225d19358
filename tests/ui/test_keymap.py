"""Users rebind keys: `[keys]` in config.toml (binding id = "key[,key]") goes through
Textual's keymap; the Footer and `?` show the user's keys; a wrong entry is reported at
start-up with the valid ids, and the app starts anyway."""

from __future__ import annotations

from csm_tui.config import Settings
from csm_tui.ui.app import make_app
from csm_tui.ui.keymap import SCOPES, app_bindings, check_keys, known_key
from csm_tui.workspace import Workspace
from tests.ui.screen_text import text_of
from tests.ui.snapshot_steps import rows_shown, until

SIZE = (160, 48)


def _workspace(demo_db, clock, toml: str) -> Workspace:
    return Workspace(db_path=demo_db, clock=clock, settings=Settings.from_toml(toml))


def _footer(app) -> str:
    return " ".join(text_of(key) for key in app.screen.query("FooterKey"))


def _messages(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def test_every_binding_id_is_in_a_scope():
    prefixes = {binding_id.partition(".")[0] for binding_id in app_bindings()}
    assert prefixes <= set().union(*SCOPES), prefixes - set().union(*SCOPES)
    assert {"app.help", "portfolio.log", "tasks.snooze", "log.save"} <= set(app_bindings())


def test_key_names():
    for key in ("f5", "ctrl+l", "L", "question_mark", "slash", "space", "shift+tab", "5"):
        assert known_key(key), key
    for key in ("F5x", "control+l", "ctrl+", "fn+f5", "foo"):
        assert not known_key(key), key


def test_a_swap_is_no_clash_and_keys_are_written_as_textual_reads_them():
    checked = check_keys(
        {"portfolio.log": "s", "portfolio.sort": "l", "app.sync_now": "f5, !"}, app_bindings()
    )
    assert checked.problems == ()
    assert checked.keymap == {
        "portfolio.log": "s",
        "portfolio.sort": "l",
        "app.sync_now": "f5,exclamation_mark",
    }


def test_wrong_entries_are_left_out_with_the_reason():
    checked = check_keys(
        {
            "app.sycn_now": "f5",  # a typo
            "portfolio.log": "s",  # s sorts the portfolio
            "app.coverage": "l",  # l logs on the portfolio, which would win there
            "tasks.snooze": "ctrl+entr",
            "today.log": None,  # a number in the file
            "account.log": "ctrl+l",  # fine
            "tasks.complete": "ctrl+c",  # Textual's: copy, or "press ctrl+q to quit"
        },
        app_bindings(),
    )
    why = {(p.binding_id, p.code, p.key, p.other) for p in checked.problems}
    assert why == {
        ("app.sycn_now", "unknown_id", "", ""),
        ("portfolio.log", "clash", "s", "portfolio.sort"),
        ("app.coverage", "clash", "l", "today.log"),  # and portfolio.log, account.log
        ("tasks.snooze", "unknown_key", "ctrl+entr", ""),
        ("today.log", "not_keys", "", ""),
        ("tasks.complete", "textual", "ctrl+c", ""),
    }
    assert checked.keymap == {"account.log": "ctrl+l"}


def test_keys_on_different_screens_do_not_clash():
    # r is Retry on Sync, Refresh on the prep, Reassign on a CSM's accounts: never where
    # an account's keys work
    checked = check_keys({"account.renewal": "r"}, app_bindings())
    assert checked.problems == ()
    assert checked.keymap == {"account.renewal": "r"}
    # m is Assign to me on the account's Tasks tab
    (clash,) = check_keys({"account.renewal": "m"}, app_bindings()).problems
    assert (clash.code, clash.other) == ("clash", "tasks.take")


async def test_a_rebound_key_runs_its_action_and_the_old_key_no_longer_does(demo_db, clock):
    from csm_tui.ui.screens.coverage import CoverageScreen
    from csm_tui.ui.screens.portfolio import PortfolioScreen

    ws = _workspace(demo_db, clock, '[keys]\n"app.coverage" = "f6"\n')
    app = make_app(ws, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: rows_shown(app))
        await until(pilot, lambda: "Coverage" in _footer(app))  # (the keys follow the rows)
        footer = _footer(app)
        assert "f6 Coverage" in footer, footer
        assert " c Coverage" not in footer
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen), "c no longer opens Coverage"
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, CoverageScreen))
        await app.workers.wait_for_complete()  # the check of [keys], after the first paint
        await pilot.pause()
        assert app._keymap == {"app.coverage": "f6"}
        assert not _messages(app)


async def test_help_shows_the_users_key(demo_db, clock):
    from csm_tui.ui.screens.help import HelpScreen

    ws = _workspace(demo_db, clock, '[keys]\n"portfolio.log" = "ctrl+l,f9"\n')
    app = make_app(ws, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: rows_shown(app))
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = text_of(app.screen.query_one("#help-keys")).splitlines()
        log = next(row for row in rows if "│ Log " in row)
        assert "^l f9" in log, log
        assert " l " not in log.split("│")[0]


async def test_a_bad_entry_is_reported_at_start_and_the_app_starts_with_the_rest(demo_db, clock):
    toml = '[keys]\n"app.sycn_now" = "f5"\n"portfolio.log" = "s"\n"app.coverage" = "f6"\n'
    ws = _workspace(demo_db, clock, toml)
    app = make_app(ws, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: rows_shown(app))
        await until(pilot, lambda: bool(_messages(app)))
        message = _messages(app)
        assert '"app.sycn_now": no key has this id; did you mean "app.sync_now"?' in message
        assert (
            '"portfolio.log": s already does "Sort" (portfolio.sort) on the same screen' in message
        )
        assert "app.  coverage edit_log help palette" in message  # the valid ids
        assert "portfolio.  clear_filter filter log open prep sort" in message
        await pilot.press("l")  # the clashing entry is left out: l logs, as before
        await until(pilot, lambda: type(app.screen).__name__ == "LogActivityScreen")
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "PortfolioScreen")
        await pilot.press("f6")  # the good entry is in force
        await until(pilot, lambda: type(app.screen).__name__ == "CoverageScreen")


def test_the_readme_example_applies_whole():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n[keys]\n", 1)[1].split("```", 1)[0]
    settings = Settings.from_toml("[keys]\n" + example)
    checked = check_keys(settings.keys, app_bindings())
    assert checked.problems == ()
    assert checked.keymap["app.sync_now"] == "f5"
    assert checked.keymap["account.log"] == "l,ctrl+l"


def test_the_keys_table_as_the_settings_read_it():
    import pytest

    from csm_tui.config import SettingsError

    keys = Settings.from_toml('[keys]\n"a.b" = "f5"\n"c.d" = ["l", "ctrl+l"]\n"e.f" = 5\n').keys
    assert keys == {"a.b": "f5", "c.d": "l,ctrl+l", "e.f": None}
    assert Settings.from_toml("language = 'en'").keys == {}
    with pytest.raises(SettingsError, match=r"\[keys\] must be a table"):
        Settings.from_toml('keys = "f5"')
