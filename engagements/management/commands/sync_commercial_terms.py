from engagements.terms_services import engagements_terms_sync
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    help = (
        "Set each engagement's monthly fee and at-risk % to the agreed commercial terms in "
        "force today (terms agreed earlier for a month that has now begun). Safe to rerun."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{engagements_terms_sync()} engagements took up new terms.")
