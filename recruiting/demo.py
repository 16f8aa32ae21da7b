"""Demo recruiting data: 24 months of generated records for each demo engagement."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from engagements.models import Engagement
from recruiting.generator import DataSpec, generated_data_import, scope_for
from recruiting.models import Requisition

# Requisitions per demo engagement (about ten applications each), sized for a quick `make demo`.
DEMO_REQUISITIONS = {"acme-talentbridge": 320, "globex-talentbridge": 200, "initech-hirewell": 140}
# Globex keeps no market benchmarks of its own: it sees only those its provider shares
# (orchestration.market.demo); Acme sees both, Initech (whose provider shares none) its own.
SHARED_MARKET_ONLY = {"globex-talentbridge"}


def seed_recruiting_data(log: Callable[[str], None]) -> None:
    """Generate and import the data once: an engagement that holds records is left alone."""
    for seed, (slug, requisitions) in enumerate(DEMO_REQUISITIONS.items(), start=1):
        engagement = Engagement.objects.filter(slug=slug).first()
        if engagement is None:
            continue
        if Requisition.objects.filter(engagement=engagement).exists():
            log(f"{slug}: recruiting data already there")
            continue
        spec = DataSpec(
            requisitions=requisitions,
            seed=seed,
            months=24,
            end=timezone.localdate(),
            scope=scope_for(engagement),
            market_benchmarks=slug not in SHARED_MARKET_ONLY,
        )
        results = generated_data_import(actor=None, engagement=engagement, spec=spec)
        counts = ", ".join(f"{result.created} {kind}" for kind, result in results.items())
        log(f"{slug}: imported {counts}")
