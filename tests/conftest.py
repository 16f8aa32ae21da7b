"""Fixtures shared by every test: one engagement and a person for each role, plus an outsider.

The outsider is a member of *another* client and *another* provider, so any leak through
either party's side shows up.
"""

import pytest

from accounts.models import Role
from tests.factories import EngagementFactory, OrganizationFactory, ProviderFactory, member


@pytest.fixture
def engagement(db):
    return EngagementFactory()


@pytest.fixture
def other_engagement(db):
    return EngagementFactory()


@pytest.fixture
def client_admin(engagement):
    return member(engagement.client, Role.CLIENT_ADMIN)


@pytest.fixture
def hr_lead(engagement):
    return member(engagement.client, Role.HR_LEAD)


@pytest.fixture
def client_viewer(engagement):
    return member(engagement.client, Role.CLIENT_VIEWER)


@pytest.fixture
def provider_admin(engagement):
    return member(engagement.provider, Role.PROVIDER_ADMIN)


@pytest.fixture
def account_manager(engagement):
    return member(engagement.provider, Role.ACCOUNT_MANAGER)


@pytest.fixture
def recruiter(engagement):
    return member(engagement.provider, Role.RECRUITER)


@pytest.fixture
def outsider(other_engagement):
    """HR lead of another client and account manager of another provider."""
    user = member(other_engagement.client, Role.HR_LEAD)
    member(other_engagement.provider, Role.ACCOUNT_MANAGER, user=user)
    return user


@pytest.fixture
def login(client):
    """login(user) -> the test client signed in as `user`."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def another_client_org(db):
    return OrganizationFactory()


@pytest.fixture
def another_provider_org(db):
    return ProviderFactory()


@pytest.fixture
def count_queries(db):
    """count_queries(fn) -> how many SQL queries fn() ran."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def _count(fn) -> int:
        with CaptureQueriesContext(connection) as captured:
            fn()
        return len(captured.captured_queries)

    return _count
