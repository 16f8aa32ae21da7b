"""Demo data: organizations, people for every role and three engagements.

Idempotent: running it again finds what is there and adds only what is missing. Later
capabilities (recruiting data, targets, SLAs, reviews) add their own steps to `DEMO_STEPS`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import OrganizationKind, Role, User
from accounts.services import membership_set, organization_get_or_create, user_create
from engagements.models import Engagement
from engagements.services import engagement_create
from engagements.terms_demo import seed_commercial_terms
from forecasts.capacity_demo import seed_recruiter_capacity
from forecasts.demo import seed_hiring_forecast
from identity.demo import seed_single_sign_on
from kpis.baselines.demo import seed_baselines
from kpis.demo import seed_kpi_targets
from kpis.funnel_demo import seed_process_targets
from orchestration.breach_demo import seed_breach_lifecycle
from orchestration.market.demo import seed_market_benchmarks
from orchestration.transition_demo import seed_transition_and_glidepaths
from recruiting.demo import seed_recruiting_data
from reviews.demo import seed_reviews
from rpo_portal.text_rules import email_canonical
from sla.demo import AT_RISK_PCT, seed_sla_clauses
from sla.forecasting.demo import seed_breach_forecasts

DEMO_PASSWORD = "rpo-demo-2026"  # noqa: S105 - printed by `make demo` on purpose

ORGANIZATIONS = [
    ("TalentBridge RPO", OrganizationKind.PROVIDER),
    ("HireWell", OrganizationKind.PROVIDER),
    ("Acme Corp", OrganizationKind.CLIENT),
    ("Globex", OrganizationKind.CLIENT),
    ("Initech", OrganizationKind.CLIENT),
]

# (e-mail, full name, organization, role)
DEMO_USERS = [
    ("admin@talentbridge.example", "Priya Natarajan", "TalentBridge RPO", Role.PROVIDER_ADMIN),
    ("am@talentbridge.example", "Marco Rossi", "TalentBridge RPO", Role.ACCOUNT_MANAGER),
    ("recruiter@talentbridge.example", "Lena Hoffmann", "TalentBridge RPO", Role.RECRUITER),
    ("admin@acme.example", "Dana Whitfield", "Acme Corp", Role.CLIENT_ADMIN),
    ("hr@acme.example", "Sam Okafor", "Acme Corp", Role.HR_LEAD),
    ("viewer@acme.example", "Chris Lee", "Acme Corp", Role.CLIENT_VIEWER),
    ("hr@globex.example", "Hank Scorpio", "Globex", Role.HR_LEAD),
    ("am@hirewell.example", "Ines Duarte", "HireWell", Role.ACCOUNT_MANAGER),
    ("hr@initech.example", "Bill Lumbergh", "Initech", Role.HR_LEAD),
]
STAFF_EMAIL = "staff@rpo.example"

ENGAGEMENTS = [
    {
        "slug": "acme-talentbridge",
        "client_name": "Acme Corp",
        "provider_name": "TalentBridge RPO",
        "name": "Acme Corp end-to-end RPO",
        "currency": "USD",
        "monthly_fee": Decimal("85000"),
        "at_risk_pct": AT_RISK_PCT,
        "model": "end_to_end",
        "start_date": date(2024, 1, 1),
        "end_date": date(2027, 12, 31),
        "regions": ["North America", "EMEA"],
        "departments": ["Engineering", "Sales", "Finance", "Operations"],
        "job_families": ["Software", "Support", "Management"],
        "program_manager": "am@talentbridge.example",
        "account_lead": "hr@acme.example",
    },
    {
        "slug": "globex-talentbridge",
        "client_name": "Globex",
        "provider_name": "TalentBridge RPO",
        "name": "Globex project hiring",
        "currency": "EUR",
        "monthly_fee": Decimal("42000"),
        "at_risk_pct": AT_RISK_PCT,
        "model": "project_based",
        "start_date": date(2024, 6, 1),
        "end_date": date(2026, 12, 31),
        "regions": ["EMEA"],
        "departments": ["Engineering", "Operations"],
        "job_families": ["Software", "Support"],
        "program_manager": "am@talentbridge.example",
        "account_lead": "hr@globex.example",
    },
    {
        "slug": "initech-hirewell",
        "client_name": "Initech",
        "provider_name": "HireWell",
        "name": "Initech hybrid RPO",
        "currency": "USD",
        "monthly_fee": Decimal("30000"),
        "at_risk_pct": AT_RISK_PCT,
        "model": "hybrid",
        "start_date": date(2024, 3, 1),
        "end_date": None,
        "regions": ["North America"],
        "departments": ["Engineering", "Sales"],
        "job_families": ["Software"],
        "program_manager": "am@hirewell.example",
        "account_lead": "hr@initech.example",
    },
]


def _user(email: str, full_name: str, is_staff: bool = False) -> User:
    user = User.objects.filter(email=email_canonical(email)).first()
    if user is None:
        user = user_create(
            email=email, password=DEMO_PASSWORD, full_name=full_name, is_staff=is_staff
        )
        if is_staff:
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
    return user


def seed_organizations_and_people(log: Callable[[str], None]) -> None:
    organizations = {
        name: organization_get_or_create(name=name, kind=kind)[0] for name, kind in ORGANIZATIONS
    }
    for email, full_name, org_name, role in DEMO_USERS:
        membership_set(
            user=_user(email, full_name), organization=organizations[org_name], role=role
        )
    _user(STAFF_EMAIL, "Platform Staff", is_staff=True)
    log(f"{len(DEMO_USERS) + 1} demo users in {len(organizations)} organizations")


def seed_engagements(log: Callable[[str], None]) -> None:
    for spec in ENGAGEMENTS:
        spec = dict(spec)
        program_manager = User.objects.get(email=spec.pop("program_manager"))
        account_lead = User.objects.get(email=spec.pop("account_lead"))
        engagement = Engagement.objects.filter(slug=spec["slug"]).first()
        if engagement is None:
            engagement = engagement_create(actor=None, **spec)
        if engagement.program_manager_id is None or engagement.account_lead_id is None:
            engagement.program_manager = program_manager
            engagement.account_lead = account_lead
            engagement.full_clean()
            engagement.save()
    log(f"{len(ENGAGEMENTS)} demo engagements")


# (days from today, title, owner e-mail, priority): two overdue, two coming up, per engagement.
DEMO_ACTION_ITEMS = {
    "acme-talentbridge": [
        (-12, "Send the Q3 sourcing-channel report", "am@talentbridge.example", "high"),
        (-3, "Approve the revised interview panel for Sales", "hr@acme.example", "normal"),
        (4, "Agree the Q1 hiring plan", "hr@acme.example", "high"),
        (
            9,
            "Cut time to fill in Engineering: add a second sourcer",
            "am@talentbridge.example",
            "normal",
        ),
    ],
    "globex-talentbridge": [
        (
            -6,
            "Close the cost-per-hire gap: renegotiate job-board spend",
            "am@talentbridge.example",
            "critical",
        ),
        (7, "Review offer-decline reasons", "hr@globex.example", "normal"),
    ],
    "initech-hirewell": [
        (-2, "Refresh the hiring plan for Engineering", "hr@initech.example", "high"),
        (10, "Candidate survey follow-up", "am@hirewell.example", "low"),
    ],
}


def seed_action_items(log: Callable[[str], None]) -> None:
    """Open action items, some overdue, once per engagement (logged by the provider)."""
    from reviews.models import ActionItem
    from reviews.services import action_item_create

    today = timezone.localdate()
    for slug, items in DEMO_ACTION_ITEMS.items():
        engagement = Engagement.objects.filter(slug=slug).first()
        if engagement is None or ActionItem.objects.filter(engagement=engagement).exists():
            continue
        actor = engagement.program_manager or User.objects.get(email=items[0][2])
        for days, title, owner, priority in items:
            action_item_create(
                actor=actor,
                engagement=engagement,
                title=title,
                owner=User.objects.get(email=owner),
                due_date=today + timedelta(days=days),
                priority=priority,
            )
        log(f"{slug}: {len(items)} action items")


DEMO_API_KEY = ("TalentBridge RPO", "Workday sync", "admin@talentbridge.example")


def seed_audit_trail(log: Callable[[str], None]) -> None:
    """An API key, made by the provider's admin, that pushes a requisition: the audit page
    then shows changes by people, by an API key and by jobs (the reviews schedule command)."""
    import pghistory

    from accounts.authentication import ApiKeyPrincipal
    from accounts.models import ApiKey, Organization
    from accounts.services import api_key_create
    from recruiting.services import records_import

    org_name, key_name, admin_email = DEMO_API_KEY
    engagement = Engagement.objects.filter(slug="acme-talentbridge").first()
    provider = Organization.objects.get(name=org_name)
    if engagement is None or ApiKey.objects.filter(organization=provider, name=key_name).exists():
        return
    admin = User.objects.get(email=admin_email)
    with pghistory.context(user=admin.pk):
        api_key, _ = api_key_create(actor=admin, organization=provider, name=key_name)
    key = ApiKeyPrincipal(api_key)
    # What ApiKeyAuthentication records for a request signed with the key.
    with pghistory.context(api_key=key.label):
        records_import(
            actor=key,
            engagement=engagement,
            kind="requisitions",
            rows=[
                {
                    "external_id": "WD-DEMO-1",
                    "title": "Payroll specialist",
                    "department": "Finance",
                    "opened_on": (timezone.localdate() - timedelta(days=10)).isoformat(),
                }
            ],
        )
    log(f"{engagement.slug}: API key {key_name!r} pushed a requisition")


DEMO_STEPS: list[Callable[[Callable[[str], None]], None]] = [
    seed_organizations_and_people,
    seed_engagements,
    seed_recruiting_data,
    seed_process_targets,  # before the KPI step, whose recompute gives them statuses
    seed_kpi_targets,
    seed_action_items,
    seed_reviews,
    seed_sla_clauses,
    seed_breach_lifecycle,  # after the SLA steps: it works on their breaches
    seed_breach_forecasts,
    seed_recruiter_capacity,
    seed_commercial_terms,
    seed_hiring_forecast,
    seed_baselines,
    seed_audit_trail,
    seed_transition_and_glidepaths,
    seed_market_benchmarks,
    seed_single_sign_on,
]


def seed_demo(log: Callable[[str], None] = print) -> None:
    for step in DEMO_STEPS:
        with transaction.atomic():
            step(log)


def demo_logins() -> list[tuple[str, str]]:
    """(e-mail, what they are) for the README and `make demo`."""
    logins = [(email, f"{role.label}, {org}") for email, _, org, role in DEMO_USERS]
    return [*logins, (STAFF_EMAIL, "platform staff (Django admin)")]
