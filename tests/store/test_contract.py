"""The contract as recorded decisions, and metrics a CS leader can check by hand.

Imports a CRM's closed-lost row as a churn even when it keeps the last ARR; tier overrides
from an import column; cohorts by the tier each account had at the start of the period.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from csm_tui.domain.renewals import RenewalDraft, RenewalOutcome
from csm_tui.domain.tiers import OverrideReason, Tier, TierRules
from csm_tui.store import outbox
from csm_tui.store.cache import connect
from csm_tui.store.coverage import load_coverage
from csm_tui.store.importer import import_csv, load_mapping
from csm_tui.store.renewals import record_decision, set_tier_override

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
RULES = TierRules(cny_per_usd=7.0)


@pytest.fixture
def book(tmp_path):
    c = connect(tmp_path / "book.db")
    c.executescript("""
        INSERT INTO teams VALUES ('t1', 'Nordics');
        INSERT INTO users VALUES ('u1', 'Ana', '', 'csm', 't1');
        INSERT INTO cache_meta VALUES ('me', 'u1');
    """)
    c.commit()
    yield c
    c.close()


def add_account(c, aid, arr, currency="USD", tier="enterprise", stage="adoption",
                segment="North", external=""):  # fmt: skip
    usd = RULES.to_usd(arr, currency)
    c.execute(
        "INSERT INTO accounts (id, name, external_id, currency, arr, arr_usd, tier, tier_rank, "
        "sales_motion, stage, segment, industry, seats, renewal_date, owner_id, created_at, "
        "updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'long-direct', ?, ?, '', 0, "
        "'2026-12-01', 'u1', '2023-01-01 00:00:00.000000', '2023-01-01 00:00:00.000000', 1)",
        (aid, aid.upper(), external, currency, arr, usd, tier, Tier(tier).rank, stage, segment),
    )


def add_event(c, aid, day, kind, before, after):
    c.execute(
        "INSERT INTO arr_events VALUES (?, ?, ?, ?, ?, ?, '2023-01-01 00:00:00.000000')",
        (f"e-{aid}-{day}", aid, day, kind, before, after),
    )


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "crm.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_closed_lost_row_that_keeps_its_arr_is_a_churn_decision(book, tmp_path):
    add_account(book, "a1", 40_000, external="crm-1")
    add_event(book, "a1", "2024-01-01", "new", 0, 40_000)
    book.commit()
    csv = write_csv(tmp_path, "external_id,name,arr,status\ncrm-1,A1,40000,Closed Lost\n")
    report = import_csv(book, csv, load_mapping(None, "accounts"), "accounts", now=NOW,
                        rules=RULES)  # fmt: skip
    assert report.committed, report.errors
    arr, stage, tier = book.execute(
        "SELECT arr, stage, tier FROM accounts WHERE id = 'a1'"
    ).fetchone()
    assert (arr, stage, tier) == (0.0, "churned", "enterprise")  # keeps its tier
    decision = book.execute(
        "SELECT outcome, arr_before, arr_after, reason FROM renewal_decisions"
    ).fetchone()
    assert tuple(decision) == ("churned", 40_000, 0.0, "imported: the CRM says 'Closed Lost'")
    m = load_coverage(book, TODAY, RULES).metrics.overall
    assert m.logo_churn_rate == 1.0 and m.grr == 0.0 and m.renewal_decisions == 1
    # The same export again: nothing new (the account is already churned at 0).
    again = import_csv(book, csv, load_mapping(None, "accounts"), "accounts", now=NOW,
                       rules=RULES)  # fmt: skip
    assert again.committed and again.outbox_entries == 0
    assert book.execute("SELECT count(*) FROM renewal_decisions").fetchone()[0] == 1


def test_a_tier_column_sets_an_override_that_needs_a_reason(book, tmp_path):
    add_account(book, "a1", 8_000, tier="growth", external="crm-1")
    book.commit()
    bad = write_csv(tmp_path, "external_id,name,tier_override\ncrm-1,A1,strategic\n")
    report = import_csv(book, bad, load_mapping(None, "accounts"), "accounts", now=NOW,
                        rules=RULES)  # fmt: skip
    assert not report.committed
    assert any(e.field == "tier_override_reason" for e in report.errors)
    good = write_csv(
        tmp_path,
        "external_id,name,tier_override,tier_override_reason\ncrm-1,A1,strategic,flagship logo\n",
    )
    report = import_csv(book, good, load_mapping(None, "accounts"), "accounts", now=NOW,
                        rules=RULES)  # fmt: skip
    assert report.committed, report.errors
    row = book.execute(
        "SELECT tier, tier_override, tier_override_reason, tier_override_note FROM accounts"
    ).fetchone()
    assert tuple(row) == ("strategic", "strategic", "flagship", "flagship logo")
    kinds = [e.kind for e in outbox.entries(book)]
    assert kinds == ["account", "tier_override"]


def test_a_hand_computed_book(book):
    """Seven accounts over the period 2025-11-30 → 2026-11-30 (ARR at start = in force at
    the end of 2025-11-30). CNY at 7.0 per USD. Tiers by ARR: Strategic ≥ 100k,
    Enterprise ≥ 20k, Growth ≥ 5k.

    | acct | start ARR (tier at start)  | in the period                         | end ARR  |
    | flat | 50,000 (Enterprise)        | renewed flat 2026-06-01               | 50,000   |
    | lost | 30,000 (Enterprise)        | CRM stage churned, last ARR kept      | 0        |
    | up   | 40,000 (Enterprise)        | renewed up to 60,000 2026-05-01       | 60,000   |
    | down | 120,000 (Strategic)        | renewed down to 90,000 2026-04-01     | 90,000   |
    | new  | 0 (not a customer)         | new 2026-03-01 at 25,000              | 25,000   |
    | cny  | ¥700,000 = 100,000 (Strat) | renewed flat 2026-09-01               | 100,000  |
    | grew | 15,000 (Growth)            | expansion 2026-02-01 to 150,000       | 150,000  |

    "grew" is Strategic today but was Growth at the start: it counts in Growth.

    Starting cohort: 50 + 30 + 40 + 120 + 100 + 15 = 355k (6 logos).
    Retained = min(start, end): 50 + 0 + 40 + 90 + 100 + 15 = 295k → GRR = 295/355 = 83.10%.
    Expansion: up 20 + grew 135 = 155k → NRR = (295 + 155)/355 = 126.76%
      = retention 83.10% + expansion 43.66%.
    Logo churn = 1/6. New ARR = 25k (1 logo).
    Renewal decisions: flat, up, down, cny renewed + lost churned = 5; renewal rate by
    logos = 4/5 = 80%. By ARR: up for renewal = 50 + 40 + 120 + 100 + 30 = 340k; kept =
    min(after, before) of renewals = 50 + 40 + 90 + 100 = 280k → 280/340 = 82.35%.
    CMRR = end ARR (50 + 60 + 90 + 25 + 100 + 150 = 475k) / 12 = 39,583.33.
    By tier at start — Strategic: down + cny: start 220k, retained 190k → GRR 86.36%;
    Enterprise: flat, lost, up: start 120k, retained 90k → GRR 75%, renewal rate 2/3;
    Growth: grew: start 15k, NRR 1000%. New: its tier of today (Enterprise), new ARR 25k.
    """
    for aid, arr, cur, tier in (("flat", 50_000, "USD", "enterprise"),
                                ("lost", 30_000, "USD", "enterprise"),
                                ("up", 40_000, "USD", "enterprise"),
                                ("down", 120_000, "USD", "strategic"),
                                ("new", 25_000, "USD", "enterprise"),
                                ("cny", 700_000, "CNY", "strategic"),
                                ("grew", 150_000, "USD", "strategic")):  # fmt: skip
        add_account(book, aid, arr, cur, tier, external=f"crm-{aid}")
    for aid, start in (("flat", 50_000), ("lost", 30_000), ("up", 40_000), ("down", 120_000),
                       ("cny", 100_000), ("grew", 15_000)):  # fmt: skip
        add_event(book, aid, "2024-06-01", "new", 0, start)
    add_event(book, "new", "2026-03-01", "new", 0, 25_000)
    add_event(book, "grew", "2026-02-01", "expansion", 15_000, 150_000)
    book.commit()

    def renew(aid, day, arr=None):
        record_decision(book, aid, RenewalDraft(RenewalOutcome.RENEWED, day, arr,
                                                date(2027, 12, 31)), RULES,
                        author_id="u1", now=NOW)  # fmt: skip

    renew("flat", date(2026, 6, 1))
    renew("up", date(2026, 5, 1), 60_000)
    renew("down", date(2026, 4, 1), 90_000)
    renew("cny", date(2026, 9, 1))
    path = write_csv_in(book, "external_id,name,arr,stage\ncrm-lost,LOST,30000,churned\n")
    assert import_csv(book, path, load_mapping(None, "accounts"), "accounts", now=NOW,
                      rules=RULES).committed  # fmt: skip

    metrics = load_coverage(book, TODAY, RULES).metrics
    m = metrics.overall
    assert m.flows.starting_logos == 6 and m.flows.starting_arr == pytest.approx(355_000)
    assert m.grr == pytest.approx(295 / 355)
    assert m.nrr == pytest.approx(450 / 355)
    assert m.nrr_expansion == pytest.approx(155 / 355)
    assert m.logo_churn_rate == pytest.approx(1 / 6)
    assert (m.flows.new_logos, m.new_arr) == (1, pytest.approx(25_000))
    assert m.renewal_decisions == 5
    assert m.renewal_rate == pytest.approx(0.8)
    assert m.renewal_rate_arr == pytest.approx(280 / 340)
    assert m.cmrr == pytest.approx(475_000 / 12)
    strategic, enterprise, growth = (metrics.by_tier[t] for t in ("strategic", "enterprise",
                                                                  "growth"))  # fmt: skip
    assert strategic.flows.starting_arr == pytest.approx(220_000)
    assert strategic.grr == pytest.approx(190 / 220)
    assert enterprise.flows.starting_arr == pytest.approx(120_000)
    assert enterprise.grr == pytest.approx(0.75)
    assert enterprise.renewal_rate == pytest.approx(2 / 3)
    assert enterprise.new_arr == pytest.approx(25_000)
    assert growth.flows.starting_arr == pytest.approx(15_000)
    assert growth.nrr == pytest.approx(10.0)


def write_csv_in(conn, text: str) -> Path:
    folder = Path(conn.execute("PRAGMA database_list").fetchone()[2]).parent
    return write_csv(folder, text)


def test_an_override_set_during_the_period_does_not_move_the_account_back_in_time(book):
    """An Enterprise account by ARR (40k all year) made Strategic by override on
    2026-11-30 (today) counts in Enterprise for the period that started 2025-11-30; an
    override in force before the start counts in its tier."""
    add_account(book, "a1", 40_000)
    add_account(book, "a2", 40_000)
    add_event(book, "a1", "2024-01-01", "new", 0, 40_000)
    add_event(book, "a2", "2024-01-01", "new", 0, 40_000)
    book.execute(
        "INSERT INTO tier_overrides VALUES ('o1', 'a2', '2025-01-01', 'strategic', "
        "'flagship', '', 'u1', '2025-01-01 00:00:00.000000', 0)"
    )
    book.commit()
    set_tier_override(book, "a1", Tier.STRATEGIC, OverrideReason.FLAGSHIP, "", RULES,
                      author_id="u1", now=NOW, today=TODAY)  # fmt: skip
    by_tier = load_coverage(book, TODAY, RULES).metrics.by_tier
    assert by_tier["enterprise"].flows.starting_logos == 1  # a1, by its ARR at the start
    assert by_tier["strategic"].flows.starting_logos == 1  # a2, by the override then


def test_a_reference_column_lifts_the_tier_by_the_rules_criteria(book, tmp_path):
    rules = TierRules.from_toml("[tiers.strategic]\nreference = true\n")
    path = write_csv(tmp_path, "name,arr,reference,seats\nSmall Ref Co,3000,yes,20\n")
    report = import_csv(book, path, load_mapping(None, "accounts"), "accounts", now=NOW,
                        rules=rules)  # fmt: skip
    assert report.committed, report.errors
    tier, ref = book.execute("SELECT tier, is_reference FROM accounts").fetchone()
    assert (tier, ref) == ("strategic", 1)
    again = write_csv(tmp_path, "name,reference\nSmall Ref Co,no\n")
    assert import_csv(book, again, load_mapping(None, "accounts"), "accounts", now=NOW,
                      rules=rules).committed  # fmt: skip
    assert book.execute("SELECT tier FROM accounts").fetchone()[0] == "scale"  # ARR again


def test_a_new_account_imported_as_closed_lost_keeps_its_last_arr_in_the_decision(book, tmp_path):
    path = write_csv(tmp_path, "name,arr,status\nGone Ltd,25000,Closed Lost\n")
    report = import_csv(book, path, load_mapping(None, "accounts"), "accounts", now=NOW,
                        rules=RULES)  # fmt: skip
    assert report.committed, report.errors
    arr, stage, tier = book.execute("SELECT arr, stage, tier FROM accounts").fetchone()
    assert (arr, stage, tier) == (0.0, "churned", "enterprise")  # the tier its ARR gave it
    before, after = book.execute("SELECT arr_before, arr_after FROM renewal_decisions").fetchone()
    assert (before, after) == (25_000.0, 0.0)


def test_a_churned_account_with_arr_again_in_the_crm_is_won_back(book, tmp_path):
    add_account(book, "a1", 0.0, stage="churned", external="crm-1")
    add_event(book, "a1", "2024-01-01", "new", 0, 40_000)
    add_event(book, "a1", "2025-03-01", "churn", 40_000, 0)
    book.commit()
    path = write_csv(tmp_path, "external_id,name,arr,stage,renewal_date\n"
                               "crm-1,A1,35000,adoption,2027-11-30\n")  # fmt: skip
    report = import_csv(book, path, load_mapping(None, "accounts"), "accounts", now=NOW,
                        rules=RULES)  # fmt: skip
    assert report.committed, report.errors
    arr, stage, renewal = book.execute("SELECT arr, stage, renewal_date FROM accounts").fetchone()
    assert (arr, stage, renewal) == (35_000.0, "adoption", "2027-11-30")
    outcome, after = book.execute("SELECT outcome, arr_after FROM renewal_decisions").fetchone()
    assert (outcome, after) == ("win_back", 35_000.0)
    m = load_coverage(book, TODAY, RULES).metrics.overall
    assert (m.flows.new_logos, m.new_arr) == (1, pytest.approx(35_000))  # back as new ARR
