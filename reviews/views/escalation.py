"""Escalating an SLA breach to a review: the breach, with its timeline, goes on the agenda of
the next meeting of the chosen tier. Offered on the breach's page (`sla.breaches.views`) through
the extra context registered in `ReviewsConfig.ready`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect

from engagements.access import get_engagement_for
from reviews.models import Tier
from reviews.services import agenda_escalate
from sla.breaches.views import breach_or_404

# Escalating puts the breach on a review agenda: whoever records reviews may do it.
ESCALATE = "reviews.record_review"


def breach_escalation_context(*, user, engagement, breach) -> dict:
    """The breach page's escalation form: whether it is offered, and to which tiers."""
    return {
        "can_escalate": user.has_perm(ESCALATE, engagement),
        "escalation_tiers": [Tier.TACTICAL, Tier.STRATEGIC],
    }


@login_required
def breach_escalate(request, engagement_id: int, breach_id: int):
    """Put the breach, with its timeline, on the next meeting of the chosen tier."""
    engagement = get_engagement_for(request.user, engagement_id, ESCALATE)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    breach = breach_or_404(engagement, breach_id)
    tier = request.POST.get("tier", "")
    if tier not in (Tier.TACTICAL, Tier.STRATEGIC):
        messages.error(request, "Choose the tactical or strategic review.")
    else:
        try:
            item = agenda_escalate(
                actor=request.user,
                engagement=engagement,
                tier=tier,
                title=f"Breach: {breach.clause.key}, {breach.period}",
                breach=breach,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"Escalated to {item.meeting}.")
    return redirect("breaches:detail", engagement_id=engagement.pk, breach_id=breach.pk)
