"""API fixtures: keys of an organization, a DRF test client, and a few records."""

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.services import api_key_create
from recruiting.models import (
    Application,
    Cost,
    HiringPlanLine,
    MarketBenchmark,
    QualityReview,
    Requisition,
    Survey,
)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def make_key(db):
    """make_key(organization, role=None) -> the full text of a new key of that organization."""

    def _make(organization, role=None, name="ATS sync"):
        _, text = api_key_create(actor=None, organization=organization, name=name, role=role)
        return text

    return _make


@pytest.fixture
def key_client(make_key):
    """key_client(organization, role=None) -> an API client that sends a new key."""

    def _client(organization, role=None):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {make_key(organization, role)}")
        return client

    return _client


def records_create(engagement, n: int = 1, tag: str = "") -> None:
    """n records of every kind in the engagement, linked as the contract requires."""
    for i in range(n):
        suffix = f"{tag}{i:03d}"
        requisition = Requisition.objects.create(
            engagement=engagement,
            external_id=f"R-{suffix}",
            title=f"Engineer {suffix}",
            department="Engineering",
            location="Berlin",
            job_family="Software",
            opened_on=date(2025, 1, 2),
            filled_on=date(2025, 2, 1),
        )
        application = Application.objects.create(
            engagement=engagement,
            external_id=f"A-{suffix}",
            requisition=requisition,
            candidate_id=f"C-{suffix}",
            source="referral",
            applied_on=date(2025, 1, 5),
            offered_on=date(2025, 1, 20),
            offer_outcome="accepted",
            offer_decided_on=date(2025, 1, 22),
            started_on=date(2025, 2, 1),
            diverse=True,
        )
        Survey.objects.create(
            engagement=engagement,
            external_id=f"S-{suffix}",
            respondent="candidate",
            requisition=requisition,
            application=application,
            responded_on=date(2025, 2, 3),
            score=9,
        )
        QualityReview.objects.create(
            engagement=engagement,
            external_id=f"Q-{suffix}",
            application=application,
            reviewed_on=date(2025, 5, 1),
            meets_expectations=True,
            rating=4,
            retained_90d=True,
        )
        Cost.objects.create(
            engagement=engagement,
            external_id=f"K-{suffix}",
            month=date(2025, 1, 1),
            category="advertising",
            amount=Decimal("100.50"),
        )
        HiringPlanLine.objects.create(
            engagement=engagement,
            month=date(2025, 1, 1),
            department=f"Dept {suffix}",
            planned_hires=3,
        )
        MarketBenchmark.objects.create(
            engagement=engagement,
            period="2025-Q1",
            job_family=f"Family {suffix}",
            metric="time_to_fill_days",
            value=Decimal("40"),
            source="Survey",
        )
