"""The breach forecast stored, told to both leads once, shown on its page and the dashboard,
recomputed by the pipeline's step; outsiders get 404 and every member reads it."""

from datetime import date

import pytest
from django.urls import reverse

from notifications.models import Notification
from sla.forecasting.services import breach_forecasts_compute, engagement_projections
from sla.models import BreachForecast
from sla.services import schedule_agree, schedule_propose
from sla.tasks import forecast_breaches_after_evaluation
from tests.sla.conftest import CLAUSE_FORM

MID_SEPTEMBER = date(2025, 9, 15)


def _clause(**terms):
    clause = {k: v for k, v in CLAUSE_FORM.items() if k not in ("threshold", "min_n")}
    clause.update(
        threshold=terms.pop("threshold"),
        min_n=1,
        grace_days=0,
        effective_from=date(2025, 1, 1),
        pct=2,
        dimension="all",
        segment="all",
    )
    clause.update(terms)
    return clause


@pytest.fixture
def hopeless(sla_engagement, account_manager, hr_lead):
    """One more clause no month can meet: at least 1,000 hires a month."""
    schedule = schedule_propose(
        actor=account_manager,
        engagement=sla_engagement,
        clauses=[_clause(key="S-HIRES-1000", kpi="hires", threshold=1000)],
    )
    schedule_agree(actor=hr_lead, schedule=schedule)
    return sla_engagement


def test_every_open_credit_period_is_forecast_and_a_likely_breach_told_once(
    hopeless, hr_lead, account_manager
):
    result = breach_forecasts_compute(engagement=hopeless, as_of=MID_SEPTEMBER)
    forecasts = {f.clause.key: f for f in BreachForecast.objects.filter(engagement=hopeless)}
    # Credit clauses open on 15 September (S-CPH ended in August; S-HMS is a bonus).
    assert set(forecasts) == {"S-TTF", "S-OAR", "S-NPS-Q", "S-TTF-ENG", "S-DIV", "S-HIRES-1000"}
    assert forecasts["S-NPS-Q"].period == "2025-Q3" and forecasts["S-TTF"].period == "2025-09"
    hires = forecasts["S-HIRES-1000"]
    assert hires.likely and hires.likelihood == 1 and hires.warned_at is not None
    assert "breach threshold 1,000" in hires.reason
    assert result["likely"] >= 1
    told = Notification.objects.filter(engagement=hopeless, kind="breach_forecast")
    recipients = set(told.values_list("recipient_id", flat=True))
    assert {hr_lead.pk, account_manager.pk} <= recipients
    assert told.filter(subject__contains="S-HIRES-1000").count() == len(recipients)

    # Again, and again later in the month: updated in place, nobody told twice.
    breach_forecasts_compute(engagement=hopeless, as_of=MID_SEPTEMBER)
    breach_forecasts_compute(engagement=hopeless, as_of=date(2025, 9, 20))
    assert BreachForecast.objects.filter(engagement=hopeless).count() == len(forecasts)
    assert told.filter(subject__contains="S-HIRES-1000").count() == len(recipients)

    # October: September's forecasts give way to October's, and October's warning is new.
    breach_forecasts_compute(engagement=hopeless, as_of=date(2025, 10, 2))
    periods = set(
        BreachForecast.objects.filter(engagement=hopeless).values_list("clause__key", "period")
    )
    assert ("S-HIRES-1000", "2025-09") not in periods and ("S-HIRES-1000", "2025-10") in periods
    assert ("S-OAR", "2025-09") in periods  # its 5 grace days keep September open
    assert told.filter(subject__contains="Oct 2025").exists()


def test_the_forecast_writes_nothing_when_only_projected(hopeless):
    before = BreachForecast.objects.count(), Notification.objects.count()
    projections = engagement_projections(engagement=hopeless, as_of=MID_SEPTEMBER)
    assert projections and (BreachForecast.objects.count(), Notification.objects.count()) == before


def test_the_nightly_step_forecasts_and_passes_on_the_evaluation_events(hopeless):
    events = {"new_breach_ids": [1], "changed_breach_ids": [], "new_warning_ids": []}
    assert forecast_breaches_after_evaluation(events, "2025-09-15") == events
    assert BreachForecast.objects.filter(engagement=hopeless, likely=True).exists()


def test_a_notification_that_fails_leaves_the_others(hopeless, monkeypatch):
    from sla.forecasting import services

    real = services.notify
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["event_key"])
        if len(calls) == 1:
            raise RuntimeError("mail server down")
        return real(**kwargs)

    monkeypatch.setattr(services, "notify", flaky)
    breach_forecasts_compute(engagement=hopeless, as_of=date(2025, 9, 15))
    breach_forecasts_compute(engagement=hopeless, as_of=date(2025, 10, 2))
    # The first warning's notice failed and stays untold; the next period's went out.
    october = BreachForecast.objects.get(engagement=hopeless, clause__key="S-HIRES-1000")
    assert october.period == "2025-10" and october.warned_at is not None
    assert len(calls) >= 2


def url(engagement):
    return reverse("sla:forecast", kwargs={"engagement_id": engagement.pk})


@pytest.mark.parametrize(
    "role",
    ["client_admin", "hr_lead", "client_viewer", "provider_admin", "account_manager", "recruiter"],
)
def test_every_member_reads_the_forecast_page(request, login, hopeless, role):
    breach_forecasts_compute(engagement=hopeless, as_of=MID_SEPTEMBER)
    response = login(request.getfixturevalue(role)).get(url(hopeless))
    assert response.status_code == 200
    text = response.content.decode()
    assert "S-HIRES-1000" in text and "Likely breach" in text and "Sep 2025" in text
    assert "None" not in text


def test_an_outsider_gets_404(login, hopeless, outsider):
    assert login(outsider).get(url(hopeless)).status_code == 404


def test_a_new_engagement_without_clauses_has_an_empty_forecast(login, engagement, hr_lead):
    assert breach_forecasts_compute(engagement=engagement)["forecasts"] == 0
    response = login(hr_lead).get(url(engagement))
    assert response.status_code == 200 and "No forecast yet" in response.content.decode()
    dashboard = login(hr_lead).get(reverse("engagements:detail", args=[engagement.pk]))
    assert "No open period is likely to breach" in dashboard.content.decode()


def test_the_dashboard_shows_the_forecast_warning(login, hopeless, client_viewer):
    breach_forecasts_compute(engagement=hopeless, as_of=MID_SEPTEMBER)
    response = login(client_viewer).get(reverse("engagements:detail", args=[hopeless.pk]))
    text = response.content.decode()
    assert "Forecast warnings" in text and "S-HIRES-1000, Sep 2025" in text
    assert "100% likely to breach" in text
