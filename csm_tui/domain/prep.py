"""Call prep: the one-screen brief before a call, and its Markdown sheet (spec section 1).

`PrepBrief` is what the store gathers from the cache; `render_prep_markdown` turns it and
the CSM's own notes into a Markdown file.

Text from the book (names, titles, summaries, next steps, task titles) is written so that
Markdown shows it as the same text, never as structure: characters that Markdown would
read as markup are backslash-escaped (``[bold]`` is written ``\\[bold\\]`` and shows as
``[bold]``), a line that would open a heading, quote or list has its first character
escaped, leading spaces become character references so they cannot open a code block,
and terminal control characters are made visible (`domain.text.safe_text`: ESC shows as
``\\x1b``) so ``cat`` of the file cannot clear a screen. Nothing else is changed: Chinese,
emoji and every other character are written as they are.

The CSM's own notes are theirs: written as they typed them (Markdown in a note stays
Markdown), with control characters made visible.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from csm_tui.domain.errors import MessageError
from csm_tui.domain.health import Band
from csm_tui.domain.humanize import format_money_full
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.records import ActivityKind, ContactRole
from csm_tui.domain.text import safe_text
from csm_tui.domain.tiers import Tier
from csm_tui.domain.validity import MAX_TEXT_CHARS, text_problem
from csm_tui.i18n import N_, Message, Nn_

PREP_NOTE_MAX_CHARS = MAX_TEXT_CHARS
"""The longest prep note that can be saved: the same limit as every long text (activity
summaries), which the central API accepts too."""

RECENT_ACTIVITIES = 5


class PrepNoteTooLong(MessageError):
    """A prep note that cannot be saved (over `PREP_NOTE_MAX_CHARS`, or holding a character
    no backend stores: NUL, a lone surrogate); nothing was saved. The message says why."""


def check_prep_note(body: str) -> None:
    if len(body) > PREP_NOTE_MAX_CHARS:
        raise PrepNoteTooLong(
            Message.of(
                N_(
                    "Prep notes can hold {limit} characters; this one has {length}. Shorten it "
                    "(or keep the long text in a file) and save again."
                ),
                limit=f"{PREP_NOTE_MAX_CHARS:,}",
                length=f"{len(body):,}",
            )
        )
    problem = text_problem(body)
    if problem is not None:
        raise PrepNoteTooLong(
            Message.of(
                N_("{problem}; nothing was saved."),
                problem=problem.words(Message.of(N_("The prep note"))),
            )
        )


@dataclass(frozen=True)
class PrepWeakness:
    """One of the health components that cost the most points."""

    label: str
    points: int
    weight: int
    raw: str  # the value in words: "login 40%, leads 5.0/user/wk"
    standard: str  # what it is measured against
    # raw and standard as `Message`s, for the sheet in the interface language (exports of
    # the brief as data keep the English above)
    words: tuple[Message, Message] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class PrepContact:
    name: str
    title: str
    role: ContactRole
    email: str
    phone: str


@dataclass(frozen=True)
class PrepChecklistItem:
    label: str
    required: bool


@dataclass(frozen=True)
class PrepTask:
    title: str
    due_on: date | None
    snoozed_until: date | None
    owner_name: str | None


@dataclass(frozen=True)
class PrepActivity:
    occurred_at: datetime  # UTC
    kind: str  # ActivityKind value (kept as text: a newer server may send a new kind)
    minutes: int
    summary: str
    next_steps: str
    sentiment: str
    author_name: str | None
    contact_names: tuple[str, ...] = ()

    @property
    def kind_label(self) -> str:
        try:
            return ActivityKind(self.kind).label
        except ValueError:
            return self.kind


@dataclass(frozen=True)
class PrepBrief:
    account_id: str
    name: str
    tier: Tier
    tier_why: str  # "ARR band → Strategic", or the override and its reason
    stage: Stage
    sales_motion: str  # label: "long-cycle direct"
    segment: str
    industry: str
    seats: int
    arr: float
    currency: str
    arr_usd: float
    owner_name: str | None
    go_live_date: date | None
    activated_on: date | None
    renewal_date: date | None
    last_touch_at: datetime | None
    touch_why: str  # "Strategic · last touch 19 days ago, cadence 14"
    touch_overdue: bool
    activation_why: str  # "" or "not activated 30+ days after go-live (...)"
    health_score: int | None
    health_band: Band | None
    health_score_30d: int | None
    weakest: tuple[PrepWeakness, ...]
    nps: int | None
    nps_measured_on: date | None  # the day of the NPS response itself (None: not recorded)
    stakeholders: tuple[PrepContact, ...]
    open_checklist: tuple[PrepChecklistItem, ...]
    open_tasks: tuple[PrepTask, ...]
    recent_activities: tuple[PrepActivity, ...] = field(default=())
    # tier_why and touch_why as `Message`s, for the sheet in the interface language (exports
    # of the brief as data keep the English strings above)
    tier_why_words: Message | None = field(default=None, compare=False, repr=False)
    touch_why_words: Message | None = field(default=None, compare=False, repr=False)

    def renewal_in_days(self, today: date) -> int | None:
        """Days until the renewal date (negative: past), None without one."""
        return None if self.renewal_date is None else (self.renewal_date - today).days


# ------------------------------------------------------------------------- Markdown escaping

# Inline markup: emphasis, code, links and images, raw HTML and autolinks, strikethrough,
# table cells, and the backslash itself.
_INLINE = re.compile(r"([\\`*_\[\]<>~|])")
_INLINE_HEADING = re.compile(r"([\\`*_\[\]<>~|#])")  # a trailing "#" run closes a heading
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")  # "&amp;" would show as "&"
_ORDERED = re.compile(r"^(\d{1,9})([.)])")  # "1986. A good year" would open a list
_BLOCK_START = frozenset("#>+-=")  # heading, quote, list, setext underline
_LEADING_SPACE = re.compile(r"^\s+")  # Markdown would drop it (any Unicode space)


def _escape_line(line: str, inline: re.Pattern[str] = _INLINE, line_start: bool = True) -> str:
    line = _ENTITY.sub(r"\\&", inline.sub(r"\\\1", line))
    match = _LEADING_SPACE.match(line)
    lead = ""
    if match:
        lead = "".join(f"&#{ord(ch)};" for ch in match.group())
        line = line[match.end() :]
    if not line_start:
        return lead + line
    if line[:1] in _BLOCK_START:
        return lead + "\\" + line
    return lead + _ORDERED.sub(r"\1\\\2", line)


def md_inline(text: str, *, line_start: bool = True) -> str:
    """Book text for one line of Markdown (a list item, a bold label's value).

    Line breaks show as ⏎ and control characters as visible escapes (`safe_text`).
    `line_start=False` when the text follows other text on its line (after a label):
    block markers (``#``, ``-``, ``1.``) only count at the start of a line, so they are
    left as they are there.
    """
    return _escape_line(safe_text(text), line_start=line_start)


def _mid(text: str) -> str:
    return md_inline(text, line_start=False)


def md_heading(text: str) -> str:
    """Book text for a heading: as `md_inline`, and every ``#`` escaped (a trailing run
    of ``#`` would otherwise be dropped as the heading's closing sequence)."""
    return _escape_line(safe_text(text), _INLINE_HEADING, line_start=False)


def md_block(text: str, indent: str = "  ") -> str:
    """Multi-line book text as lines continuing a list item (`indent` before each line
    but the first). Line breaks are kept."""
    lines = safe_text(text, multiline=True).split("\n")
    return ("\n" + indent).join(_escape_line(line) if line.strip(" \t") else "" for line in lines)


# ------------------------------------------------------------------------- the sheet


def _date(value: date | None) -> str:
    return "—" if value is None else value.isoformat()


Say = Callable[[Message], str]
"""How a `Message` becomes words: `Message.render` (the interface language, the default)
or `Message.english`."""


def _w(say: Say, template: str, plural: str | None = None, /, **values: object) -> str:
    return say(Message.of(template, plural, **values))


def _renewal(brief: PrepBrief, today: date, say: Say) -> str:
    days = brief.renewal_in_days(today)
    if days is None or brief.renewal_date is None:
        return _w(say, N_("no renewal date"))
    when = brief.renewal_date.isoformat()
    if days == 0:
        return _w(say, N_("{day} — today"), day=when)
    if days < 0:
        return _w(
            say, *Nn_("{day} — {n} day overdue", "{day} — {n} days overdue"), day=when, n=-days
        )
    return _w(say, *Nn_("{day} — {n} day to go", "{day} — {n} days to go"), day=when, n=days)


def _money(brief: PrepBrief) -> str:
    text = format_money_full(brief.arr, brief.currency)
    if brief.currency.upper() != "USD":
        text += f" (≈ {format_money_full(brief.arr_usd, 'USD')})"
    return text


def _label(say: Say, label: str) -> str:
    """A label the domain marked `N_` (tier, stage, kind), in `say`'s language."""
    return say(Message.text(label)) if "{" in label else say(Message.of(label))


def _key_facts(brief: PrepBrief, today: date, say: Say) -> list[str]:
    owner = _mid(brief.owner_name) if brief.owner_name else _w(say, N_("unassigned"))
    facts = [
        _w(say, N_("- **Tier:** {tier} ({why})"), tier=_label(say, brief.tier.label),
           why=_mid(say(brief.tier_why_words) if brief.tier_why_words else brief.tier_why)),
        _w(say, N_("- **Stage:** {stage}"), stage=_label(say, brief.stage.label)),
        _w(say, N_("- **ARR:** {arr}"), arr=_money(brief)),
        _w(say, N_("- **Renewal:** {renewal}"), renewal=_renewal(brief, today, say)),
        _w(say, N_("- **Owner:** {owner}"), owner=owner),
    ]  # fmt: skip
    about = [
        _w(say, N_("**Sales motion:** {motion}"), motion=_label(say, brief.sales_motion)),
        _w(say, N_("**Seats:** {seats}"), seats=f"{brief.seats:,}"),
    ]
    if brief.segment:
        about.append(_w(say, N_("**Segment:** {segment}"), segment=_mid(brief.segment)))
    if brief.industry:
        about.append(_w(say, N_("**Industry:** {industry}"), industry=_mid(brief.industry)))
    facts.append("- " + " · ".join(about))
    touch = (
        _w(say, N_("never"))
        if brief.last_touch_at is None
        else brief.last_touch_at.date().isoformat()
    )
    overdue = _w(say, N_(" — **overdue**")) if brief.touch_overdue else ""
    facts.append(
        _w(say, N_("- **Last touch:** {touch} ({why}){overdue}"), touch=touch,
           why=_mid(say(brief.touch_why_words) if brief.touch_why_words else brief.touch_why),
           overdue=overdue)
    )  # fmt: skip
    why = f"**{_mid(_label(say, brief.activation_why))}**" if brief.activation_why else ""
    lifecycle = _w(
        say,
        N_("- **Go-live:** {go_live} · **Activated:** {activated}"),
        go_live=_date(brief.go_live_date),
        # no date and a why: the why in its place ("— — not activated" read as a stutter)
        activated=why if why and brief.activated_on is None else _date(brief.activated_on),
    )
    if why and brief.activated_on is not None:
        lifecycle += f" — {why}"
    facts.append(lifecycle)
    if brief.nps is None:
        facts.append(_w(say, N_("- **Last NPS:** none recorded")))
    elif brief.nps_measured_on is None:
        facts.append(
            _w(say, N_("- **Last NPS:** {nps} (response date not recorded)"), nps=f"{brief.nps:+d}")
        )
    else:
        facts.append(
            _w(say, N_("- **Last NPS:** {nps} (response of {day})"), nps=f"{brief.nps:+d}",
               day=_date(brief.nps_measured_on))
        )  # fmt: skip
    return facts


BAND_WORD = {Band.RED: N_("red"), Band.YELLOW: N_("yellow"), Band.GREEN: N_("green")}
"""A health band in words (msgids)."""


def _health(brief: PrepBrief, say: Say) -> list[str]:
    if brief.health_score is None:
        return [_w(say, N_("No health score yet (no signals in the cache)."))]
    band = "" if brief.health_band is None else f" — {_w(say, BAND_WORD[brief.health_band])}"
    line = f"**{brief.health_score} / 100{band}**"
    if brief.health_score_30d is not None:
        delta = brief.health_score - brief.health_score_30d
        line += _w(say, N_(" ({score} 30 days ago, {delta})"), score=brief.health_score_30d,
                   delta=f"{delta:+d}")  # fmt: skip
    out = [line, ""]
    if brief.weakest:
        out.append(_w(say, N_("Weakest components:")))
        out.append("")
        out += [
            _w(say, N_("- **{label}:** {points}/{weight} points — {raw} (vs {standard})"),
               label=_label(say, w.label), points=w.points, weight=w.weight,
               raw=_mid(say(w.words[0]) if w.words else w.raw),
               standard=_mid(say(w.words[1]) if w.words else w.standard))
            for w in brief.weakest
        ]  # fmt: skip
    else:
        out.append(_w(say, N_("No weak component: every part scores full points.")))
    return out


_ROLE_WORDS = {
    "sponsor": N_("Sponsor"),
    "champion": N_("Champion"),
    "user": N_("User"),
    "blocker": N_("Blocker"),
}


def _stakeholders(brief: PrepBrief, say: Say) -> list[str]:
    if not brief.stakeholders:
        return [_w(say, N_("_No stakeholders recorded._"))]
    lines = []
    for role in ContactRole:
        word = role.value.title()
        if role.value in _ROLE_WORDS:
            word = _label(say, _ROLE_WORDS[role.value])
        for c in (c for c in brief.stakeholders if c.role is role):
            parts = [f"**{word}:** {_mid(c.name)}"]
            if c.title:
                parts.append(_mid(c.title))
            reach = " · ".join(_mid(x) for x in (c.email, c.phone) if x)
            line = "- " + " — ".join(parts)
            if reach:
                line += f" ({reach})"
            lines.append(line)
    return lines


def _checklist(brief: PrepBrief, say: Say) -> list[str]:
    if not brief.open_checklist:
        return [_w(say, N_("_Nothing open._"))]
    required = _w(say, N_(" **(required)**"))
    return [
        f"- [ ] {_mid(_label(say, item.label))}{required if item.required else ''}"
        for item in brief.open_checklist
    ]


def _tasks(brief: PrepBrief, today: date, say: Say) -> list[str]:
    if not brief.open_tasks:
        return [_w(say, N_("_No open tasks._"))]
    lines = []
    for task in brief.open_tasks:
        line = f"- [ ] {_mid(task.title)}"
        if task.due_on is not None:
            late = (today - task.due_on).days
            if late > 0:
                state = _w(say, *Nn_("{n} day late", "{n} days late"), n=late)
            elif late == 0:
                state = _w(say, N_("today"))
            else:
                state = _w(say, *Nn_("in {n} day", "in {n} days"), n=-late)
            line += _w(say, N_(" — due {day} ({state})"), day=task.due_on.isoformat(), state=state)
        if task.snoozed_until is not None and task.snoozed_until > today:
            line += _w(say, N_(", snoozed until {day}"), day=task.snoozed_until.isoformat())
        if task.owner_name:
            line += f" · {_mid(task.owner_name)}"
        lines.append(line)
    return lines


def _activities(brief: PrepBrief, say: Say) -> list[str]:
    if not brief.recent_activities:
        return [_w(say, N_("_No activities yet._"))]
    lines = []
    for a in brief.recent_activities:
        kind = _label(say, a.kind_label)
        head = [f"**{a.occurred_at.date().isoformat()} · {_mid(kind)}**"]
        if a.minutes:
            head.append(_w(say, N_("{n} min"), n=a.minutes))
        head.append(_mid(a.sentiment))
        if a.author_name:
            head.append(_w(say, N_("by {name}"), name=_mid(a.author_name)))
        if a.contact_names:
            head.append(
                _w(say, N_("with {names}"), names=", ".join(_mid(n) for n in a.contact_names))
            )
        lines.append("- " + " · ".join(head))
        if a.summary.strip():
            lines.append("  " + md_block(a.summary))
        if a.next_steps.strip():
            lines.append("")
            lines.append(_w(say, N_("  _Next steps:_ {text}"), text=md_block(a.next_steps)))
        lines.append("")
    return lines[:-1]


def render_prep_markdown(
    brief: PrepBrief, notes: str, today: date, say: Say = Message.render
) -> str:
    """The call-prep sheet as Markdown (see the module doc for how text is written), its
    headings and labels in the interface language (`say=Message.english`: in English)."""
    stage = _label(say, brief.stage.label)
    no_notes = _w(say, N_("_No notes yet._"))
    parts = [
        _w(say, N_("# Call prep: {name}"), name=md_heading(brief.name)),
        "",
        _w(say, N_("_Prepared {day} with csm-tui._"), day=today.isoformat()),
        "",
        _w(say, N_("## Key facts")),
        "",
        *_key_facts(brief, today, say),
        "",
        _w(say, N_("## Health")),
        "",
        *_health(brief, say),
        "",
        _w(say, N_("## Stakeholders")),
        "",
        *_stakeholders(brief, say),
        "",
        _w(say, N_("## Open checklist items ({stage})"), stage=stage),
        "",
        *_checklist(brief, say),
        "",
        _w(say, N_("## Open tasks")),
        "",
        *_tasks(brief, today, say),
        "",
        _w(say, N_("## Last {n} activities"), n=RECENT_ACTIVITIES),
        "",
        *_activities(brief, say),
        "",
        _w(say, N_("## My notes")),
        "",
        safe_text(notes, multiline=True).strip("\n") if notes.strip() else no_notes,
        "",
    ]
    return "\n".join(parts)
