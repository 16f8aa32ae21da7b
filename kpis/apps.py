from importlib import import_module

from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"

    def import_models(self) -> None:
        super().import_models()
        # The baselines are a package of their own (kpis/baselines/) on the KPI models.
        import_module(f"{self.name}.baselines.models")
