"""The `backtest` verb: health N days before each renewal decision against its outcome.

One row per group — the whole book, each tier, each sales motion — with its decisions,
the churn rate of each band, the share of churned ARR that was red or yellow, and the AUC
(domain.backtest). With health weights in the settings (``[health.weights.<tier>]``), the
snapshots are re-weighted with them and the message also gives the AUC as recorded, so a
change of weights shows at once whether the score got better at predicting.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from csm_tui.commands.results import Column, CommandFailed, CommandResult
from csm_tui.commands.session import Handler, Session
from csm_tui.domain.backtest import DEFAULT_DAYS_BEFORE, BacktestGroup, BacktestReport
from csm_tui.domain.health import Band
from csm_tui.domain.language.verb_types import (
    BacktestCommand,
    Command,
)
from csm_tui.i18n import N_, Message, _


def pct(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def auc_text(value: Any) -> str:
    return "—" if value is None else f"{value:.2f}"


def group_label(key: str) -> str:
    """ "All decisions", a tier's or a sales motion's name."""
    if key == "all":
        return _("All decisions")
    from csm_tui.domain.motion import SalesMotion
    from csm_tui.domain.tiers import Tier

    for kind in (Tier, SalesMotion):
        try:
            return _(kind(key).label)
        except ValueError:
            continue
    return key or _("No sales motion")


COLUMNS = (
    Column("group", N_("Group"), show=group_label),
    Column("decisions", N_("Decisions"), right=True),
    Column("scored", N_("Scored"), right=True),
    Column("red_churn", N_("Red churn"), right=True, show=pct),
    Column("yellow_churn", N_("Yellow churn"), right=True, show=pct),
    Column("green_churn", N_("Green churn"), right=True, show=pct),
    Column("churned_arr_warned", N_("Churned ARR red/yellow"), right=True, show=pct),
    Column("auc", N_("AUC"), right=True, show=auc_text),
)


def group_row(group: BacktestGroup) -> tuple[Any, ...]:
    return (
        group.key,
        group.decisions,
        group.scored,
        group.band(Band.RED).churn_rate,
        group.band(Band.YELLOW).churn_rate,
        group.band(Band.GREEN).churn_rate,
        group.churned_arr_warned,
        group.auc,
    )


def report_rows(report: BacktestReport) -> tuple[tuple[Any, ...], ...]:
    groups = (report.overall, *report.by_tier, *report.by_motion)
    return tuple(group_row(g) for g in groups)


def report_message(report: BacktestReport) -> str:
    """One line: the AUC, the warned share of churned ARR, and what the rows cover; in the
    interface language (`report_words` is the same as a `Message`)."""
    return report_words(report).render()


def report_words(report: BacktestReport) -> Message:
    all_ = report.overall
    if not all_.decisions:
        return Message.of(
            N_(
                "no renewal decisions from {start} to {end} — record renewals (renew, churn) "
                "to back-test health"
            ),
            start=report.start + timedelta(days=1),
            end=report.end,
        )
    auc = Message.of(N_("AUC {auc}"), auc=auc_text(all_.auc))
    if report.weights == "settings":
        auc = Message.of(
            N_("AUC {auc} with the settings' weights (as recorded: {recorded})"),
            auc=auc_text(all_.auc),
            recorded=auc_text(report.recorded_auc),
        )
    first = report.start + timedelta(days=1)  # the period is (start, end]
    return Message.of(
        N_(
            "{auc} · {warned} of churned ARR was red or yellow · {decisions} decisions, "
            "{scored} with a score {days} days before ({first} – {end})"
        ),
        auc=auc,
        warned=pct(all_.churned_arr_warned),
        decisions=f"{all_.decisions:,}",
        scored=f"{all_.scored:,}",
        days=report.days_before,
        first=first.isoformat(),
        end=report.end.isoformat(),
    )


def _group_json(group: BacktestGroup) -> dict[str, Any]:
    return {
        "decisions": group.decisions,
        "scored": group.scored,
        "unscored": group.unscored,
        "churned": group.churned,
        "churned_arr_usd": group.churned_arr,
        "churned_arr_red_or_yellow": group.churned_arr_warned,
        "auc": group.auc,
        "bands": {
            b.band.value: {
                "decisions": b.decisions,
                "renewed": b.renewed,
                "downsell": b.downsell,
                "churned": b.churned,
                "churn_rate": b.churn_rate,
                "arr_usd": b.arr,
                "churned_arr_usd": b.churned_arr,
            }
            for b in group.bands
        },
    }


def report_summary(report: BacktestReport) -> dict[str, Any]:
    """Everything for machines (`run backtest --format json`: "summary")."""
    return {
        "days_before": report.days_before,
        "period": {"start": report.start.isoformat(), "end": report.end.isoformat()},
        "weights": report.weights,
        "recorded_auc": report.recorded_auc,
        "all": _group_json(report.overall),
        "by_tier": {g.key: _group_json(g) for g in report.by_tier},
        "by_motion": {g.key: _group_json(g) for g in report.by_motion},
    }


def load_report(session: Session, days_before: int | None, team: str | None) -> BacktestReport:
    from csm_tui.store.backtest import load_backtest
    from csm_tui.store.coverage import UnknownTeam, resolve_team

    try:
        team_id = resolve_team(session.conn, team) if team is not None else None
    except UnknownTeam as error:
        raise CommandFailed(error.words) from error
    return load_backtest(
        session.conn,
        session.today(),
        session.rules,
        DEFAULT_DAYS_BEFORE if days_before is None else days_before,
        session.ws.settings.health_weights,
        team_id,
    )


def backtest_result(session: Session, command: BacktestCommand, dry: bool) -> CommandResult:
    report = load_report(session, command.days_before, command.team)
    return CommandResult.of(
        command,
        report_words(report),
        columns=COLUMNS,
        rows=report_rows(report),
        screen="coverage",
        summary=report_summary(report),
    )


HANDLERS: dict[type[Command], Handler] = {
    BacktestCommand: backtest_result,
}
"""The commands this module runs, and the handler of each (`run.py` dispatches here)."""
