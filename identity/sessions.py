"""A person's signed-in sessions: recorded at sign-in, listed on their account, ended one by
one (or all at once by deactivation)."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.db import transaction

from accounts.models import User
from identity.models import UserSession

_store = import_module(settings.SESSION_ENGINE).SessionStore


def session_record(*, request, user: User, method: str) -> None:
    key = request.session.session_key
    if not key:
        request.session.save()
        key = request.session.session_key
    agent = " ".join(request.META.get("HTTP_USER_AGENT", "").split())[:300]
    UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "method": method,
            "user_agent": agent,
            "ip_address": request.META.get("REMOTE_ADDR") or None,
        },
    )


def sessions_of(*, user: User) -> list[UserSession]:
    """The user's sessions that still exist (a session ended elsewhere drops out)."""
    alive = []
    for row in UserSession.objects.filter(user=user):
        if _store().exists(row.session_key):
            alive.append(row)
        else:
            row.delete()
    return alive


@transaction.atomic
def session_end(*, user: User, session_id: int) -> bool:
    row = UserSession.objects.filter(user=user, pk=session_id).first()
    if row is None:
        return False
    _store(session_key=row.session_key).delete()
    row.delete()
    return True


def sessions_forget(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()
