"""Credits under changing commercial terms: each period's credit uses the terms in force then
(issue 23). The sample's ledger (monthly fee 10,000, at risk 9 %) stays exactly as it is for
every period before the new terms."""

import csv
from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from engagements.terms import Terms, TermsSchedule
from engagements.terms_services import (
    commercial_terms_agree,
    commercial_terms_initial,
    commercial_terms_propose,
)
from sla import selectors
from sla.selectors import ledger_rows
from tests.kpis.sample import SAMPLE_DIR

pytestmark = pytest.mark.django_db

EXPECTED = SAMPLE_DIR / "expected_sla_ledger.csv"


def expected_rows() -> list[list[str]]:
    with EXPECTED.open() as handle:
        return list(csv.reader(handle))[1:]


def rows(engagement) -> list[list[str]]:
    return [[str(cell) for cell in row] for row in list(ledger_rows(engagement=engagement))[1:]]


def agree_new_terms(engagement, proposer, agreer, *, month, fee, at_risk, today):
    with time_machine.travel(today):
        terms = commercial_terms_propose(
            actor=proposer,
            engagement=engagement,
            effective_from=month,
            monthly_fee=D(fee),
            at_risk_pct=D(at_risk),
        )
        commercial_terms_agree(actor=agreer, terms=terms)
    return terms


@pytest.fixture
def with_terms(sla_engagement):
    """The sample engagement with its contract's terms on record from January 2025."""
    commercial_terms_initial(engagement=sla_engagement, effective_from=date(2025, 1, 1))
    return sla_engagement


def test_the_recorded_first_terms_give_the_samples_ledger(with_terms):
    assert rows(with_terms) == expected_rows()


def test_new_terms_change_credits_from_their_month_only(with_terms, account_manager, hr_lead):
    """Agreed in June 2025 for July: a fee of 20,000. July's and August's credits double; every
    credit up to June, and so every past quarter, keeps the fee of 10,000."""
    nets_before = selectors.ledger(engagement=with_terms).nets
    agree_new_terms(
        with_terms,
        account_manager,
        hr_lead,
        month=date(2025, 7, 1),
        fee="20000",
        at_risk="9",
        today=date(2025, 6, 20),
    )
    expected = {(row[0], row[1]): row for row in expected_rows()}
    expected[("S-CPH", "2025-07")] = ["S-CPH", "2025-07", "breach", "15", "3000.00", "3000.00"]
    expected[("S-TTF", "2025-07")] = ["S-TTF", "2025-07", "breach", "5", "1000.00", "1000.00"]
    expected[("S-TTF-ENG", "2025-08")] = ["S-TTF-ENG", "2025-08", "breach", "3", "600.00", "600.00"]
    for key in [("S-CPH", "2025-07"), ("S-TTF", "2025-07"), ("S-TTF-ENG", "2025-08")]:
        expected[key].append("false")
    assert rows(with_terms) == sorted(expected.values(), key=lambda r: (r[0], _end(r[1])))
    book = selectors.ledger(engagement=with_terms)
    assert book.nets["2025-Q1"] == nets_before["2025-Q1"]
    assert book.nets["2025-Q2"] == nets_before["2025-Q2"]
    assert book.nets["2025-Q3"] == D("-4600.00")  # 3,000 + 1,000 + 600 (at-risk room 5,400)
    assert book.schedule.quarter_fee(date(2025, 4, 1)) == D("30000")
    assert book.schedule.quarter_fee(date(2025, 7, 1)) == D("60000")


def _end(period: str) -> str:
    # Ledger rows come in clause then period-end order; a quarter ends with its third month.
    if "-Q" in period:
        year, quarter = period.split("-Q")
        return f"{year}-{int(quarter) * 3:02d}-99"
    return f"{period}-31"


def test_a_past_quarters_credits_keep_their_terms(with_terms, account_manager, hr_lead):
    """Terms agreed later, even lower and with no at-risk room, leave closed quarters alone."""
    before = {
        quarter: net
        for quarter, net in selectors.ledger(engagement=with_terms).nets.items()
        if quarter <= "2025-Q3"
    }
    agree_new_terms(
        with_terms,
        hr_lead,
        account_manager,
        month=date(2025, 10, 1),
        fee="1",
        at_risk="0",
        today=date(2025, 10, 2),
    )
    after = selectors.ledger(engagement=with_terms).nets
    assert {quarter: after[quarter] for quarter in before} == before
    assert rows(with_terms) == expected_rows()


def test_one_party_alone_cannot_change_the_credits(with_terms, account_manager, provider_admin):
    with time_machine.travel(date(2025, 6, 20)):
        terms = commercial_terms_propose(
            actor=account_manager,
            engagement=with_terms,
            effective_from=date(2025, 7, 1),
            monthly_fee=D("20000"),
            at_risk_pct=D("9"),
        )
        with pytest.raises(PermissionDenied):
            commercial_terms_agree(actor=provider_admin, terms=terms)
    assert rows(with_terms) == expected_rows()


def test_terms_changing_inside_a_quarter_sum_its_months():
    """A quarter's fee is its three months' fees; its at-risk % the one on its first day."""
    schedule = TermsSchedule(
        [
            Terms(date(2025, 1, 1), D("10000"), D("9")),
            Terms(date(2025, 8, 1), D("20000"), D("5")),
        ]
    )
    assert schedule.period_fee(date(2025, 7, 1), date(2025, 9, 30)) == D("50000")
    assert schedule.quarter_fee(date(2025, 9, 30)) == D("50000")
    assert schedule.at_risk_pct(date(2025, 9, 1)) == D("9")
    assert schedule.at_risk_pct(date(2025, 10, 1)) == D("5")
    assert schedule.month_fee(date(2024, 6, 1)) == D("10000")  # before the first: the first
    constant = TermsSchedule.constant(D("10000"), D("9"))
    assert constant.quarter_fee(date(2025, 2, 14)) == D("10000") * 3
