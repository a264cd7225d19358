"""Opening the app builds only the parsers it needs (issue 12: start-up): the other
sub-commands' modules load only for those commands or for help on the whole line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from csm_tui.cli.main import build_parser, opens_the_app

APP_LINES = [
    [],
    ["--db", "book.sqlite3"],
    ["--lang", "zh", "--db", "b", "--now", "2026-11-22T09:00", "--start", "portfolio"],
    ["--db=b", "open"],
    ["demo", "--accounts", "500", "--seed", "3"],
    ["--db", "b", "demo", "--fresh", "--yes", "--no-open"],
]
OTHER_LINES = [
    ["-h"],
    ["--db", "b", "import", "accounts.csv"],
    ["serve"],
    ["sync"],
    ["run", "script.txt"],
    ["bogus"],
    ["--bogus"],
]
OTHER_MODULES = (
    "csm_tui.server.cli",
    "csm_tui.cli.sync_commands",
    "csm_tui.cli.transfer",
    "csm_tui.cli.run",
    "csm_tui.cli.health",
    "csm_tui.cli.rates",
)


@pytest.mark.parametrize("argv", APP_LINES)
def test_a_line_that_opens_the_app_reads_the_same_with_its_parsers_only(argv):
    assert opens_the_app(argv)
    assert build_parser(every_command=False).parse_args(argv) == build_parser().parse_args(argv)


@pytest.mark.parametrize("argv", OTHER_LINES)
def test_every_other_line_gets_the_whole_command_line(argv):
    assert not opens_the_app(argv)


def _loaded_after_parsing(argv: list[str]) -> list[str]:
    code = (
        "import json, sys\n"
        "from csm_tui.cli.main import build_parser, opens_the_app\n"
        f"argv = {argv!r}\n"
        "build_parser(every_command=not opens_the_app(argv)).parse_known_args(argv)\n"
        f"print(json.dumps([m for m in {OTHER_MODULES!r} if m in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    loaded: list[str] = json.loads(out)
    return loaded


def test_opening_the_app_imports_no_other_sub_command():
    assert _loaded_after_parsing(["--db", "b", "--start", "portfolio"]) == []
    assert _loaded_after_parsing(["--db", "b", "sync"]) == list(OTHER_MODULES)


def test_help_on_the_whole_line_still_lists_every_command(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "csm_tui", "--lang", "en", "-h"],
        capture_output=True, text=True, check=True, timeout=60, cwd=tmp_path,
    ).stdout  # fmt: skip
    for command in ("open", "demo", "serve", "login", "sync", "import", "export", "run",
                    "health", "rates"):  # fmt: skip
        assert f"    {command}" in out, command


def test_a_wrong_command_is_still_named_among_the_right_ones(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "csm_tui", "--lang", "en", "bogus"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert "invalid choice: 'bogus'" in done.stderr and "'serve'" in done.stderr


@pytest.mark.parametrize(
    "argv", [["--db"], ["--start"], ["--start", "bogus"], ["--db", "b", "--now"]]
)
def test_a_mistake_on_the_app_line_is_said_as_the_whole_parser_says_it(argv, capsys):
    with pytest.raises(SystemExit) as lean:
        build_parser(every_command=not opens_the_app(argv)).parse_args(argv)
    said = capsys.readouterr().err
    with pytest.raises(SystemExit) as whole:
        build_parser().parse_args(argv)
    assert said == capsys.readouterr().err
    assert lean.value.code == whole.value.code == 2


def test_a_mistake_is_said_in_the_interface_language(capsys):
    from csm_tui.cli.main import main

    with pytest.raises(SystemExit):
        main(["--lang", "zh", "--db"])
    said = capsys.readouterr().err
    assert "错误" in said and "--db" in said
    assert "[--start {today,portfolio}]" in said  # csm-tui's own parser, not a bare one


@pytest.mark.parametrize(
    ("argv", "words"),
    [(["--lang"], "expected one argument"), (["--lang", "fr"], "invalid choice: 'fr'")],
)
def test_a_missing_or_unknown_language_is_said_by_csm_tui_in_the_locales_language(
    argv, words, capsys, monkeypatch
):
    """`csm-tui --lang` with no language, or one it does not speak: csm-tui's parser says
    so with its own usage, in the language the locale picks (not a bare parser's English)."""
    from csm_tui.cli.main import main

    monkeypatch.setenv("LANG", "C.UTF-8")
    with pytest.raises(SystemExit) as english:
        main(argv)
    said = capsys.readouterr().err
    assert english.value.code == 2
    assert words in said and "[--start {today,portfolio}]" in said
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    with pytest.raises(SystemExit):
        main(argv)
    said = capsys.readouterr().err
    assert "错误" in said and "--lang" in said and "[--start {today,portfolio}]" in said


def test_the_look_for_the_app_knows_every_top_option_that_takes_a_value():
    """`opens_the_app` skips the top options' values by name (it builds no parser): a new
    option added to the parser must be added there too, or a line with it builds every
    sub-command (slower, never wrong)."""
    from csm_tui.cli.main import _TOP_OPTIONS

    taking_a_value = {
        name
        for action in build_parser()._actions
        if action.option_strings and action.nargs != 0
        for name in action.option_strings
    }
    assert taking_a_value == set(_TOP_OPTIONS)
