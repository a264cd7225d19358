"""The command language: verbs, words, errors with positions, canonical printing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csm_tui.domain.language.filters import PortfolioSort, QueryError, parse_filter
from csm_tui.domain.language.lexer import split_words
from csm_tui.domain.language.verb_options import (
    EXPORT_FORMATS,
    VERBS,
    ExportFormat,
    ExportTarget,
    ImportTarget,
    OutputFormat,
)
from csm_tui.domain.language.verb_types import (
    AmendCommand,
    AssignCommand,
    CheckCommand,
    CommandError,
    ConflictChoice,
    ConflictsCommand,
    ContactCommand,
    ContactsCommand,
    CoverageCommand,
    DismissCommand,
    ExportCommand,
    FilterCommand,
    HelpCommand,
    ImportCommand,
    LogCommand,
    NotesCommand,
    OpenCommand,
    PrepCommand,
    RefusedCommand,
    ResolveCommand,
    RetryCommand,
    SnoozeCommand,
    StageCommand,
    SyncCommand,
    TaskCommand,
    TaskDoneCommand,
    TasksCommand,
    TaskTakeCommand,
    TimelineCommand,
    TodayCommand,
    UndoCommand,
)
from csm_tui.domain.language.verbs import parse_command
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.records import ActivityKind, ContactRole, Sentiment
from tests.domain.language.test_filters import filters

# ----------------------------------------------------------------------------- verbs

STRATEGIC = "tier:strategic health:<60"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("filter tier:strategic health:<60", FilterCommand(filter=parse_filter(STRATEGIC))),
        ("tier:strategic health:<60", FilterCommand(filter=parse_filter(STRATEGIC))),
        ("filter", FilterCommand()),
        ('"acme ltd" --sort renewal --limit 20',
         FilterCommand(filter=parse_filter('"acme ltd"'), sort=PortfolioSort.RENEWAL, limit=20)),
        ('open "Acme Ltd"', OpenCommand(account="Acme Ltd")),
        ("open 云图科技", OpenCommand(account="云图科技")),
        ('log call "Acme Ltd" --minutes 30 --summary "Went well" --next "send deck in 3 days" '
         '--when "yesterday 15:00" --sentiment positive',
         LogCommand(kind=ActivityKind.CALL, account="Acme Ltd", minutes=30, summary="Went well",
                    next_steps="send deck in 3 days", when="yesterday 15:00",
                    sentiment=Sentiment.POSITIVE)),
        ('LOG QBR acme --summary=ok --with "Jane Doe" --with Li',
         LogCommand(kind=ActivityKind.QBR, account="acme", summary="ok",
                    contacts=("Jane Doe", "Li"))),
        ('check "Acme Ltd" kickoff', CheckCommand(account="Acme Ltd", item="kickoff")),
        ("uncheck acme kickoff --stage onboard",
         CheckCommand(account="acme", item="kickoff", done=False, stage=Stage.ONBOARDING)),
        ('stage "Acme Ltd" adoption', StageCommand(account="Acme Ltd", target=Stage.ADOPTION)),
        ("stage acme", StageCommand(account="acme")),
        ('task "Acme Ltd" "Send the deck" --due "next tue"',
         TaskCommand(account="Acme Ltd", title="Send the deck", due="next tue")),
        ("task done 3fa9c2e1", TaskDoneCommand(task="3fa9c2e1")),
        ("task reopen 3fa9c2e1 --dry-run",
         TaskDoneCommand(task="3fa9c2e1", done=False, dry_run=True)),
        ('task "done" "Call back"', TaskCommand(account="done", title="Call back")),
        ('prep "Acme Ltd" --export prep.md', PrepCommand(account="Acme Ltd", export="prep.md")),
        ('assign "Acme Ltd" "Tom Becker"', AssignCommand(account="Acme Ltd", owner="Tom Becker")),
        ("coverage --team emea --format csv",
         CoverageCommand(team="emea", output=OutputFormat.CSV)),
        ("coverage --period fy2026q3", CoverageCommand(period="fy2026q3")),
        ("sync", SyncCommand()),
        ("today", TodayCommand()),
        ("help log", HelpCommand(topic="log")),
        ("export portfolio tier:strategic --sort arr --out book.csv",
         ExportCommand(target=ExportTarget.PORTFOLIO, filter=parse_filter("tier:strategic"),
                       sort=PortfolioSort.ARR, format=ExportFormat.CSV, out="book.csv")),
        ("export coverage --team emea --format md --out c.md",
         ExportCommand(target=ExportTarget.COVERAGE, team="emea", format=ExportFormat.MD,
                       out="c.md")),
        ("export prep acme", ExportCommand(target=ExportTarget.PREP, account="acme",
                                           format=ExportFormat.MD)),
        ("export portfolio --excel", ExportCommand(target=ExportTarget.PORTFOLIO,
                                                   format=ExportFormat.CSV, excel=True)),
        ('export prep "Acme Ltd" --out acme.json',
         ExportCommand(target=ExportTarget.PREP, account="Acme Ltd", format=ExportFormat.JSON,
                       out="acme.json")),
        ("import accounts companies.csv --mapping hubspot --dry-run",
         ImportCommand(target=ImportTarget.ACCOUNTS, file="companies.csv", mapping="hubspot",
                       dry_run=True)),
    ],
)  # fmt: skip
def test_each_verb_reads_as_written(text, expected):
    assert parse_command(text) == expected


def test_the_filter_of_a_command_is_the_filter_language_itself():
    text = 'tier:strategic,enterprise health:<60 renewal:<90d owner:"Tom Becker" is:overdue acme'
    assert parse_command(text).filter == parse_filter(text)
    assert parse_command("filter " + text).filter == parse_filter(text)


def test_quotes_escape_and_keep_spaces():
    words = split_words('log "a \\"b\\" c" x"y z"w "line\\nbreak" \\d')
    assert [w.value for w in words] == ["log", 'a "b" c', "xy zw", "line\nbreak", "\\d"]
    assert [w.quoted for w in words] == [False, True, False, True, False]


def test_a_quoted_option_word_is_a_value():
    command = parse_command('log note acme --summary "--not an option"')
    assert command.summary == "--not an option"


def test_ideographic_space_separates_words():
    assert parse_command("open\u3000云图") == OpenCommand(account="云图")


# ----------------------------------------------------------------------------- errors


def test_a_wrong_kind_lists_the_kinds_once():
    """It said "kinds of activity (call, meeting, ...) (call, meeting, email, …)"."""
    with pytest.raises(QueryError) as info:
        parse_command("timeline acme --type cal")
    assert str(info.value).count("meeting") == 1, str(info.value)


@pytest.mark.parametrize(
    ("text", "position", "expected"),
    [
        ("", 0, "a command"),
        ("open", 4, "an account"),
        ("log call", 8, "an account"),
        ('log call "Acme Ltd"', 19, "--summary"),
        ("log cal acme --summary x", 4, "a kind of activity"),
        ("log call acme --summary", 23, "what was said after --summary"),
        ("log call acme --summary x --minutes 1441", 36, "minutes from 0 to 1440"),
        ("log call acme --summary x --summary y", 26, "--summary only once"),
        ("log call acme --summary x --bogus", 26, "an option of log"),
        ("log call acme --summary x --sentiment happy", 38, "a sentiment"),
        ("open acme extra", 10, "an option of open"),
        ('open "acme', 10, 'a closing " for the quote opened at column 6'),
        ("filter health:<", 15, 'a number after "health:<"'),
        ("tier:strategic health:<6x", 23, 'a number after "health:<"'),
        ("filter --limit 0", 15, "a number of rows from 1"),
        ("stage acme nowhere", 11, "a stage"),
        ("task acme", 9, "the task's title"),
        ("task done", 9, "a task id"),
        ("sync now", 5, "an option of sync"),
        ("today --dry-run", 6, "an option of today"),
        ("export prep acme --format xml --out a.xml", 26, "an export format"),
        ("export coverage --out notes.txt", 31, "--format csv, json or md"),
        ("export portfolio --team emea --out a.csv", 17, "no --team when exporting portfolio"),
        ("export stuff --out a.csv", 7, "what to export"),
        ("import people x.csv", 7, "what to import"),
        ("lgo call acme", 0, 'did you mean "log"'),
        ("tody", 0, 'did you mean "today"'),
        ("help nothing", 5, "a verb"),
        ("opem acme", 0, 'did you mean "open"'),
        ("acme tier:strategic", 0, "to search names for it, write: filter acme"),
        ("snooze", 6, "a task id"),
        ("snooze 3fa9 --days 0", 19, "a number of days from 1"),
        ("timeline acme --type call,lunch", 21, "kinds of activity"),
        ("resolve x mine", 8, "a conflict's number"),
        ("resolve 3 maybe", 10, "how to settle it"),
        ("resolve 3 mine --set arr=1", 15, "no --set with mine"),
        ("resolve 3 edit", 14, "--set FIELD=VALUE"),
        ("resolve 3 edit --set arr", 21, "FIELD=VALUE after --set"),
        ("retry", 5, "a refused change's id"),
        ("contact", 7, "add or edit after contact"),
        ("contact remove acme jane", 8, "add or edit after contact"),
        ("contact add acme jane --name x", 22, "no --name with add"),
        ("contact add acme jane --role boss", 29, "a role"),
        ("notes acme --set a --append b", 19, "--set or --append, not both"),
        ("task take", 9, "a task id"),
        ("amend --dry-run", 15, "what to change"),
        ("amend --kind lunch", 13, "a kind of activity"),
        ("log call acme --summary x --dry-run=yes", 35, "no value after --dry-run"),
    ],
)
def test_errors_name_the_position_and_what_was_expected(text, position, expected):
    with pytest.raises(QueryError) as info:
        parse_command(text)
    error = info.value
    assert error.position == position, str(error)
    assert expected in error.expected
    assert str(error).startswith(f"column {position + 1}: expected ")


def test_command_errors_are_query_errors():
    with pytest.raises(CommandError):
        parse_command("open")
    assert issubclass(CommandError, QueryError)


def test_a_name_search_that_looks_like_a_verb_typo_can_be_forced():
    assert parse_command("filter lgo").filter.words == ("lgo",)
    assert parse_command('"lgo"').filter.words == ("lgo",)


# ----------------------------------------------------------------------------- printing

_CHARS = list("abcXYZ019 _%:,|\"\\'-=云图éÉ\u3000\t\n\r#")
_text = st.text(st.sampled_from(_CHARS), min_size=1, max_size=10).filter(lambda s: s.strip())
_opt_text = st.none() | _text


def _enum(e):
    return st.sampled_from(list(e))


_output = st.none() | _enum(OutputFormat)


@st.composite
def _exports(draw):
    target = draw(_enum(ExportTarget))
    fmt = draw(st.sampled_from(EXPORT_FORMATS[target]))
    return ExportCommand(
        target=target,
        format=fmt,
        out=draw(_opt_text),
        excel=draw(st.booleans()),
        filter=draw(filters) if target is ExportTarget.PORTFOLIO else FilterCommand().filter,
        sort=draw(st.none() | _enum(PortfolioSort)) if target is ExportTarget.PORTFOLIO else None,
        team=draw(_opt_text) if target is ExportTarget.COVERAGE else None,
        account=draw(_text) if target is ExportTarget.PREP else None,
        dry_run=draw(st.booleans()),
    )


commands = st.one_of(
    st.builds(FilterCommand, filter=filters, sort=st.none() | _enum(PortfolioSort),
              limit=st.none() | st.integers(1, 10**6), output=_output),
    st.builds(OpenCommand, account=_text, output=_output),
    st.builds(LogCommand, kind=_enum(ActivityKind), account=_text, summary=_text,
              minutes=st.none() | st.integers(0, 1440), next_steps=_opt_text, when=_opt_text,
              sentiment=st.none() | _enum(Sentiment),
              contacts=st.lists(_text, max_size=3).map(tuple), dry_run=st.booleans(),
              output=_output),
    st.builds(CheckCommand, account=_text, item=_text, done=st.booleans(),
              stage=st.none() | _enum(Stage), dry_run=st.booleans(), output=_output),
    st.builds(StageCommand, account=_text, target=st.none() | _enum(Stage),
              dry_run=st.booleans(), output=_output),
    st.builds(TaskCommand, account=_text, title=_text, due=_opt_text, dry_run=st.booleans(),
              output=_output),
    st.builds(TaskDoneCommand, task=_text, done=st.booleans(), dry_run=st.booleans(),
              output=_output),
    st.builds(PrepCommand, account=_text, export=_opt_text, dry_run=st.booleans(),
              output=_output),
    st.builds(AssignCommand, account=_text, owner=_text, dry_run=st.booleans(), output=_output),
    st.builds(CoverageCommand, team=_opt_text, period=_opt_text, output=_output),
    st.builds(SyncCommand, output=_output),
    st.builds(TodayCommand, output=_output),
    st.builds(HelpCommand, topic=st.none() | st.sampled_from(VERBS), output=_output),
    st.builds(ImportCommand, target=_enum(ImportTarget), file=_text, mapping=_opt_text,
              owner=_opt_text, dry_run=st.booleans(), output=_output),
    _exports(),
    st.builds(SnoozeCommand, task=_text, days=st.none() | st.integers(1, 3650),
              dry_run=st.booleans(), output=_output),
    st.builds(TimelineCommand, account=_text,
              kinds=st.lists(_enum(ActivityKind), unique=True, max_size=3).map(tuple),
              limit=st.none() | st.integers(1, 10**6), output=_output),
    st.builds(ConflictsCommand, all=st.booleans(), output=_output),
    st.builds(ResolveCommand, conflict=st.integers(1, 10**9), choice=st.just(ConflictChoice.EDIT),
              values=st.lists(st.tuples(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), _text)
                              .map("=".join), min_size=1, max_size=3).map(tuple),
              dry_run=st.booleans(), output=_output),
    st.builds(ResolveCommand, conflict=st.integers(1, 10**9),
              choice=st.sampled_from([ConflictChoice.MINE, ConflictChoice.THEIRS]),
              dry_run=st.booleans(), output=_output),
    st.builds(RefusedCommand, output=_output),
    st.builds(RetryCommand, change=_text, dry_run=st.booleans(), output=_output),
    st.builds(DismissCommand, change=_text, dry_run=st.booleans(), output=_output),
    st.builds(TasksCommand, account=_text, done=st.booleans(), output=_output),
    st.builds(TaskTakeCommand, task=_text, dry_run=st.booleans(), output=_output),
    st.builds(ContactsCommand, account=_text, output=_output),
    st.builds(ContactCommand, edit=st.just(False), account=_text, name=_text, title=_opt_text,
              email=_opt_text, phone=_opt_text, role=st.none() | _enum(ContactRole),
              dry_run=st.booleans(), output=_output),
    st.builds(ContactCommand, edit=st.just(True), account=_text, name=_text,
              new_name=_opt_text, title=_opt_text, email=_opt_text, phone=_opt_text,
              role=st.none() | _enum(ContactRole), dry_run=st.booleans(), output=_output),
    st.builds(NotesCommand, account=_text, set=_opt_text, dry_run=st.booleans(),
              output=_output),
    st.builds(NotesCommand, account=_text, append=_opt_text, dry_run=st.booleans(),
              output=_output),
    st.builds(UndoCommand, dry_run=st.booleans(), output=_output),
    st.builds(AmendCommand, kind=st.none() | _enum(ActivityKind), summary=_text,
              minutes=st.none() | st.integers(0, 1440), next_steps=_opt_text, when=_opt_text,
              sentiment=st.none() | _enum(Sentiment), dry_run=st.booleans(), output=_output),
)  # fmt: skip


@settings(max_examples=600)
@given(commands)
def test_print_then_parse_gives_back_the_same_command(command):
    text = command.to_text()
    assert parse_command(text) == command, text
    assert "\n" not in text  # one command, one line: scripts split at line feeds


_VOCAB = [
    *VERBS, "call", "note", "qbr", "done", "reopen", "portfolio", "coverage", "prep",
    "accounts", "contacts", "adoption", "kickoff", "acme", '"Acme Ltd"', "云图", '"a\\"b"',
    '"x\\ny"', "--summary", "--minutes", "--next", "--when", "--with", "--sentiment",
    "--stage", "--due", "--export", "--team", "--format", "--out", "--mapping", "--sort",
    "--limit", "--dry-run", "--excel", "--owner", "--summary=hi", "--format=json", "30",
    "0", "positive", "csv",
    "json", "md", "table", "renewal", "tier:strategic", "health:<60", "owner:me", "is:late",
    "x.csv", "hubspot", "=", '"', "\\", "#", "--", '"--x"',
]  # fmt: skip
_lines = st.lists(st.sampled_from(_VOCAB) | _text, min_size=1, max_size=9).map(" ".join)


@settings(max_examples=800)
@given(_lines)
def test_parse_print_parse_is_stable(text):
    try:
        first = parse_command(text)
    except QueryError as error:
        assert 0 <= error.position <= len(text)
        return
    printed = first.to_text()
    second = parse_command(printed)
    assert second == first, (text, printed)
    assert second.to_text() == printed


@given(_lines)
def test_errors_point_inside_the_line(text):
    try:
        parse_command(text)
    except QueryError as error:
        assert 0 <= error.position <= len(text)
        assert error.expected


def test_printing_is_canonical():
    command = parse_command('LOG Call acme --sentiment=Positive --summary="x y" --minutes 007')
    assert command.to_text() == 'log call acme --minutes 7 --summary "x y" --sentiment positive'


# ----------------------------------------------------------------------------- keys as verbs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("snooze 3fa9c2e1", SnoozeCommand(task="3fa9c2e1")),
        ("snooze 3fa9c2e1 --days 7 --dry-run", SnoozeCommand(task="3fa9c2e1", days=7,
                                                             dry_run=True)),
        ('timeline "Acme Ltd"', TimelineCommand(account="Acme Ltd")),
        ("timeline acme --type call,QBR,call --limit 5",
         TimelineCommand(account="acme", kinds=(ActivityKind.CALL, ActivityKind.QBR), limit=5)),
        ("conflicts", ConflictsCommand()),
        ("conflicts --all --format json", ConflictsCommand(all=True, output=OutputFormat.JSON)),
        ("resolve 3 mine", ResolveCommand(conflict=3, choice=ConflictChoice.MINE)),
        ("resolve 3 Theirs --dry-run", ResolveCommand(conflict=3, choice=ConflictChoice.THEIRS,
                                                      dry_run=True)),
        ('resolve 12 edit --set arr=120000 --set "name=Acme Ltd" --set owner_id=',
         ResolveCommand(conflict=12, choice=ConflictChoice.EDIT,
                        values=("arr=120000", "name=Acme Ltd", "owner_id="))),
        ("refused", RefusedCommand()),
        ("retry 0193ab12", RetryCommand(change="0193ab12")),
        ("dismiss 0193ab12 --dry-run", DismissCommand(change="0193ab12", dry_run=True)),
    ],
)  # fmt: skip
def test_the_sync_screen_and_today_keys_read_as_verbs(text, expected):
    assert parse_command(text) == expected
    assert parse_command(expected.to_text()) == expected


def test_edit_values_are_what_the_sync_screen_form_gives():
    command = parse_command('resolve 1 edit --set arr=120000 --set "name=A = B" --set owner_id=')
    assert command.edited() == {"arr": "120000", "name": "A = B", "owner_id": None}


def test_an_unknown_verb_is_an_error_naming_the_nearest_verbs_not_a_name_search():
    with pytest.raises(CommandError) as info:
        parse_command("opem acme")
    assert info.value.position == 0
    assert 'did you mean "open"' in str(info.value)
    with pytest.raises(CommandError) as info:
        parse_command("zzzz")
    assert "snooze" in str(info.value) and "filter zzzz" in str(info.value)
    # A line that starts like a filter is still one.
    assert parse_command("tier:strategic acme").filter.words == ("acme",)
    assert parse_command('"acme" tier:strategic').filter.words == ("acme",)
    assert parse_command("云图").filter.words == ("云图",)
