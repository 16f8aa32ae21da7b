from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Enterprise sign-in"

    def ready(self) -> None:
        from identity import receivers  # noqa: F401  (sign-in audit and just-in-time membership)
