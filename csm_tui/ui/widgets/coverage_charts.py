"""The Coverage screen's charts and panels (Rich renderables, no new dependency).

`load_chart`: ARR load per CSM against the ARR-per-CSM rule; `nrr_bar` and
`metrics_panel`: retention (GRR, NRR split into retention and expansion, churn, upsell,
downsell, NPS, CMRR); `maturity_panel`: the estimated maturity with its evidence.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len, set_cell_size
from rich.console import Group
from rich.table import Table
from rich.text import Text

from csm_tui.domain.coverage import (
    TO_REACH,
    CoverageReport,
    CsmCoverage,
    MaturityCheck,
    MaturityEstimate,
    MaturityLevel,
)
from csm_tui.domain.humanize import format_money
from csm_tui.domain.metrics import RetentionMetrics, format_rate
from csm_tui.domain.money import Reporting
from csm_tui.domain.text import safe_text
from csm_tui.i18n import N_, _, current_language

BAR = 36  # cells of a chart bar
MATURITY_LABEL = {1: N_("Reactive"), 2: N_("Partially proactive"), 3: N_("Fully proactive"),
                  4: N_("Scientifically managed"), 5: N_("Refined")}  # fmt: skip
"""The maturity levels' English names (domain `MaturityLevel.label`) as msgids."""

POOL_NAME = N_("Digital pool (no owner)")
"""The digital pool's name as store/coverage.py gives it (a msgid: shown with `_()`)."""


def csm_name(csm: CsmCoverage) -> str:
    """A CSM's name (data, as it is), or the digital pool's in the interface language."""
    return _(POOL_NAME) if csm.is_pool else csm.name


def maturity_name(level: MaturityLevel) -> str:
    return _(MATURITY_LABEL[level.value])


def money(amount: float) -> str:
    return format_money(amount, "USD")


def money_in(reporting: Reporting | None) -> Callable[[float], str]:
    """How a USD-equivalent amount is told: in the reporting currency (the `currency`
    setting, at the rate in force today), USD when `reporting` is None."""
    return money if reporting is None else reporting.money


def nrr_split(m: RetentionMetrics) -> str:
    """NRR with its retention and expansion parts, never alone: "92.0% = 81.7% + 10.3%"."""
    if m.nrr is None:
        return "—"
    return f"{format_rate(m.nrr)} = {format_rate(m.nrr_retention)} + {format_rate(m.nrr_expansion)}"


def nps_text(m: RetentionMetrics) -> str:
    score = m.nps.score
    return "—" if score is None else f"{score:+.0f} ({m.nps.votes:,})"


def _bar(fraction: float, width: int = BAR) -> int:
    return max(0, min(width, round(fraction * width)))


def load_chart(report: CoverageReport, reporting: Reporting | None = None) -> Group:
    """ARR load per CSM against the rule: one bar each, `┃` where the rule is; amounts in
    the reporting currency (USD when `reporting` is None)."""
    tell = money_in(reporting)
    csms = list(report.csms)
    heading = Text(
        _("ARR load per CSM — 1.0 = {arr} (┃); the aggressive {aggressive} rule doubles it").format(
            arr=tell(report.rules.arr_per_csm),
            aggressive=tell(report.rules.aggressive_arr_per_csm),
        ),
        style="bold",
    )
    if not csms:
        return Group(heading, Text(_("no CSM in this view"), style="dim"))
    top = max(1.25, max(c.load for c in csms))
    rule_at = _bar(1.0 / top)
    name_width = min(22, max(cell_len(safe_text(csm_name(c))) for c in csms) + 1)
    lines = [heading]
    for c in csms:
        line = Text(set_cell_size(safe_text(csm_name(c)), name_width))
        filled = _bar(c.load / top)
        style = "red" if c.overloaded else ("yellow" if c.load > 0.8 else "green")
        cells = []
        for i in range(BAR):
            if i < filled:
                cells.append(("█", style))
            elif i == rule_at:
                cells.append(("┃", "bold"))
            else:
                cells.append(("·", "dim"))
        if rule_at < BAR and rule_at < filled:
            cells[rule_at] = ("┃", "bold reverse")
        for char, st in cells:
            line.append(char, style=st)
        line.append(f" {c.load:5.2f}  {tell(c.total.arr)}")
        if c.overloaded:
            line.append("  " + _("overloaded"), style="bold red")
        lines.append(line)
    if top > 1.25:
        lines.append(
            Text(_("scale: the full bar is a load of {top}").format(top=f"{top:.2f}"), style="dim")
        )
    return Group(*lines)


def nrr_bar(m: RetentionMetrics, width: int = BAR) -> Text:
    """Retention part, expansion part and what was lost, on one bar; `┃` marks 100%."""
    line = Text()
    if m.grr is None or m.nrr_expansion is None:
        return Text(_("no starting ARR in the period"), style="dim")
    top = max(1.0, m.nrr or 0) * 1.05
    kept = _bar(m.grr / top, width)
    grown = _bar((m.grr + m.nrr_expansion) / top, width) - kept
    lost = _bar(1.0 / top, width) - kept
    line.append("█" * kept, style="green")
    line.append("█" * grown, style="blue")
    if lost > 0:
        line.append("░" * lost, style="red")
    line.append("┃", style="bold")
    return line


def metrics_panel(report: CoverageReport, reporting: Reporting | None = None) -> Group:
    tell = money_in(reporting)
    """Retention over the period: NRR split and its bar, GRR, churn, upsell, downsell,
    renewal rate, new ARR, NPS and CMRR (or why there is nothing to show yet)."""
    m = report.metrics.overall
    if not report.metrics.has_history:
        return Group(
            Text(
                _(
                    "No ARR history in this cache yet: GRR, NRR and churn appear once ARR "
                    "events are synced or imported."
                ),
                style="yellow",
            ),
            Text(_("NPS {nps} (one vote per account)").format(nps=nps_text(m))),
        )
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for label, value in (*_nrr_rows(m), *_flow_rows(m, tell), *_score_rows(m, tell)):
        grid.add_row(label, value)
    return Group(grid)


