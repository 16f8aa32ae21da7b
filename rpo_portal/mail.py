"""The one way the portal builds an e-mail: from `DEFAULT_FROM_EMAIL`, marked as automatic
(`Auto-Submitted: auto-generated`, RFC 3834, so auto-responders and out-of-office replies
stay quiet), its Message-ID in the portal's domain, a plain-text body with an HTML
alternative where there is one (its links start with `rpo_portal.site.site_url`)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid

from rpo_portal.text_rules import one_line


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
