import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rpo_portal.settings")

application = get_wsgi_application()

# The web server serves tenants: its database work runs as the application role.
from rpo_portal import tenant_db  # noqa: E402

tenant_db.use_application_role()
