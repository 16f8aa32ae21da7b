from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"

    def ready(self) -> None:
        # The SLA sections of review agendas register themselves on import.
        from sla import agenda  # noqa: F401
