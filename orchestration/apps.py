from django.apps import AppConfig


class OrchestrationConfig(AppConfig):
    """The top layer: the pages and jobs that combine every app (docs/architecture.md)."""

    name = "orchestration"

    def ready(self) -> None:
        from orchestration import pipeline

        pipeline.connect()
