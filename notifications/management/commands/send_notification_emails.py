from django.core.management.base import BaseCommand

from notifications.services import notification_emails_send


class Command(BaseCommand):
    help = "Send the pending notification e-mails of people who want them immediately."

    def handle(self, *args, **options):
        sent = notification_emails_send()
        self.stdout.write(f"Notification e-mails sent: {sent}.")
