from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from engagements.services import engagement_create
from rpo_portal.jobs import JobCommand


def _decimal(value: str, option: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise CommandError(f"{option} {value!r} is not a number.") from None


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--go-live {value!r} is not a date (YYYY-MM-DD).") from None


class Command(JobCommand):
    runs_as_owner = True  # an operator's tool (rpo_portal/jobs.py)
    help = "Create an engagement between a client and a provider (creating either if missing)."

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="client organization name")
        parser.add_argument("--provider", required=True, help="provider organization name")
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", default="", help="defaults to 'Client / Provider'")
        parser.add_argument("--currency", default="USD", help="ISO 4217 code, default USD")
        parser.add_argument("--monthly-fee", default="0")
        parser.add_argument(
            "--at-risk-pct",
            default=None,
            help="SLA credits of a quarter are at most this %% of its fee (default: no cap)",
        )
        parser.add_argument(
            "--go-live",
            default=None,
            help="the go-live date, YYYY-MM-DD (later changes need both parties' agreement)",
        )
        parser.add_argument(
            "--model", default="end_to_end", choices=["end_to_end", "project_based", "hybrid"]
        )

    def handle(self, *args, **options):
        try:
            engagement = engagement_create(
                actor=None,
                client_name=options["client"],
                provider_name=options["provider"],
                slug=options["slug"],
                name=options["name"],
                currency=options["currency"],
                monthly_fee=_decimal(options["monthly_fee"], "--monthly-fee"),
                at_risk_pct=(
                    None
                    if options["at_risk_pct"] is None
                    else _decimal(options["at_risk_pct"], "--at-risk-pct")
                ),
                model=options["model"],
                go_live_date=_date(options["go_live"]),
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"created engagement {engagement.slug} (id {engagement.pk})")
