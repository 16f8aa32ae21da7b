from django.apps import AppConfig


class OrchestrationConfig(AppConfig):
    """The top layer: the pages and jobs that combine every app (docs/architecture.md)."""

    name = "orchestration"

    def ready(self) -> None:
        from orchestration import pipeline
        from orchestration.market.qbr import market_section
        from reviews.qbr.sections import section

        pipeline.connect()
        # The QBR pack's market section (orchestration.market).
        section("market")(market_section)
