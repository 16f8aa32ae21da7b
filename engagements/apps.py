from importlib import import_module

from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "engagements"

    def import_models(self) -> None:
        super().import_models()
        # The commercial terms build on the two-party agreement, which reads the engagement:
        # their module is imported with the app's models rather than by models.py (no cycle).
        import_module(f"{self.name}.commercial")
        import_module(f"{self.name}.go_live")
