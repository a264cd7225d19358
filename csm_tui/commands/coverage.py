"""The `coverage` verb: the Coverage report (`store.coverage.load_coverage`) as a table.

One row per owner (each CSM, then the digital pool): accounts and ARR, load against the
ARR-per-CSM rule, overdue touches, late activations, at-risk (red) ARR and renewals in 90
days. The message gives the book's GRR and NRR (split into retention and expansion), and
the maturity estimate. The report itself comes from the coverage work; until it is part of
the build the verb says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from csm_tui.commands.results import Column, CommandFailed, CommandResult
from csm_tui.domain.commands import CoverageCommand
from csm_tui.i18n import N_

if TYPE_CHECKING:
    from csm_tui.commands.run import _Session


def _pct(value: Any) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def _money(value: Any) -> str:
    from csm_tui.domain.humanize import format_money

    return "" if value is None else format_money(value)


COLUMNS = (
    Column("owner", N_("CSM")),
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
    Column("capacity", N_("Cadences"), show=lambda v: CAPACITY_WORDS.get(v, "")),
    Column("owner_id", N_("Id")),
)
CAPACITY_WORDS = {
    "none": "—",
    "within": "kept (≤ 3 touches a day)",
    "stretched": "stretched (3–5 a day)",
    "cannot_keep": "cannot be kept (> 5 a day)",
}


def load_report(session: _Session, team: str | None) -> Any:
    """The CoverageReport for the whole book or one team (`CommandFailed` when the
    coverage work is not in this build, or the team is unknown)."""
    try:
        from csm_tui.domain.coverage import CoverageRules
        from csm_tui.store.coverage import UnknownTeam, load_coverage
    except ImportError as error:
        raise CommandFailed(
            "the coverage report is not part of this build of csm-tui yet"
        ) from error
    from csm_tui.store.transaction import in_batch

    rules = CoverageRules(arr_per_csm=session.ws.settings.arr_per_csm)
    try:  # a second reader in parallel only when no write of ours is pending
        return load_coverage(
            session.conn, session.today(), session.rules, rules, team,
            parallel=not in_batch(session.conn),
        )  # fmt: skip
    except UnknownTeam as error:
        raise CommandFailed(str(error)) from error


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
                total.touches_needed,
                owner.capacity_verdict.value,
                owner.user_id,
            )
        )
    return tuple(rows)


def report_summary(report: Any) -> str:
    overall = report.metrics.overall
    total = report.total
    parts = [
        f"{total.accounts:,} accounts, {_money(total.arr)} ARR",
        f"GRR {_pct(overall.grr) or '—'}",
        f"NRR {_pct(overall.nrr) or '—'} (retention {_pct(overall.nrr_retention) or '—'}"
        f" + expansion {_pct(overall.nrr_expansion) or '—'})",
        f"renewal rate {_pct(overall.renewal_rate) or '—'} of "
        f"{overall.renewal_decisions:,} decisions ({_pct(overall.renewal_rate_arr) or '—'} "
        "of ARR)",
        f"new ARR {_money(overall.new_arr)}",
        f"CMRR {_money(overall.cmrr)}",
        f"CSMs needed {total.arr / report.rules.arr_per_csm:.1f}",
        f"maturity: {report.maturity.level.label}",
    ]
    label = report.period.label
    return " · ".join(parts) + f" ({label() if callable(label) else label})"


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


def coverage_result(session: _Session, command: CoverageCommand) -> CommandResult:
    report = load_report(session, command.team)
    return CommandResult(
        command,
        report_summary(report),
        columns=COLUMNS,
        rows=report_rows(report),
        screen="coverage",
        summary=report_metrics(report),
    )
