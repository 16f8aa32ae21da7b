"""The one way the portal builds an e-mail: from `DEFAULT_FROM_EMAIL`, marked as automatic
(`Auto-Submitted: auto-generated`, RFC 3834, so auto-responders and out-of-office replies
stay quiet), its Message-ID in the portal's domain, a plain-text body with an HTML
alternative where there is one; and the portal's address every link is made from."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid

from rpo_portal.text_rules import one_line


def site_url() -> str:
    """The portal's address as people reach it, without a trailing slash."""
    return settings.PORTAL_BASE_URL.rstrip("/")


def site_domain() -> str:
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"


def portal_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str = "",
    headers: dict[str, str] | None = None,
    connection=None,
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        # Names in a subject were typed by people; data stored before the one-line rule (or
        # past it) must not break the header, nor stop the e-mails of everyone after it.
        subject=one_line(subject)[:250],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        connection=connection,
        headers={
            "Auto-Submitted": "auto-generated",
            "Message-ID": make_msgid(domain=settings.EMAIL_MESSAGE_ID_DOMAIN),
            **(headers or {}),
        },
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message
