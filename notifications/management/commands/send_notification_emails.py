from notifications.services import notification_emails_send
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    help = "Send the pending notification e-mails of people who want them immediately."

    def handle(self, *args, **options):
        sent = notification_emails_send()
        self.stdout.write(f"Notification e-mails sent: {sent}.")
