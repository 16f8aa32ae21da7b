from datetime import date
from decimal import Decimal

import pytest

from kpis.services import engagement_metrics_recompute
from sla.schedule import schedule_read
from sla.services import schedule_agree, schedule_propose, slas_evaluate
from tests.kpis.sample import SAMPLE_DIR, import_sample

AS_OF = date(2025, 9, 30)
SCHEDULE = SAMPLE_DIR / "sla_schedule.csv"


def propose_file(engagement, actor, path=SCHEDULE):
    check = schedule_read(data=path.read_bytes(), file_name=path.name, engagement=engagement)
    assert check.ok, check.errors
    return schedule_propose(
        actor=actor, engagement=engagement, clauses=check.clauses, source_name=path.name
    )


# A clause as the clause form posts it.
CLAUSE_FORM = {
    "key": "S-HIRES",
    "kpi": "hires",
    "grain": "month",
    "dimension": "all",
    "segment": "all",
    "kind": "credit",
    "threshold": "3",
    "min_n": "1",
    "grace_days": "0",
    "effective_from": "2025-01-01",
    "pct": "2",
}


@pytest.fixture
def sla_engagement(engagement, account_manager, hr_lead):
    """The sample data and schedule: monthly fee 10,000, at-risk 9 %, agreed by both parties,
    computed and evaluated as of 2025-09-30."""
    engagement.monthly_fee = Decimal("10000")
    engagement.at_risk_pct = Decimal("9")
    engagement.save()
    import_sample(engagement)
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    schedule = propose_file(engagement, account_manager)
    schedule_agree(actor=hr_lead, schedule=schedule)
    slas_evaluate(engagement_ids=[engagement.pk], as_of=AS_OF)
    return engagement


# API keys of an organization, as the API tests make them.
from tests.api.conftest import key_client, make_key  # noqa: E402, F401
