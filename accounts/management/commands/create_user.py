from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from accounts.models import Role
from accounts.services import (
    membership_set,
    organization_get_or_create,
    organization_kind_for_role,
    user_create,
)
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    runs_as_owner = True  # an operator's tool (rpo_portal/jobs.py)
    help = "Create a user with a role in an organization (the organization is created if missing)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--org", required=True, help="organization name")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="", help="full name")
        parser.add_argument("--staff", action="store_true", help="platform staff (Django admin)")

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                organization, _ = organization_get_or_create(
                    name=options["org"], kind=organization_kind_for_role(options["role"])
                )
                user = user_create(
                    email=options["email"],
                    password=options["password"],
                    full_name=options["name"],
                    is_staff=options["staff"],
                )
                membership_set(user=user, organization=organization, role=options["role"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"created {user.email}: {options['role']} at {organization.name}")
