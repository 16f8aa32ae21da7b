"""Every money target and threshold shows its currency: the dashboard's tile, the targets and
SLA pages, the notifications and the QBR pack (cost per hire is the KPI in money)."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from kpis.models import KpiTarget
from kpis.target_services import target_propose
from kpis.templatetags.kpis_tags import kpi_amount, threshold_in
from notifications.models import Notification
from reviews.qbr import pdf, xlsx
from reviews.qbr.content import VALUE
from sla.models import Breach
from tests.factories import targets_agree
from tests.sla.breach_helpers import agreed_clause, make_breach

pytestmark = pytest.mark.django_db

EUR = "EUR\u00a0"


def test_a_money_threshold_reads_with_its_currency_others_with_their_unit():
    assert threshold_in(Decimal("4000"), "cost_per_hire", "EUR") == f"{EUR}4,000"
    assert threshold_in(Decimal("4000.5"), "cost_per_hire", "EUR") == f"{EUR}4,000.5"
    assert threshold_in(Decimal("45"), "time_to_fill", "EUR") == "45 days"
    assert threshold_in(None, "cost_per_hire", "EUR") == "—"
    assert kpi_amount(5117.705, "cost_per_hire", "EUR") == f"{EUR}5,117.71"


@pytest.fixture
def euro_engagement(engagement, hr_lead, account_manager):
    engagement.currency = "EUR"
    engagement.save()
    targets_agree(
        engagement,
        [("cost_per_hire", "month", 4000, 4400, 4800)],
        proposer=account_manager,
        agreer=hr_lead,
        effective_from=date(2025, 1, 1),
    )
    clause = agreed_clause(
        engagement, account_manager, key="cph-month", kpi="cost_per_hire", threshold=4800
    )
    make_breach(engagement, clause, period="2025-07", value=5117.705)
    return engagement


def test_every_page_shows_the_money_targets_and_thresholds_with_their_currency(
    login, euro_engagement, hr_lead
):
    client = login(hr_lead)
    engagement = euro_engagement
    target = KpiTarget.objects.get(engagement=engagement, kpi="cost_per_hire")
    breach = Breach.objects.get(engagement=engagement)
    pages = {
        "targets": reverse("kpis:targets", args=[engagement.pk]),
        "target": reverse("kpis:target_detail", args=[engagement.pk, target.pk]),
        "sla": reverse("sla:overview", args=[engagement.pk]),
        "breaches": reverse("breaches:list", args=[engagement.pk]),
        "breach": reverse("breaches:detail", args=[engagement.pk, breach.pk]),
        "dashboard": reverse("engagements:detail", args=[engagement.pk]) + "?period=2025-07",
    }
    expected = {
        "targets": [f"{EUR}4,000", f"{EUR}4,400", f"{EUR}4,800"],
        "target": [f"{EUR}4,000", f"{EUR}4,400", f"{EUR}4,800"],
        "sla": [f"{EUR}4,800"],
        "breaches": [f"{EUR}4,800"],
        "breach": [f"{EUR}4,800"],
        "dashboard": [f"≤ {EUR}4,000", f"above {EUR}4,800)"],
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        text = response.content.decode()
        for words in expected[name]:
            assert words in text, (name, words)


def test_a_money_target_proposal_notifies_with_its_currency(euro_engagement, account_manager):
    target_propose(
        actor=account_manager,
        engagement=euro_engagement,
        kpi="cost_per_hire",
        grain="quarter",
        effective_from=date(2025, 1, 1),
        target_value=Decimal("3900"),
        at_risk_threshold=Decimal("4300"),
        breach_threshold=Decimal("4700"),
        min_sample_size=1,
    )
    told = Notification.objects.filter(kind="target_proposed").first()
    assert f"target {EUR}3,900, breach threshold {EUR}4,700" in told.subject


def test_the_qbr_pack_writes_money_values_and_targets_with_their_currency():
    # The PDF's cells: a cost per hire, its target and threshold, with the currency.
    cell = pdf._cell(VALUE, "cost_per_hire", 4000.0, "EUR")
    assert cell["text"] == f"{EUR}4,000.00"
    assert pdf._cell(VALUE, "time_to_fill", 40.0, "EUR")["text"] == "40.0 days"
    # The Excel cells: the currency in the number format, the value a number.
    book = xlsx.xlsxwriter.Workbook(io.BytesIO())
    formats = xlsx._Formats(book, "EUR")
    assert formats.units["currency"].num_format == '"EUR" #,##0.00'
    assert formats.exact["currency"].num_format.startswith('"EUR" #,##0.00')
    book.close()
