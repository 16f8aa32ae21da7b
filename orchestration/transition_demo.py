"""Demo of issue 26's plan and paths: Acme's transition plan in progress (done, late,
slipping, on-track and not-started milestones, with evidence) and a glidepath of time to fill
agreed over the last three quarters (plus one awaiting Globex's answer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from engagements.models import Engagement
from kpis.glidepath_services import glidepath_agree, glidepath_propose
from kpis.models import Glidepath
from kpis.services import engagement_metrics_recompute
from reviews.models import TransitionPlan
from reviews.transition.services import (
    milestone_alert,
    milestone_update,
    transition_plan_create,
)

PLAN_SLUG = "acme-talentbridge"
PROVIDER, CLIENT = "am@talentbridge.example", "hr@acme.example"
# The plan started this many days ago: its first milestones are met, the design sign-off is
# late, the first requisitions slip, go-live is on track and the rest not started.
PLAN_AGE_DAYS = 50
# position: (days after the plan's start it was met or is forecast; None: no actual)
PROGRESS = {
    1: {"actual": 0, "evidence_note": "Signed by both parties' legal teams."},
    2: {"actual": 7, "evidence_url": "https://acme.example/transition/kickoff-minutes"},
    3: {"actual": 32, "evidence_note": "Access granted a week late: SSO set-up at Acme."},
    4: {"forecast": 58},  # planned day 42: passed, not done → late
    5: {"forecast": 64},  # planned day 56, forecast later → at risk
    6: {"forecast": 63},  # planned day 63 → on track
}


def _quarter_start(day: date, back: int) -> date:
    index = day.year * 4 + (day.month - 1) // 3 - back
    return date(index // 4, index % 4 * 3 + 1, 1)


def seed_transition_plan(log: Callable[[str], None]) -> None:
    engagement = Engagement.objects.filter(slug=PLAN_SLUG).first()
    if engagement is None or TransitionPlan.objects.filter(engagement=engagement).exists():
        return
    provider, client = User.objects.get(email=PROVIDER), User.objects.get(email=CLIENT)
    start = timezone.localdate() - timedelta(days=PLAN_AGE_DAYS)
    plan = transition_plan_create(actor=provider, engagement=engagement, starts_on=start)
    for milestone in plan.milestones.order_by("position"):
        person = client if milestone.responsible_party == "client" else provider
        changes = {"responsible_person": person}
        step = PROGRESS.get(milestone.position, {})
        if "actual" in step:
            changes["actual_on"] = start + timedelta(days=step["actual"])
        if "forecast" in step:
            changes["forecast_on"] = start + timedelta(days=step["forecast"])
        changes |= {k: v for k, v in step.items() if k.startswith("evidence")}
        # The party responsible keeps its own milestones up to date.
        milestone_update(actor=person, milestone=milestone, **changes)
    today = timezone.localdate()
    for milestone in plan.milestones.filter(actual_on__isnull=True, planned_on__lt=today):
        milestone_alert(milestone=milestone)  # the late one, told to every lead
    log(f"{PLAN_SLUG}: transition plan with {plan.milestones.count()} milestones")


# (target, at risk, breach) per step, days of time to fill, over the last three quarters.
GLIDEPATH = [(60, 65, 70), (52, 57, 62), (45, 50, 55)]


def _steps(today: date) -> list[dict]:
    return [
        {
            "effective_from": _quarter_start(today, 3 - i),
            "target_value": Decimal(target),
            "at_risk_threshold": Decimal(at_risk),
            "breach_threshold": Decimal(breach),
        }
        for i, (target, at_risk, breach) in enumerate(GLIDEPATH)
    ]


def seed_glidepaths(log: Callable[[str], None]) -> None:
    today = timezone.localdate()
    acme = Engagement.objects.filter(slug=PLAN_SLUG).first()
    if acme is not None and not Glidepath.objects.filter(engagement=acme).exists():
        glidepath = glidepath_propose(
            actor=User.objects.get(email=CLIENT),
            engagement=acme,
            kpi="time_to_fill",
            grain="quarter",
            steps=_steps(today),
            min_sample_size=5,
            note="From the pre-outsourcing 60 days down to 45 as the team settles in.",
        )
        glidepath_agree(actor=User.objects.get(email=PROVIDER), glidepath=glidepath)
        engagement_metrics_recompute(engagement=acme)
        log(f"{PLAN_SLUG}: glidepath of time to fill agreed, 60 → 52 → 45 days")
    globex = Engagement.objects.filter(slug="globex-talentbridge").first()
    if globex is not None and not Glidepath.objects.filter(engagement=globex).exists():
        glidepath_propose(
            actor=User.objects.get(email=PROVIDER),
            engagement=globex,
            kpi="offer_acceptance_rate",
            grain="quarter",
            steps=[
                {
                    "effective_from": _quarter_start(today, -1 - i),
                    "target_value": Decimal(target),
                    "at_risk_threshold": Decimal(target - 5),
                    "breach_threshold": Decimal(target - 10),
                }
                for i, target in enumerate((80, 85))
            ],
            min_sample_size=5,
            note="Awaiting Globex's answer.",
        )
        log("globex-talentbridge: glidepath of offer acceptance proposed")


def seed_transition_and_glidepaths(log: Callable[[str], None]) -> None:
    seed_transition_plan(log)
    seed_glidepaths(log)
