"""The demo step takes evaluation's breaches through every status, once."""

import pytest

from notifications.models import Notification
from orchestration.breach_demo import seed_breach_lifecycle
from sla.models import Breach, ReliefClaim
from tests.sla.breach_helpers import agreed_clause, make_breach, requisition

pytestmark = pytest.mark.django_db


def test_every_status_and_relief_answer_once(engagement, account_manager, hr_lead):
    clause = agreed_clause(engagement, account_manager)
    for month in range(1, 10):
        make_breach(engagement, clause, period=f"2025-{month:02d}")
    requisition(engagement, "REQ-1")

    seed_breach_lifecycle(lambda _: None)
    statuses = dict(Breach.objects.order_by("period").values_list("period", "status"))
    seed_breach_lifecycle(lambda _: None)

    assert dict(Breach.objects.order_by("period").values_list("period", "status")) == statuses
    assert statuses == {
        "2025-01": "resolved",
        "2025-02": "waived",
        "2025-03": "excused",
        "2025-04": "open",  # relief rejected
        "2025-05": "remediation_planned",
        "2025-06": "acknowledged",
        "2025-07": "open",  # relief pending
        "2025-08": "open",
        "2025-09": "open",
    }
    assert sorted(ReliefClaim.objects.values_list("status", flat=True)) == [
        "accepted",
        "pending",
        "rejected",
    ]
    told = Notification.objects.filter(recipient=hr_lead)
    # The HR lead is told of the three relief claims (not of their own answers): the newest
    # two stay unread, the oldest is read.
    assert told.count() == 3
    assert told.filter(read_at__isnull=True).count() == 2
    assert told.filter(read_at__isnull=False).exists()
