from reviews.services import reminders_send
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    help = (
        "E-mail each owner of open action items due within a week or overdue one reminder "
        "listing them. At most one e-mail per owner per day, however often it runs."
    )

    def handle(self, *args, **options):
        sent = reminders_send()
        self.stdout.write(f"{sent} reminder e-mails sent")
