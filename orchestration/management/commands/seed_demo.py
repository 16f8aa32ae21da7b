from orchestration.demo import DEMO_PASSWORD, demo_logins, seed_demo
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    runs_as_owner = True  # an operator's tool (rpo_portal/jobs.py)
    help = "Load the demo organizations, people and engagements (safe to run again)."
    # The demo acts as its people (each service names its actor) and runs real jobs inside.
    audit_as_job = False

    def handle(self, *args, **options):
        seed_demo(log=lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for email, what in demo_logins():
            self.stdout.write(f"  {email:34} {what}")
