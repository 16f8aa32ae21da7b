"""An engagement with every kind of record a page may show (the CSP walk's URL arguments, the
row-level security probes' rows)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role
from accounts.services import api_key_create
from engagements.terms_services import commercial_terms_initial, commercial_terms_propose
from kpis.models import MetricValue
from kpis.services import engagement_metrics_recompute, target_propose
from recruiting.api import KINDS
from recruiting.models import ImportRun
from reviews import services as reviews
from reviews.models import Cadence, Tier
from tests.factories import member
from tests.kpis.sample import import_sample
from tests.market.sample import import_market_sample


def make_site(engagement):
    """An engagement with every kind of record a page may show, and a member of both sides
    holding the roles that see every page."""
    user = member(engagement.client, Role.CLIENT_ADMIN)
    member(engagement.provider, Role.ACCOUNT_MANAGER, user=user)
    hr_lead = member(engagement.client, Role.HR_LEAD)
    import_sample(engagement)
    import_market_sample(engagement)
    engagement_metrics_recompute(engagement=engagement, as_of=date(2025, 9, 30))
    target = target_propose(
        actor=hr_lead,
        engagement=engagement,
        kpi="time_to_fill",
        grain="quarter",
        effective_from=date(2025, 1, 1),
        target_value=Decimal("30"),
        at_risk_threshold=Decimal("35"),
        breach_threshold=Decimal("40"),
    )
    api_key, _ = api_key_create(actor=user, organization=engagement.client, name="ATS")
    meeting = reviews.meeting_create(
        actor=hr_lead,
        engagement=engagement,
        tier=Tier.TACTICAL,
        title="Monthly review",
        starts_at=timezone.now() + timedelta(days=3),
    )
    action_item = reviews.action_item_create(
        actor=hr_lead,
        engagement=engagement,
        title="Close the sourcing gap",
        owner=hr_lead,
        due_date=timezone.localdate() + timedelta(days=7),
    )
    risk = reviews.risk_create(
        actor=hr_lead,
        engagement=engagement,
        title="Hiring freeze",
        category="delivery",
        likelihood=3,
        impact=4,
        treatment="mitigate",
        owner=hr_lead,
        next_review_on=date(2026, 1, 1),
    )
    from notifications.models import Notification
    from notifications.services import notify, unsubscribe_token
    from reviews.qbr.services import qbr_pack_start
    from tests.sla.breach_helpers import agreed_clause, make_breach

    clause = agreed_clause(engagement, hr_lead)
    breach = make_breach(engagement, clause)
    notify(
        engagement=engagement,
        event_key=f"walk-{breach.pk}",
        kind="breach",
        subject="A breach",
        body="A breach was recorded.",
        url=f"/engagements/{engagement.pk}/",
        recipients=[user],
    )
    commercial_terms_initial(engagement=engagement)
    terms = commercial_terms_propose(
        actor=hr_lead,
        engagement=engagement,
        effective_from=timezone.localdate().replace(day=1),
        monthly_fee=Decimal("1000"),
        at_risk_pct=None,
    )
    values = {
        "terms_id": terms.pk,
        "breach_id": breach.pk,
        "clause_id": clause.pk,
        "schedule_id": clause.schedule_id,
        "notification_id": Notification.objects.filter(recipient=user).first().pk,
        "pack_id": qbr_pack_start(
            actor=hr_lead, engagement=engagement, quarter="2025-Q3", fmt="csv"
        ).pk,
        "action": "acknowledge",
        # Only POST routes take these (405 on GET): any id of the engagement's records will do.
        "action_id": breach.pk,
        "claim_id": breach.pk,
        "engagement_id": engagement.pk,
        "target_id": target.pk,
        "value_id": MetricValue.objects.filter(engagement=engagement).first().pk,
        "section_index": 0,
        "run_id": ImportRun.objects.filter(engagement=engagement).first().pk,
        "kpi": "time_to_fill",
        "kind": "requisitions",
        "panel": "kpis",
        "slug": engagement.client.slug,
        "key_id": api_key.pk,
        # Both an identity provider's sign-in URLs (a str: none is set up here, they answer
        # 404) and a provider's shared market benchmarks (an int) take `provider_id`.
        "user_id": "1",
        "token_id": 1,
        # Each kind's detail URL names one of its own records.
        "external_id": {
            kind: spec.model.objects.filter(engagement=engagement).first().external_id
            for kind, spec in KINDS.items()
            if spec.url_kwarg == "external_id"
        },
        # A kind keyed by other columns than an id names its records by their id.
        "line_id": {
            kind: spec.model.objects.filter(engagement=engagement).first().pk
            for kind, spec in KINDS.items()
            if spec.url_kwarg == "line_id"
        },
        "provider_id": engagement.provider_id,
        # The signed link of a notification e-mail's one-click unsubscribe.
        "token": unsubscribe_token(user),
        "cadence_id": Cadence.objects.filter(engagement=engagement).first().pk,
        "meeting_id": meeting.pk,
        "decision_id": reviews.decision_create(
            actor=hr_lead,
            engagement=engagement,
            title="Add a sourcing channel",
            decided_by=hr_lead,
            decided_on=date(2025, 9, 1),
        ).pk,
        "risk_id": risk.pk,
        # An action item's id, or a meeting's agenda item's id under a meeting's URL.
        "item_id": {
            "action": action_item.pk,
            "agenda": reviews.agenda_item_add(actor=hr_lead, meeting=meeting, title="KPIs").pk,
        },
    }
    values |= _transition_and_glidepath(engagement, user)
    return user, values


def make_every_record(engagement):
    """`make_site`, plus a record in every other table that holds an engagement's data: SLA
    evaluation, a breach's lifecycle, schedule steps, minutes, comments, calendar tokens and
    QBR subscriptions and deliveries."""
    from forecasts.services import forecasts_recompute
    from recruiting.models import Requisition
    from reviews.models import ActionItem, Decision, Meeting, QbrDelivery
    from reviews.qbr.services import qbr_subscription_set
    from sla.breaches import services as breach_services
    from sla.models import Breach, ScheduleStep, SlaClause, Warning
    from sla.services import engagement_slas_evaluate

    user, values = make_site(engagement)
    forecasts_recompute(engagement_ids=[engagement.pk], as_of=date(2025, 9, 30))
    clause = SlaClause.objects.get(pk=values["clause_id"])
    engagement_slas_evaluate(engagement=engagement, as_of=date(2025, 9, 30))
    Warning.objects.create(
        engagement=engagement,
        clause=clause,
        period="2025-06",
        period_end=date(2025, 6, 30),
        value=34.0,
        n=10,
        raised_at=timezone.now(),
    )
    ScheduleStep.objects.create(
        engagement=engagement,
        schedule_id=values["schedule_id"],
        action="agreed",
        actor=user,
        party="client",
        at=timezone.now(),
    )
    breach = Breach.objects.get(pk=values["breach_id"])
    breach_services.breach_acknowledge(actor=user, breach=breach, note="On it.")
    breach_services.breach_plan_remediation(
        actor=user,
        breach=breach,
        root_cause="Two recruiters left.",
        actions=[
            breach_services.CorrectiveActionInput(
                "Backfill", user, timezone.localdate() + timedelta(days=7)
            )
        ],
    )
    requisition = Requisition.objects.filter(engagement=engagement).order_by("external_id")[0]
    breach_services.relief_claim(
        actor=user,
        breach=breach,
        reason="feedback_late",
        explanation="Feedback came late.",
        requisitions=[requisition.external_id],
        days_lost=3,
    )
    # The review took place (a meeting ahead cannot be held), so its minutes can be closed.
    Meeting.objects.filter(pk=values["meeting_id"]).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )
    meeting = Meeting.objects.get(pk=values["meeting_id"])
    meeting.attendees.add(user)
    reviews.meeting_close(actor=meeting.organiser, meeting=meeting)
    action_item = ActionItem.objects.get(pk=values["item_id"]["action"])
    reviews.action_item_comment_add(actor=user, item=action_item, text="Any news?")
    decision = Decision.objects.get(pk=values["decision_id"])
    decision.action_items.add(action_item)
    decision.risks.add(values["risk_id"])
    Cadence.objects.filter(engagement=engagement).first().participants.add(user)
    reviews.calendar_token_regenerate(user=user, engagement=engagement)
    qbr_subscription_set(actor=user, engagement=engagement, fmt="csv")
    QbrDelivery.objects.create(
        engagement=engagement, user=user, quarter="2025-Q3", pack_id=values["pack_id"]
    )
    _agreed_terms_and_forecasts(engagement, clause)
    return user, values


def _agreed_terms_and_forecasts(engagement, clause) -> None:
    """A go-live date and a recruiter capacity agreed by both parties, and a breach forecast."""
    from engagements.go_live_services import go_live_agree, go_live_propose
    from forecasts.capacity_services import capacity_agree, capacity_propose
    from sla.models import BreachForecast

    manager = member(engagement.provider, Role.ACCOUNT_MANAGER)
    lead = member(engagement.client, Role.HR_LEAD)
    proposal = go_live_propose(actor=manager, engagement=engagement, go_live_date=date(2025, 2, 1))
    go_live_agree(actor=lead, proposal=proposal)
    terms = capacity_propose(actor=manager, engagement=engagement, requisitions_per_recruiter=8)
    capacity_agree(actor=lead, terms=terms)
    BreachForecast.objects.create(
        engagement=engagement,
        clause=clause,
        period="2025-10",
        period_end=date(2025, 10, 31),
        as_of=date(2025, 9, 30),
        likelihood=0.6,
        likely=True,
        reason="Planted for the tenancy probes.",
        computed_at=timezone.now(),
    )


def _transition_and_glidepath(engagement, user) -> dict:
    """A transition plan (milestones with dependencies) and an agreed glidepath."""
    from kpis.glidepath_services import glidepath_agree, glidepath_propose
    from reviews.transition.services import milestone_update, transition_plan_create

    plan = transition_plan_create(actor=user, engagement=engagement, starts_on=date(2025, 1, 6))
    first = plan.milestones.order_by("position").first()
    milestone_update(actor=user, milestone=first, actual_on=first.planned_on)
    steps = [
        {
            "effective_from": day,
            "target_value": Decimal(target),
            "at_risk_threshold": Decimal(target + 5),
            "breach_threshold": Decimal(target + 10),
        }
        for day, target in ((date(2025, 1, 1), 60), (date(2025, 4, 1), 50))
    ]
    glidepath = glidepath_propose(
        actor=member(engagement.provider, Role.ACCOUNT_MANAGER),
        engagement=engagement,
        kpi="time_to_fill",
        grain="month",
        steps=steps,
    )
    glidepath_agree(actor=member(engagement.client, Role.HR_LEAD), glidepath=glidepath)
    # A baseline proposal (entered: a computed one needs imported history before go-live).
    from engagements.models import Engagement
    from kpis.baselines.services import baseline_propose_entered

    Engagement.objects.filter(pk=engagement.pk).update(go_live_date=date(2025, 1, 1))
    engagement.refresh_from_db()
    proposal = baseline_propose_entered(
        actor=member(engagement.client, Role.HR_LEAD),
        engagement=engagement,
        kpi="time_to_fill",
        value=Decimal("52.0"),
        source="earlier_report",
        source_detail="2024 annual report",
    )
    return {"milestone_id": first.pk, "glidepath_id": glidepath.pk, "proposal_id": proposal.pk}
