from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"

    def ready(self) -> None:
        from kpis.views import KPI_PAGE_CARDS
        from recruiting.contract import UPLOAD_KINDS
        from sla import selectors
        from sla.schedule_kind import SLA_SCHEDULE

        # A KPI's page shows the outcomes of the clauses on that KPI.
        KPI_PAGE_CARDS["sla_card"] = selectors.scorecard
        # The schedule file is documented with the data imports' kinds.
        UPLOAD_KINDS[SLA_SCHEDULE.name] = SLA_SCHEDULE
