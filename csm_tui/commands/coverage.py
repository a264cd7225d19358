"""The `coverage` verb: the Coverage report (`store.coverage.load_coverage`) as a table.

One row per owner (each CSM, then the digital pool): accounts and ARR, load against the
ARR-per-CSM rule, overdue touches, late activations, at-risk (red) ARR and renewals in 90
days. The message gives the book's GRR and NRR (split into retention and expansion), and
the maturity estimate. The report itself comes from the coverage work; until it is part of
the build the verb says so.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from csm_tui.commands.results import Column, CommandFailed, CommandResult
from csm_tui.commands.session import Handler, Session
from csm_tui.domain.errors import words_of
from csm_tui.domain.language.verb_types import (
    Command,
    CoverageCommand,
)
from csm_tui.i18n import N_, Message, _


def _pct(value: Any) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def _money(value: Any) -> str:
    from csm_tui.domain.humanize import format_money

    return "" if value is None else format_money(value)


POOL_NAME = N_("Digital pool (no owner)")
"""The unowned accounts' row as the report names it (`store.coverage.POOL_NAME`)."""

COLUMNS = (
    Column("owner", N_("CSM"), show=lambda v: _(POOL_NAME) if v == POOL_NAME else v),
    Column("team", N_("Team")),
    Column("accounts", N_("Accounts"), right=True),
    Column("arr_usd", N_("ARR"), right=True, show=_money),
    Column("load", N_("Load"), right=True, show=_pct),
    Column("overdue", N_("Overdue"), right=True),
    Column("late_activation", N_("Late to activate"), right=True),
    Column("at_risk_arr", N_("At-risk ARR"), right=True, show=_money),
    Column("renewals_90d", N_("Renew ≤90d"), right=True),
    Column("renewals_90d_arr", N_("Renew ARR"), right=True, show=_money),
    Column("touches_needed", N_("Touches/yr"), right=True, show=lambda v: f"{v:,.0f}"),
    Column("capacity", N_("Cadences"), show=lambda v: _(CAPACITY_WORDS.get(v, ""))),
    Column("owner_id", N_("Id")),
)
CAPACITY_WORDS: dict[str, str] = {
    "none": "—",
    "within": N_("kept (≤ 3 touches a day)"),
    "stretched": N_("stretched (3–5 a day)"),
    "cannot_keep": N_("cannot be kept (> 5 a day)"),
}
"""Whether an owner's cadences can be kept (`CapacityVerdict` values); msgids."""


def load_report(session: Session, team: str | None, period: str | None = None) -> Any:
    """The CoverageReport for the whole book or one team (`CommandFailed` when the
    coverage work is not in this build, or the team is unknown)."""
    try:
        from csm_tui.domain.coverage import CoverageRules
        from csm_tui.store.coverage import UnknownTeam, load_coverage
    except ImportError as error:
        raise CommandFailed(
            Message.of(N_("the coverage report is not part of this build of csm-tui yet"))
        ) from error
    from csm_tui.domain.metrics import parse_period
    from csm_tui.store.transaction import in_batch

    settings = session.ws.settings
    rules = CoverageRules(arr_per_csm=settings.arr_per_csm)
    try:
        chosen = (
            None
            if period is None
            else parse_period(period, session.today(), settings.fiscal_year_start)
        )
    except ValueError as error:
        raise CommandFailed(Message.of(N_("--period: {error}"), error=words_of(error))) from error
    try:  # a second reader (on more than two cores) only when no write of ours is pending
        return load_coverage(
            session.conn, session.today(), session.rules, rules, team,
            parallel=False if in_batch(session.conn) else None, period=chosen,
        )  # fmt: skip
    except UnknownTeam as error:
        raise CommandFailed(error.words) from error


def report_rows(report: Any) -> tuple[tuple[Any, ...], ...]:
    rows = []
    for owner in report.owners:
        total = owner.total
        renew_count, renew_arr = total.renewals(90)
        rows.append(
            (
                owner.name,
                owner.team_name,
                total.accounts,
                total.arr,
                None if owner.is_pool else owner.load,
                total.overdue,
                total.late_activation,
                total.red_arr,
                renew_count,
                renew_arr,
                round(total.touches_needed, 1),  # a count of touches: not 13 decimals
                owner.capacity_verdict.value,
                owner.user_id,
            )
        )
    return tuple(rows)


def columns_for(reporting: Any) -> tuple[Column, ...]:
    """COLUMNS with ARR shown in the reporting currency (JSON and CSV keep USD)."""
    if reporting.currency == "USD":
        return COLUMNS

    def show(value: Any) -> str:
        return "" if value is None else reporting.money(value)

    return tuple(dataclasses.replace(c, show=show) if c.show is _money else c for c in COLUMNS)


