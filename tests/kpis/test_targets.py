"""Targets: one party proposes, the other agrees, rejects or counters; only agreed ones count."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kpis.models import KpiTarget, MetricValue, TargetEvent, TargetState
from kpis.services import engagement_metrics_recompute
from kpis.target_services import target_agree, target_counter, target_propose, target_reject
from tests.kpis.conftest import AS_OF
from tests.kpis.freshness import data_changed_at

TERMS = {
    "kpi": "time_to_fill",
    "grain": "quarter",
    "effective_from": date(2025, 1, 1),
    "target_value": Decimal("30"),
    "at_risk_threshold": Decimal("35"),
    "breach_threshold": Decimal("40"),
    "min_sample_size": 3,
}


def propose(actor, engagement, **terms):
    return target_propose(actor=actor, engagement=engagement, **(TERMS | terms))


def q3_time_to_fill(engagement, dimension="all", segment="all"):
    return MetricValue.objects.get(
        engagement=engagement,
        kpi="time_to_fill",
        grain="quarter",
        period="2025-Q3",
        dimension=dimension,
        segment=segment,
    )


def test_the_same_party_cannot_agree(engagement, hr_lead, client_admin, account_manager):
    from tests.factories import member

    other_hr_lead = member(engagement.client, "hr_lead")
    target = propose(hr_lead, engagement)
    with pytest.raises(PermissionDenied):
        target_agree(actor=other_hr_lead, target=target)
    with pytest.raises(PermissionDenied):
        target_agree(actor=client_admin, target=target)
    target_agree(actor=account_manager, target=target)
    target.refresh_from_db()
    assert target.state == TargetState.AGREED
    assert target.responded_by == account_manager
    with pytest.raises(ValidationError):
        target_reject(actor=account_manager, target=target)


def test_roles_without_the_permission_cannot_propose(engagement, client_viewer, recruiter):
    for actor in (client_viewer, recruiter):
        with pytest.raises(PermissionDenied):
            propose(actor, engagement)


def test_thresholds_are_read_in_the_kpis_direction(engagement, hr_lead):
    with pytest.raises(ValidationError):  # lower is better: breach must be above the target
        propose(hr_lead, engagement, breach_threshold=Decimal("20"))
    with pytest.raises(ValidationError):  # higher is better
        propose(hr_lead, engagement, kpi="offer_acceptance_rate")
    propose(
        hr_lead,
        engagement,
        kpi="offer_acceptance_rate",
        target_value=Decimal(90),
        at_risk_threshold=Decimal(80),
        breach_threshold=Decimal(70),
    )
    with pytest.raises(ValidationError):  # cost_per_hire has segment all only
        propose(hr_lead, engagement, kpi="cost_per_hire", dimension="department", segment="Sales")


def test_every_step_is_kept_with_who_and_what_changed(engagement, hr_lead, account_manager):
    first = propose(hr_lead, engagement)
    counter = target_counter(
        actor=account_manager, target=first, target_value=Decimal("33"), note="Q3 is busy"
    )
    first.refresh_from_db()
    assert first.state == TargetState.COUNTERED
    assert counter.state == TargetState.PROPOSED and counter.proposed_by_party == "provider"
    with pytest.raises(PermissionDenied):  # the counter goes back to the client
        target_agree(actor=account_manager, target=counter)
    target_agree(actor=hr_lead, target=counter)
    steps = list(TargetEvent.objects.filter(engagement=engagement).order_by("at", "id"))
    assert [(s.action, s.actor, s.party) for s in steps] == [
        ("proposed", hr_lead, "client"),
        ("proposed", account_manager, "provider"),
        ("countered", account_manager, "provider"),
        ("agreed", hr_lead, "client"),
    ]
    assert steps[1].changes == {"target_value": ["30", "33"]}
    assert steps[0].changes["target_value"] == "30"
    # the model's own history (database triggers) records the state changes too
    states = list(
        KpiTarget.pgh_event_model.objects.filter(pgh_obj=first).values_list("state", flat=True)
    )
    assert states == ["proposed", "countered"]


def test_only_agreed_targets_give_status(sample_engagement, hr_lead, account_manager):
    value = q3_time_to_fill(sample_engagement)
    assert value.status == ""
    target = propose(
        hr_lead,
        sample_engagement,
        target_value=Decimal(str(value.value)),
        at_risk_threshold=Decimal(str(value.value + 1)),
        breach_threshold=Decimal(str(value.value + 2)),
    )
    engagement_metrics_recompute(engagement=sample_engagement, as_of=AS_OF)
    assert q3_time_to_fill(sample_engagement).status == ""
    target_agree(actor=account_manager, target=target)
    engagement_metrics_recompute(engagement=sample_engagement, as_of=AS_OF)
    value = q3_time_to_fill(sample_engagement)
    assert value.status == "on_track"
    assert value.target_id == target.pk


@pytest.mark.parametrize(
    ("offset", "status"),
    [(Decimal("0"), "on_track"), (Decimal("-1"), "at_risk"), (Decimal("-5"), "off_track")],
)
def test_status_from_the_thresholds(sample_engagement, hr_lead, account_manager, offset, status):
    value = Decimal(str(q3_time_to_fill(sample_engagement).value))
    # lower is better: a target below the value is missed; a breach below it is passed
    target = propose(
        hr_lead,
        sample_engagement,
        target_value=value + offset,
        at_risk_threshold=value + offset + Decimal("0.5"),
        breach_threshold=value + offset + Decimal("2"),
    )
    target_agree(actor=account_manager, target=target)
    engagement_metrics_recompute(engagement=sample_engagement, as_of=AS_OF)
    assert q3_time_to_fill(sample_engagement).status == status


def test_small_samples_and_segment_targets(sample_engagement, hr_lead, account_manager):
    general = propose(hr_lead, sample_engagement, min_sample_size=1000)
    sales = propose(
        hr_lead,
        sample_engagement,
        dimension="department",
        segment="Sales",
        target_value=Decimal(1000),
        at_risk_threshold=Decimal(1001),
        breach_threshold=Decimal(1002),
        min_sample_size=1,
    )
    for target in (general, sales):
        target_agree(actor=account_manager, target=target)
    engagement_metrics_recompute(engagement=sample_engagement, as_of=AS_OF)
    assert q3_time_to_fill(sample_engagement).status == "insufficient_data"
    assert q3_time_to_fill(sample_engagement, "department", "Sales").status == "on_track"
    # a target that starts after the period does not apply to it
    assert (
        MetricValue.objects.filter(engagement=sample_engagement, kpi="hires")
        .exclude(status="")
        .count()
        == 0
    )


def test_agreeing_schedules_a_recompute(
    engagement, hr_lead, account_manager, django_capture_on_commit_callbacks
):
    target = propose(hr_lead, engagement)
    before = data_changed_at(engagement)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        target_agree(actor=account_manager, target=target)
    assert data_changed_at(engagement) and data_changed_at(engagement) != before
    # The recompute, and the e-mail of the proposer's side that the target is agreed.
    assert [c.__name__ for c in callbacks] == ["<lambda>", "_enqueue_emails"]


def test_target_pages_propose_and_respond(engagement, hr_lead, account_manager, login):
    client = login(hr_lead)
    form = {
        "kpi": "time_to_fill",
        "grain": "month",
        "dimension": "",
        "segment": "",
        "effective_from": "2025-01-01",
        "target_value": "30",
        "at_risk_threshold": "35",
        "breach_threshold": "40",
        "min_sample_size": "5",
        "note": "first offer",
    }
    response = client.post(reverse("kpis:targets", args=[engagement.pk]), form)
    target = KpiTarget.objects.get(engagement=engagement)
    assert response.status_code == 302
    detail = reverse("kpis:target_detail", args=[engagement.pk, target.pk])
    assert client.post(detail, {"decision": "agree"}).status_code == 403  # own proposal
    page = client.get(detail)
    assert b"Waiting for the provider" in page.content
    provider = login(account_manager)
    assert b"Send response" in provider.get(detail).content
    counter = {f"counter-{k}": v for k, v in form.items()} | {
        "counter": "1",
        "counter-target_value": "32",
    }
    response = provider.post(detail, counter)
    assert response.status_code == 302
    countered = KpiTarget.objects.get(replaces=target)
    assert countered.target_value == Decimal(32)
    client = login(hr_lead)
    response = client.post(
        reverse("kpis:target_detail", args=[engagement.pk, countered.pk]), {"decision": "agree"}
    )
    assert response.status_code == 302
    countered.refresh_from_db()
    assert countered.state == TargetState.AGREED
    history = client.get(reverse("kpis:target_detail", args=[engagement.pk, countered.pk]))
    body = history.content.decode()
    assert body.count("<li><strong>") == 4  # proposed, proposed (counter), countered, agreed


def test_target_pages_refuse_roles_without_the_permission(
    engagement, hr_lead, client_viewer, recruiter, login
):
    target = propose(hr_lead, engagement)
    for user in (client_viewer, recruiter):
        client = login(user)
        assert client.post(reverse("kpis:targets", args=[engagement.pk]), {}).status_code == 403
        detail = reverse("kpis:target_detail", args=[engagement.pk, target.pk])
        assert client.post(detail, {"decision": "agree"}).status_code == 403
        assert client.get(detail).status_code == 200


def test_target_of_another_engagement_is_404(engagement, other_engagement, hr_lead, login):
    from tests.factories import member

    target = propose(hr_lead, engagement)
    other = member(other_engagement.client, "hr_lead")
    url = reverse("kpis:target_detail", args=[other_engagement.pk, target.pk])
    assert login(other).get(url).status_code == 404


def test_each_step_notifies_the_other_people_concerned_never_the_actor(
    engagement, hr_lead, account_manager
):
    from notifications.models import Notification

    def kinds(person):
        return sorted(Notification.objects.filter(recipient=person).values_list("kind", flat=True))

    target = propose(hr_lead, engagement)
    assert kinds(account_manager) == ["target_proposed"]
    assert kinds(hr_lead) == []
    told = Notification.objects.get(recipient=account_manager)
    assert told.subject == (
        "Target proposed: Time to fill (quarter) from 1 Jan 2025: target 30 days, "
        "breach threshold 40 days"
    )
    assert told.url.endswith(f"/kpis/targets/{target.pk}/")
    counter = target_counter(actor=account_manager, target=target, target_value=Decimal("32"))
    assert kinds(hr_lead) == ["target_countered"]
    target_agree(actor=hr_lead, target=counter)
    assert kinds(account_manager) == ["target_agreed", "target_proposed"]
    assert kinds(hr_lead) == ["target_countered"]
    rejected = propose(
        account_manager,
        engagement,
        kpi="offer_acceptance_rate",
        target_value=Decimal("90"),
        at_risk_threshold=Decimal("85"),
        breach_threshold=Decimal("80"),
    )
    target_reject(actor=hr_lead, target=rejected)
    assert kinds(account_manager) == ["target_agreed", "target_proposed", "target_rejected"]
    assert kinds(hr_lead) == ["target_countered", "target_proposed"]


@pytest.mark.parametrize(
    ("terms", "field", "words"),
    [
        (
            {"target_value": "85", "at_risk_threshold": "80", "breach_threshold": "90"},
            "breach_threshold",
            "For offer acceptance rate, higher is better: the breach threshold must be at or "
            "below the target.",
        ),
        (
            {"target_value": "85", "at_risk_threshold": "70", "breach_threshold": "75"},
            "breach_threshold",
            "For offer acceptance rate, higher is better: the breach threshold must be at or "
            "below the at-risk threshold.",
        ),
        (
            {"target_value": "85", "at_risk_threshold": "90", "breach_threshold": "70"},
            "at_risk_threshold",
            "For offer acceptance rate, higher is better: the at-risk threshold must be at or "
            "below the target.",
        ),
    ],
)
def test_an_invalid_proposal_shows_its_error_on_the_field_in_plain_words_and_in_view(
    engagement, hr_lead, login, terms, field, words
):
    form = {
        "kpi": "offer_acceptance_rate",
        "grain": "month",
        "effective_from": "2025-01-01",
        "min_sample_size": "5",
    } | terms
    response = login(hr_lead).post(reverse("kpis:targets", args=[engagement.pk]), form)
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [words]}
    html = response.content.decode()
    # The summary at the top of the form takes the focus (the page scrolls to it, no JS) and
    # links to the field, which names its error (aria-describedby) and is marked invalid.
    summary = html[html.index('<div class="error-summary"') :]
    assert summary.startswith('<div class="error-summary" role="alert" tabindex="-1" autofocus')
    assert f'<a href="#id_{field}">' in summary and words in summary
    assert summary.index("error-summary") < summary.index('name="kpi"')
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in html
    assert f'<ul class="errorlist" id="id_{field}_error"><li>{words}</li></ul>' in html
    assert html.count("autofocus") == 1
    assert not KpiTarget.objects.exists()
