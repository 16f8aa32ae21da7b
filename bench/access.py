"""The tenancy gate with a provider of 500 engagements: list and fetch one, per call."""

import time

from bench._setup import bench_database, django_setup, record

ENGAGEMENTS = 500
CALLS = 2000


def main() -> None:
    django_setup()
    with bench_database("access"):
        from accounts.models import Role
        from engagements.access import engagements_for, get_engagement_for
        from tests.factories import EngagementFactory, ProviderFactory, member

        provider = ProviderFactory()
        engagements = EngagementFactory.create_batch(ENGAGEMENTS, provider=provider)
        user = member(provider, Role.ACCOUNT_MANAGER)
        start = time.perf_counter()
        for i in range(CALLS):
            user._org_roles = None  # a fresh request each time
            get_engagement_for(user, engagements[i % ENGAGEMENTS].pk)
        fetch = (time.perf_counter() - start) / CALLS
        start = time.perf_counter()
        for _ in range(CALLS // 10):
            user._org_roles = None
            list(engagements_for(user))
        listing = (time.perf_counter() - start) / (CALLS // 10)
        record(
            "access",
            {
                "engagements": ENGAGEMENTS,
                "fetch_ms": round(fetch * 1000, 3),
                "list_ms": round(listing * 1000, 3),
            },
        )


if __name__ == "__main__":
    main()
