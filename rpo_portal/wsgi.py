import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rpo_portal.settings")

application = get_wsgi_application()

# The web server serves tenants: it connects as the web login, which cannot become the tables'
# owner, and its database work runs as the application role.
from rpo_portal import db_roles, tenant_db  # noqa: E402

db_roles.use_web_login()
tenant_db.use_application_role()
