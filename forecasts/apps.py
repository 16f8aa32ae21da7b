from django.apps import AppConfig

# The KPI pages that show the hiring forecast's card.
FORECAST_KPIS = ("hires", "plan_attainment")


def forecast_card(*, engagement, grain, kpi):
    """The KPI page's card: shown on the pages of hires and plan attainment."""
    return kpi in FORECAST_KPIS


class ForecastsConfig(AppConfig):
    """The hiring forecast (docs/data-contract.md, "Hiring forecast"): reads recruiting and
    kpis; read by reviews and orchestration."""

    name = "forecasts"

    def ready(self) -> None:
        from kpis.views import KPI_PAGE_CARDS

        KPI_PAGE_CARDS["forecast_card"] = forecast_card
