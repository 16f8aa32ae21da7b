from django.apps import AppConfig


class ForecastsConfig(AppConfig):
    """The hiring forecast (docs/data-contract.md, "Hiring forecast"): reads recruiting, kpis
    and sla; read by reviews and orchestration."""

    name = "forecasts"