def report_summary(report: Any, reporting: Any = None) -> Message:
    """The report in one line; amounts in the reporting currency (`domain.money.Reporting`,
    USD when None), with the rate a CNY report is at."""
    from csm_tui.domain.money import Reporting

    reporting = reporting or Reporting()

    def money(value: Any) -> str:
        return "" if value is None else reporting.money(value)

    overall = report.metrics.overall
    total = report.total
    label = report.period.label
    period = label() if callable(label) else label
    if reporting.note is not None:
        period = Message.of(N_("{period}; {note}"), period=period, note=reporting.note)
    return Message.of(
        N_(
            "{accounts} accounts, {arr} ARR · GRR {grr} · NRR {nrr} (retention {retention} + "
            "expansion {expansion}) · renewal rate {rate} of {decisions} decisions ({rate_arr} "
            "of ARR) · new ARR {new_arr} · CMRR {cmrr} · CSMs needed {csms} ({rule}) · "
            "maturity: {maturity} ({period})"
        ),
        accounts=f"{total.accounts:,}",
        arr=money(total.arr),
        grr=_pct(overall.grr) or "—",
        nrr=_pct(overall.nrr) or "—",
        retention=_pct(overall.nrr_retention) or "—",
        expansion=_pct(overall.nrr_expansion) or "—",
        rate=_pct(overall.renewal_rate) or "—",
        decisions=f"{overall.renewal_decisions:,}",
        rate_arr=_pct(overall.renewal_rate_arr) or "—",
        new_arr=money(overall.new_arr),
        cmrr=money(overall.cmrr),
        csms=f"{total.arr / report.rules.arr_per_csm:.1f}",
        rule=Message.of(N_("1 per {amount}"), amount=money(report.rules.arr_per_csm)),
        maturity=Message.of(report.maturity.level.label),
        period=period,
    )


def reporting_of(session: Session, report: Any = None) -> Any:
    """The reporting currency of the settings, at the rate in force today; with `report`,
    whether a new rate came into force in its period."""
    from csm_tui.domain.money import Reporting
    from csm_tui.store.rates import load_rates

    settings = session.ws.settings
    rates = load_rates(session.conn, settings.tier_rules.cny_per_usd)
    period = None if report is None else (report.period.start, report.period.end)
    return Reporting.on(settings.currency, rates, session.today(), period)


def report_metrics(report: Any) -> dict[str, Any]:
    """The book's figures for machines (`run coverage --format json`: "summary").

    Definitions in domain.metrics; CMRR = (ARR in force at the end of the period + changes
    signed by then that take effect later) / 12; CSMs needed = live ARR / ARR per CSM."""
    overall = report.metrics.overall
    total = report.total
    flows = overall.flows
    return {
        "period": {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()},
        "accounts": total.accounts,
        "arr_usd": total.arr,
        "arr_per_csm": report.rules.arr_per_csm,
        "csms_needed": total.arr / report.rules.arr_per_csm,
        "csms": sum(1 for c in report.csms if c.role == "csm"),
        "renewal_decisions": overall.renewal_decisions,
        "renewed": flows.renewals,
        "churned_at_renewal": flows.churns_at_renewal,
        "renewal_rate": overall.renewal_rate,
        "renewal_rate_arr": overall.renewal_rate_arr,
        "grr": overall.grr,
        "nrr": overall.nrr,
        "nrr_retention": overall.nrr_retention,
        "nrr_expansion": overall.nrr_expansion,
        "logo_churn": overall.logo_churn_rate,
        "new_logos": flows.new_logos,
        "new_arr": overall.new_arr,
        "cmrr": overall.cmrr,
        "starting_arr": flows.starting_arr,
        "ending_arr": flows.ending_arr,
    }


def coverage_result(session: Session, command: CoverageCommand, dry: bool) -> CommandResult:
    report = load_report(session, command.team, command.period)
    reporting = reporting_of(session, report)
    summary = report_metrics(report)
    summary["currency"] = reporting.currency  # amounts stay USD; this is how to show them
    summary["per_usd"] = reporting.per_usd
    summary["rates_of"] = None if reporting.rates_of is None else reporting.rates_of.isoformat()
    return CommandResult.of(
        command,
        report_summary(report, reporting),
        columns=columns_for(reporting),
        rows=report_rows(report),
        screen="coverage",
        summary=summary,
    )


HANDLERS: dict[type[Command], Handler] = {
    CoverageCommand: coverage_result,
}
"""The commands this module runs, and the handler of each (`run.py` dispatches here)."""
