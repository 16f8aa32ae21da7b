"""Requests in the tests log in as the web server does: as the web login, then `rpo_app`.

In production the web server connects as the web login (`rpo_portal/db_roles.py`), which cannot
become the tables' owner. The tests share one connection, the owner's, which writes their
fixtures; so each request served by the test client (or a live server) switches the session
itself to the web login with `SET SESSION AUTHORIZATION` (which a superuser's session may
undo, and nothing else can), then to `rpo_app` as the web server's connections start, and
switches back when the request is done. Whatever a request does that only the owner could
(a `COPY` into a table under row-level security) fails here as it would in production.

The statements go through the driver's own cursor: they are the harness's, not the request's,
so `django_assert_num_queries` counts what the application asks and nothing more.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
from django.db import connection

from rpo_portal import db_roles


@contextmanager
def web_login() -> Iterator[None]:
    """The test's connection logged in as the web server's, for the block."""
    connection.ensure_connection()
    raw = connection.connection
    login = connection.ops.quote_name(db_roles.web_login())
    with raw.cursor() as cursor:
        cursor.execute(f"SET SESSION AUTHORIZATION {login}; SET ROLE {db_roles.APP_ROLE}")
    try:
        yield
    finally:
        if not raw.closed:
            try:
                with raw.cursor() as cursor:
                    cursor.execute("RESET SESSION AUTHORIZATION")
            except psycopg2.Error:
                # An aborted transaction: its rollback undoes the switch as well.
                pass


class WebLoginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with web_login():
            return self.get_response(request)
