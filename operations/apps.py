from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations"

    def ready(self):
        from rpo_portal import tenant_db

        # Once per `migrate` (this app's signal): tables added since get their RLS policy.
        post_migrate.connect(tenant_db.on_post_migrate, sender=self)
        # Connections of a tenant-serving process start as the application role.
        connection_created.connect(tenant_db.on_connection_created, dispatch_uid="rpo_app_role")
