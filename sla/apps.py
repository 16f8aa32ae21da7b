from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"

    def ready(self) -> None:
        from kpis.views import KPI_PAGE_CARDS
        from sla import selectors

        # A KPI's page shows the outcomes of the clauses on that KPI.
        KPI_PAGE_CARDS["sla_card"] = selectors.scorecard
        # The SLA sections of review agendas register themselves on import.
        from sla import agenda  # noqa: F401
