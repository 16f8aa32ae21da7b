"""The portal's address as people reach it (`PORTAL_BASE_URL`): what e-mails link to and
what names the calendars' events, outside any request."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def site_url() -> str:
    """The portal's address, without a trailing slash."""
    return settings.PORTAL_BASE_URL.rstrip("/")


def site_domain() -> str:
    """The portal's host name: the domain of its calendar events' UIDs."""
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"
