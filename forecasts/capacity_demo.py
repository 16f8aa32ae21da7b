"""Demo: an agreed recruiter capacity one recruiter is over (Acme), and a proposal waiting for
the client's answer (Globex)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from accounts.models import User
from engagements.models import Engagement
from forecasts import capacity as cap
from forecasts.capacity_selectors import requisitions_frame
from forecasts.capacity_services import capacity_agree, capacity_propose
from forecasts.models import CapacityTerms

PROVIDER = "am@talentbridge.example"
CLIENTS = {"acme-talentbridge": "hr@acme.example", "globex-talentbridge": "hr@globex.example"}


def _busiest_load(engagement: Engagement) -> int:
    today = timezone.localdate()
    frame = cap.known(requisitions_frame(engagement=engagement, as_of=today), today)
    book = cap.open_at(frame, today)
    named = book[book["recruiter"] != cap.UNASSIGNED]
    return int(named.groupby("recruiter").size().max()) if len(named) else 0


def seed_recruiter_capacity(log: Callable[[str], None]) -> None:
    provider = User.objects.filter(email=PROVIDER).first()
    for slug, client_email in CLIENTS.items():
        engagement = Engagement.objects.filter(slug=slug).first()
        if engagement is None or provider is None:
            continue
        if CapacityTerms.objects.filter(engagement=engagement).exists():
            continue
        busiest = _busiest_load(engagement)
        # One fewer than the busiest recruiter holds: they are over capacity.
        capacity = max(1, busiest - 1)
        proposal = capacity_propose(
            actor=provider,
            engagement=engagement,
            requisitions_per_recruiter=capacity,
            note="What one recruiter can work at once.",
        )
        if slug == "acme-talentbridge":
            capacity_agree(actor=User.objects.get(email=client_email), terms=proposal)
            log(f"{slug}: capacity {capacity} requisitions per recruiter agreed")
        else:
            log(f"{slug}: capacity {capacity} requisitions per recruiter proposed")
