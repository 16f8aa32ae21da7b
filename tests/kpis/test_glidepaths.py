"""Stepped targets (glidepaths): proposed in one go, agreed in one answer; each period's
status uses the step in force; bad paths are refused with nothing written; pages and API
(outsiders 404, viewers 403); the KPI chart draws the step line."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kpis.compute import STATUSES
from kpis.glidepath_services import glidepath_agree, glidepath_propose, glidepath_reject
from kpis.models import Glidepath, KpiTarget, MetricValue, TargetEvent, TargetState
from kpis.services import engagement_metrics_recompute
from kpis.target_services import target_agree
from tests.kpis.conftest import AS_OF

pytestmark = pytest.mark.django_db


def step(day, target, at_risk, breach, **more):
    return {
        "effective_from": day,
        "target_value": Decimal(str(target)),
        "at_risk_threshold": Decimal(str(at_risk)),
        "breach_threshold": Decimal(str(breach)),
        **more,
    }


PATH = [
    step(date(2025, 1, 1), 60, 65, 70),
    step(date(2025, 4, 1), 50, 55, 60),
    step(date(2025, 7, 1), 45, 50, 55),
]


def propose(actor, engagement, steps=PATH, **more):
    terms = {"kpi": "time_to_fill", "grain": "quarter", "steps": steps} | more
    return glidepath_propose(actor=actor, engagement=engagement, **terms)


def test_propose_makes_successive_targets(engagement, hr_lead):
    glidepath = propose(hr_lead, engagement)
    targets = list(KpiTarget.objects.filter(engagement=engagement).order_by("effective_from"))
    assert [(t.effective_from, t.effective_to) for t in targets] == [
        (date(2025, 1, 1), date(2025, 3, 31)),
        (date(2025, 4, 1), date(2025, 6, 30)),
        (date(2025, 7, 1), None),
    ]
    assert [t.target_value for t in targets] == [60, 50, 45]
    assert {t.state for t in targets} == {TargetState.PROPOSED}
    assert [link.target_id for link in glidepath.links.order_by("position")] == [
        t.pk for t in targets
    ]
    assert glidepath.steps.get().action == "proposed"


def test_agreed_together_by_the_other_party(engagement, hr_lead, account_manager, client_admin):
    glidepath = propose(hr_lead, engagement)
    with pytest.raises(PermissionDenied):
        glidepath_agree(actor=client_admin, glidepath=glidepath)
    step_target = glidepath.links.first().target
    with pytest.raises(ValidationError, match="glidepath"):
        target_agree(actor=account_manager, target=step_target)
    glidepath_agree(actor=account_manager, glidepath=glidepath)
    glidepath.refresh_from_db()
    assert glidepath.state == TargetState.AGREED
    targets = KpiTarget.objects.filter(engagement=engagement)
    assert {t.state for t in targets} == {TargetState.AGREED}
    assert TargetEvent.objects.filter(target__in=targets, action="agreed").count() == 3
    with pytest.raises(ValidationError):
        glidepath_reject(actor=account_manager, glidepath=glidepath)


def test_rejected_together(engagement, hr_lead, account_manager):
    glidepath = propose(hr_lead, engagement)
    glidepath_reject(actor=account_manager, glidepath=glidepath, note="Too steep.")
    states = set(KpiTarget.objects.filter(engagement=engagement).values_list("state", flat=True))
    assert states == {TargetState.REJECTED}


@pytest.mark.parametrize(
    ("steps", "more", "words"),
    [
        ([PATH[1], PATH[0]], {}, "in the order"),
        ([PATH[0], PATH[0]], {}, "in the order"),
        (
            [step(date(2025, 1, 1), 60, 65, 70, effective_to=date(2025, 4, 15)), PATH[1]],
            {},
            "overlap",
        ),
        ([step(date(2025, 1, 1), 60, 65, 70, effective_to=date(2025, 2, 28)), PATH[1]], {}, "gap"),
        ([PATH[0]], {}, "at least two"),
        ([PATH[0], step(date(2025, 4, 1), 50, 45, 60)], {}, "Step 2"),
        (PATH, {"kpi": "time_to_nowhere"}, "not a KPI"),
        (PATH, {"effective_to": date(2025, 6, 1)}, "Step 3 cannot end before it starts"),
    ],
)
def test_bad_paths_refused_nothing_written(engagement, hr_lead, steps, more, words):
    with pytest.raises(ValidationError) as refused:
        propose(hr_lead, engagement, steps=steps, **more)
    assert words in str(refused.value)
    assert not Glidepath.objects.exists()
    assert not KpiTarget.objects.exists()


def test_roles_without_the_permission_cannot_propose(engagement, client_viewer, recruiter):
    for actor in (client_viewer, recruiter):
        with pytest.raises(PermissionDenied):
            propose(actor, engagement)
    assert not KpiTarget.objects.exists()


def _expected(value: MetricValue, target: KpiTarget) -> str:
    if value.suppressed or value.n < target.min_sample_size:
        return "insufficient_data"
    if value.value <= float(target.target_value):
        return "on_track"
    if value.value > float(target.breach_threshold):
        return "off_track"
    return "at_risk"


def test_each_period_uses_the_step_in_force(sample_engagement, hr_lead, account_manager):
    """The engine's target lookup (the agreed target in effect at the period's end) picks
    each quarter's own step, for quarters and for their months."""
    glidepath = propose(hr_lead, sample_engagement)
    glidepath_agree(actor=account_manager, glidepath=glidepath)
    engagement_metrics_recompute(engagement=sample_engagement, as_of=AS_OF)
    steps = {
        t.effective_from.month: t for t in KpiTarget.objects.filter(engagement=sample_engagement)
    }
    quarters = {
        v.period: v
        for v in MetricValue.objects.filter(
            engagement=sample_engagement, kpi="time_to_fill", grain="quarter", dimension="all"
        )
    }
    for period, first_month in (("2025-Q1", 1), ("2025-Q2", 4), ("2025-Q3", 7)):
        value = quarters[period]
        assert value.target_id == steps[first_month].pk, period
        assert value.status == _expected(value, steps[first_month]), period
    assert {v.status for v in quarters.values()} <= set(STATUSES)


