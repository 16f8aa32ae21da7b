from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from engagements.signals import commercial_terms_changed
        from notifications.terms import on_commercial_terms_changed

        commercial_terms_changed.connect(
            on_commercial_terms_changed, dispatch_uid="notifications.commercial_terms"
        )
