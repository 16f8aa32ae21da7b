"""Test settings: the real PostgreSQL and Redis, with fast password hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-that-is-long-enough-for-tests")
os.environ.setdefault("DJANGO_SECURE", "false")
os.environ.setdefault("CACHE_KEY_PREFIX", "rpo-test")

from rpo_portal.settings import *  # noqa: E402, F403
from rpo_portal.settings import CACHES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
# A separate Redis keyspace so tests never see (or flush) a running demo's keys.
CACHES["default"]["KEY_PREFIX"] = "rpo-test"
CELERY_TASK_ALWAYS_EAGER = False
# Lets two checkouts (or two people) run the suite against one server side by side.
if _suffix := os.environ.get("RPO_TEST_DB_SUFFIX"):
    DATABASES["default"]["TEST"] = {"NAME": f"test_rpo_portal_{_suffix}"}  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = f"rpo-test-{_suffix}"
# Each xdist process has its own database, whose ids repeat the other's: keyed by id, its
# cache entries (API throttle counters, progress) must not meet the other's.
CACHES["default"]["KEY_PREFIX"] += "-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
# Tests that run a real worker consume only their own queue, never a neighbour's tasks
# (another xdist process, another checkout, or a running demo).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
CELERY_TASK_DEFAULT_QUEUE = f"rpo-test-{_suffix or 'default'}-{_worker}"

# Requests, tasks and commands switch to the application role themselves (that is what the tests
# exercise); the test process's own connection stays the owner's, which writes the fixtures.
RPO_PROCESS_APPLICATION_ROLE = False
# The split of logins, for real: every request runs as the web login, which cannot become the
# owner (as in production, where the web server connects as it), tasks and commands as the
# worker does (the owner's login, switched to the application role). Needs a superuser's
# session (the CI's, the embedded engine's), the only kind that may switch its login.
MIDDLEWARE = ["tests.web_login.WebLoginMiddleware", *MIDDLEWARE]  # noqa: F405

# The identity provider that the single sign-on tests sign in against (tests/identity/idp.py):
# django-oauth-toolkit's OpenID Connect provider, served by the test's loopback live server.
# Its key is made per test run.
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "oauth2_provider"]  # noqa: F405
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": rsa.generate_private_key(public_exponent=65537, key_size=2048)
    .private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    .decode(),
    "SCOPES": {"openid": "OpenID Connect", "email": "E-mail", "profile": "Profile"},
    "OAUTH2_VALIDATOR_CLASS": "tests.identity.idp.DirectoryValidator",
    "PKCE_REQUIRED": True,
}