def _nrr_rows(m: RetentionMetrics) -> list[tuple[str, Text]]:
    split = Text(f"{_('NRR')} {nrr_split(m)}  ", style="bold")
    split.append(_("(retention + expansion; never net alone)"), style="dim")
    bar = nrr_bar(m)
    bar.append("  ")
    bar.append("█ " + _("kept") + " ", style="green")
    bar.append("█ " + _("expansion") + " ", style="blue")
    bar.append("░ " + _("lost"), style="red")
    return [(_("NRR"), split), ("", bar)]


def _flow_rows(m: RetentionMetrics, tell: Callable[[float], str]) -> list[tuple[str, Text]]:
    """GRR, churn, upsell, downsell, renewal rate and new ARR, with the flows behind them."""
    f = m.flows
    grr = _("{grr}  — kept of {arr} starting ARR ({n} accounts)").format(
        grr=format_rate(m.grr), arr=tell(f.starting_arr), n=f"{f.starting_logos:,}"
    )
    churn = _("{logo_rate} of logos ({logos}), {arr_rate} of ARR ({arr})").format(
        logo_rate=format_rate(m.logo_churn_rate),
        logos=f"{f.churned_logos:,}",
        arr_rate=format_rate(m.arr_churn_rate),
        arr=tell(f.churned_arr),
    )
    upsell = _("{rate} ({arr}, {n} accounts)").format(
        rate=format_rate(m.upsell_rate), arr=tell(f.expansion_arr), n=f"{f.expanded_logos:,}"
    )
    downsell = _("{rate} ({arr}, {n} accounts)").format(
        rate=format_rate(m.downsell_rate),
        arr=tell(f.contraction_arr),
        n=f"{f.contracted_logos:,}",
    )
    renewal = _("{rate} of {n} decisions; {arr_rate} of the ARR up for renewal").format(
        rate=format_rate(m.renewal_rate),
        n=f"{f.renewals + f.churns_at_renewal:,}",
        arr_rate=format_rate(m.renewal_rate_arr),
    )
    new = _("{arr} from {n} new accounts (outside GRR and NRR)").format(
        arr=tell(f.new_arr), n=f"{f.new_logos:,}"
    )
    return [
        ("GRR", Text(grr)),
        (_("Churn"), Text(churn)),
        (_("Upsell"), Text(upsell)),
        (_("Downsell"), Text(downsell)),
        (_("Renewal rate"), Text(renewal)),
        (_("New"), Text(new)),
    ]


def _score_rows(m: RetentionMetrics, tell: Callable[[float], str]) -> list[tuple[str, Text]]:
    """NPS by account and CMRR."""
    f = m.flows
    nps = _(
        "{nps} — {promoters} promoter, {passives} passive, {detractors} detractor "
        "accounts (account NPS ≥ 50 / < 0)"
    ).format(
        nps=nps_text(m),
        promoters=f"{m.nps.promoters:,}",
        passives=f"{m.nps.passives:,}",
        detractors=f"{m.nps.detractors:,}",
    )
    cmrr = _("{cmrr} a month — {arr} ARR in force {sign} {booked} signed for later, / 12").format(
        cmrr=tell(m.cmrr),
        arr=tell(f.ending_arr),
        sign="+" if f.booked_change >= 0 else "−",
        booked=tell(abs(f.booked_change)),
    )
    return [("NPS", Text(nps)), ("CMRR", Text(cmrr))]


def _ladder(level: MaturityLevel) -> Text:
    line = Text()
    for lv in MaturityLevel:
        if lv > MaturityLevel.REACTIVE:
            line.append(" → ", style="dim")
        label = f" {lv.value} {maturity_name(lv)} "
        if lv is level:
            line.append(label, style="bold reverse")
        elif lv < level:
            line.append(label, style="green")
        else:
            line.append(label, style="dim")
    return line


def check_words(check: MaturityCheck) -> str:
    """A maturity check's sentence in the interface language."""
    return check.shown()


def maturity_panel(report: CoverageReport) -> Group:
    estimate: MaturityEstimate = report.maturity
    parts = [
        Text(
            _("Estimated maturity: {level} — {label}").format(
                level=estimate.level.value, label=maturity_name(estimate.level)
            )
            + ("" if current_language() == "zh" else f" ({estimate.level.label_zh})"),
            style="bold",
        ),
        _ladder(estimate.level),
        Text(_("Evidence:"), style="bold"),
    ]
    for check in estimate.checks:
        if check.level is MaturityLevel.REACTIVE:
            continue
        line = Text("  ✓ " if check.met else "  ✗ ", style="green" if check.met else "red")
        line.append(f"{maturity_name(check.level)}: ", style="bold")
        line.append(check.shown())  # the domain's evidence, in the interface language
        parts.append(line)
    step = estimate.next_checks
    if step is not None:
        target, missing = step
        words = _(TO_REACH).format(
            level=maturity_name(target), missing=_("; ").join(check_words(c) for c in missing)
        )
        parts.append(Text(_("Next: {step}").format(step=words), style="italic"))
    if len(report.maturity_by_team) > 1:
        names = {t.team_id: t.name for t in report.teams}
        for team_id, team_estimate in report.maturity_by_team.items():
            line = Text(f"  {safe_text(names.get(team_id, team_id))}: ")
            line.append(
                f"{team_estimate.level.value} {maturity_name(team_estimate.level)}", style="bold"
            )
            parts.append(line)
    return Group(*parts)