def test_month_values_read_their_quarters_step(sample_engagement, hr_lead, account_manager):
    glidepath = propose(hr_lead, sample_engagement, grain="month")
    glidepath_agree(actor=account_manager, glidepath=glidepath)
    engagement_metrics_recompute(engagement=sample_engagement, as_of=AS_OF)
    steps = {
        t.effective_from.month: t for t in KpiTarget.objects.filter(engagement=sample_engagement)
    }
    months = MetricValue.objects.filter(
        engagement=sample_engagement, kpi="time_to_fill", grain="month", dimension="all"
    )
    checked = 0
    for value in months:
        month = int(value.period[5:7])
        if value.period.startswith("2025") and month <= 9:
            step_of = steps[(month - 1) // 3 * 3 + 1]
            assert value.target_id == step_of.pk, value.period
            checked += 1
    assert checked >= 3


def test_kpi_page_draws_the_step_line(login, sample_engagement, hr_lead, account_manager):
    glidepath = propose(hr_lead, sample_engagement)
    glidepath_agree(actor=account_manager, glidepath=glidepath)
    engagement_metrics_recompute(engagement=sample_engagement, as_of=AS_OF)
    page = login(hr_lead).get(
        f"/engagements/{sample_engagement.pk}/kpis/time_to_fill/?grain=quarter"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="target-step"') >= 3
    assert (
        "Target steps: 60.0 days from Q1 2025, 50.0 days from Q2 2025, 45.0 days from Q3 2025"
        in html
    )


# --- pages ---------------------------------------------------------------------------------


def _page(engagement):
    return f"/engagements/{engagement.pk}/kpis/glidepaths/"


def _form(**more):
    data = {
        "kpi": "time_to_fill",
        "grain": "quarter",
        "dimension": "",
        "segment": "",
        "min_sample_size": 3,
        "step1_from": "2025-01-01",
        "step1_target": "60",
        "step1_at_risk": "65",
        "step1_breach": "70",
        "step2_from": "2025-04-01",
        "step2_target": "50",
        "step2_at_risk": "55",
        "step2_breach": "60",
    }
    return data | more


def test_page_propose_and_agree(login, engagement, hr_lead, account_manager):
    client = login(hr_lead)
    assert client.get(_page(engagement)).status_code == 200
    response = client.post(_page(engagement), _form())
    assert response.status_code == 302
    glidepath = Glidepath.objects.get()
    client = login(account_manager)
    detail = client.get(response["Location"])
    assert b"Answer the whole glidepath" in detail.content
    client.post(response["Location"], {"decision": "agree"})
    glidepath.refresh_from_db()
    assert glidepath.state == TargetState.AGREED


def test_page_steps_out_of_order_refused(login, engagement, hr_lead):
    response = login(hr_lead).post(_page(engagement), _form(step2_from="2024-12-01"))
    assert response.status_code == 400
    assert "in the order they take effect" in response.content.decode()
    assert not KpiTarget.objects.exists()


def test_pages_outsider_404_viewer_403(login, engagement, hr_lead, outsider, client_viewer):
    glidepath = propose(hr_lead, engagement)
    detail = f"{_page(engagement)}{glidepath.pk}/"
    client = login(outsider)
    for url in (_page(engagement), detail):
        assert client.get(url).status_code == 404
        assert client.post(url, _form()).status_code == 404
    client = login(client_viewer)
    assert client.get(_page(engagement)).status_code == 200
    assert client.get(detail).status_code == 200
    assert client.post(_page(engagement), _form()).status_code == 403
    assert client.post(detail, {"decision": "agree"}).status_code == 403
    assert Glidepath.objects.get().state == TargetState.PROPOSED


# --- API -----------------------------------------------------------------------------------


def _api(engagement):
    return f"/api/v1/engagements/{engagement.pk}/glidepaths/"


BODY = {
    "kpi": "time_to_fill",
    "grain": "quarter",
    "steps": [
        {
            "effective_from": "2025-01-01",
            "target_value": "60",
            "at_risk_threshold": "65",
            "breach_threshold": "70",
        },
        {
            "effective_from": "2025-04-01",
            "target_value": "50",
            "at_risk_threshold": "55",
            "breach_threshold": "60",
        },
    ],
}


def test_api_propose_and_agree(login, engagement, hr_lead, account_manager):
    client = login(hr_lead)
    assert client.get(_api(engagement)).json() == []
    made = client.post(_api(engagement), BODY, content_type="application/json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert [t["effective_to"] for t in body["targets"]] == ["2025-03-31", None]
    url = f"{_api(engagement)}{body['id']}/agree/"
    assert client.post(url, {}, content_type="application/json").status_code == 403
    agreed = login(account_manager).post(url, {}, content_type="application/json")
    assert agreed.status_code == 200 and agreed.json()["state"] == "agreed"


@pytest.mark.parametrize(
    "change",
    [
        {"kpi": "nope"},
        {"steps": [BODY["steps"][1], BODY["steps"][0]]},
        {"steps": [BODY["steps"][0] | {"effective_to": "2025-05-01"}, BODY["steps"][1]]},
    ],
)
def test_api_bad_input_refused(login, engagement, hr_lead, change):
    response = login(hr_lead).post(_api(engagement), BODY | change, content_type="application/json")
    assert response.status_code == 400
    assert not KpiTarget.objects.exists() and not Glidepath.objects.exists()


def test_api_outsider_404_viewer_403(login, engagement, hr_lead, outsider, client_viewer):
    glidepath = propose(hr_lead, engagement)
    client = login(outsider)
    for url in (_api(engagement), f"{_api(engagement)}{glidepath.pk}/"):
        assert client.get(url).status_code == 404
    assert client.post(f"{_api(engagement)}{glidepath.pk}/agree/", {}).status_code == 404
    client = login(client_viewer)
    assert client.get(f"{_api(engagement)}{glidepath.pk}/").status_code == 200
    assert client.post(_api(engagement), BODY, content_type="application/json").status_code == 403
    refused = client.post(f"{_api(engagement)}{glidepath.pk}/agree/", {})
    assert refused.status_code == 403
