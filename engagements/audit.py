"""The audit trail of one engagement: every recorded change to its governance records.

pghistory's triggers write one event table per tracked model (settings: inserts, updates and
deletes; append-only). This module reads them together, always scoped to one engagement in the
SQL itself: by the engagement column the event rows copy, by the engagement's own id, or (for
organizations, their memberships and API keys) by the engagement's two parties. Who acted comes
from the event's context: a user (request), an API key, or a job (Celery task or command).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db import connection
from django.utils import timezone

from accounts.models import Organization, User
from engagements.models import Engagement
from rpo_portal import formats

PAGE_SIZE = 50
HIDDEN_FIELDS = frozenset({"id", "created_at", "updated_at"})
ACTIONS = {"insert": "Created", "update": "Changed", "delete": "Deleted"}
LABEL_FIELDS = ("title", "name", "kpi", "action", "number", "role", "status")
SYSTEM = "system"


def _scope(event_model) -> str | None:
    """The SQL condition (on alias `e`) that keeps an event table's rows of one engagement."""
    tracked = event_model.pgh_tracked_model
    names = {f.name for f in event_model._meta.fields}
    if tracked is Engagement:
        return "e.pgh_obj_id = %(engagement)s"
    if tracked is Organization:
        return "e.pgh_obj_id IN (%(client)s, %(provider)s)"
    if "engagement" in names:
        return "e.engagement_id = %(engagement)s"
    if "organization" in names:
        return "e.organization_id IN (%(client)s, %(provider)s)"
    return None


def audited_event_models() -> list:
    """The event models of the project's tracked models that belong to an engagement."""
    from pghistory.models import Event

    return sorted(
        (
            model
            for model in apps.get_models()
            if issubclass(model, Event) and _scope(model) is not None
        ),
        key=lambda model: model.pgh_tracked_model._meta.label,
    )


def model_choices() -> list[tuple[str, str]]:
    """(tracked model label, its name) of every audited model, for the "what" filter."""
    return sorted(
        (
            (m.pgh_tracked_model._meta.label, m.pgh_tracked_model._meta.verbose_name.capitalize())
            for m in audited_event_models()
        ),
        key=lambda choice: choice[1],
    )


@dataclass(frozen=True)
class AuditFilters:
    who: str = ""  # "user:<id>", "api_key:<label>", "job:<name>", "system" or "" (anyone)
    model: str = ""  # a tracked model's label, or "" (everything)
    since: date | None = None
    until: date | None = None


@dataclass
class AuditEvent:
    when: datetime
    who: str
    who_kind: str  # "user", "api_key", "job" or "system"
    model: str
    obj_id: str
    obj_label: str
    action: str
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)
    url: str = ""
    job: str = ""
    task_id: str = ""


# The SQL below is assembled from model labels and table names (code, not input); every value
# from the request is a bound parameter.


def _union(models: list) -> str:
    return "\nUNION ALL\n".join(
        f"SELECT '{m.pgh_tracked_model._meta.label}' AS model, e.pgh_id, e.pgh_created_at, "  # noqa: S608
        f"e.pgh_label, e.pgh_obj_id::text AS obj_id, e.pgh_context_id "
        f'FROM "{m._meta.db_table}" e WHERE {_scope(m)}'
        for m in models
    )


def _where(filters: AuditFilters, params: dict) -> str:
    clauses = []
    if filters.who == SYSTEM:
        clauses.append(
            "COALESCE(c.metadata->>'user', c.metadata->>'api_key', c.metadata->>'job') IS NULL"
        )
    elif filters.who:
        kind, _, value = filters.who.partition(":")
        if kind in ("user", "api_key", "job"):
            params["who"] = value
            clauses.append(f"c.metadata->>'{kind}' = %(who)s")
    if filters.since:
        params["since"] = timezone.make_aware(datetime.combine(filters.since, time.min))
        clauses.append("a.pgh_created_at >= %(since)s")
    if filters.until:
        until = datetime.combine(filters.until + timedelta(days=1), time.min)
        params["until"] = timezone.make_aware(until)
        clauses.append("a.pgh_created_at < %(until)s")
    return ("WHERE " + " AND ".join(f"({c})" for c in clauses)) if clauses else ""


def _models_for(filters: AuditFilters) -> list:
    models = audited_event_models()
    if filters.model:
        models = [m for m in models if m.pgh_tracked_model._meta.label == filters.model]
    return models


def _params(engagement: Engagement) -> dict:
    return {
        "engagement": engagement.pk,
        "client": engagement.client_id,
        "provider": engagement.provider_id,
    }


def _events_sql(models: list, filters: AuditFilters, params: dict, select: str) -> str:
    return (
        f"WITH a AS ({_union(models)}) SELECT {select} FROM a "  # noqa: S608
        f"LEFT JOIN pghistory_context c ON c.id = a.pgh_context_id {_where(filters, params)}"
    )


def audit_count(*, engagement: Engagement, filters: AuditFilters) -> int:
    models = _models_for(filters)
    if not models:
        return 0
    params = _params(engagement)
    with connection.cursor() as cursor:
        cursor.execute(_events_sql(models, filters, params, "count(*)"), params)
        return cursor.fetchone()[0]


def audit_events(
    *, engagement: Engagement, filters: AuditFilters, offset: int = 0, limit: int = PAGE_SIZE
) -> list[AuditEvent]:
    """One page of the engagement's events, newest first, with what each changed."""
    models = _models_for(filters)
    if not models:
        return []
    params = {**_params(engagement), "offset": offset, "limit": limit}
    select = "a.model, a.pgh_id, a.pgh_created_at, a.pgh_label, a.obj_id, c.metadata"
    sql = _events_sql(models, filters, params, select)
    sql += (
        " ORDER BY a.pgh_created_at DESC, a.model, a.pgh_id DESC LIMIT %(limit)s OFFSET %(offset)s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [(*row[:5], _json(row[5]) or {}) for row in cursor.fetchall()]
    data = _event_data(engagement, rows)
    users = _users_of(rows, data)
    return [_event(row, data.get((row[0], row[1]), ({}, None)), users) for row in rows]


def _event_data(engagement: Engagement, rows: list) -> dict:
    """{(model, pgh_id): (the row as recorded, the object's previous event)} in one query."""
    by_model: dict[str, list[int]] = {}
    for model, pgh_id, *_ in rows:
        by_model.setdefault(model, []).append(pgh_id)
    if not by_model:
        return {}
    event_models = {m.pgh_tracked_model._meta.label: m for m in audited_event_models()}
    params: dict[str, Any] = _params(engagement)
    parts = []
    for index, (label, ids) in enumerate(sorted(by_model.items())):
        model = event_models[label]
        table = model._meta.db_table
        params[f"ids{index}"] = ids
        parts.append(
            f"SELECT '{label}', e.pgh_id, row_to_json(e)::jsonb, "  # noqa: S608
            f'(SELECT row_to_json(p)::jsonb FROM "{table}" p WHERE p.pgh_obj_id = e.pgh_obj_id '
            f"AND p.pgh_id < e.pgh_id ORDER BY p.pgh_id DESC LIMIT 1) "
            f'FROM "{table}" e WHERE e.pgh_id = ANY(%(ids{index})s) AND {_scope(model)}'
        )
    with connection.cursor() as cursor:
        cursor.execute("\nUNION ALL\n".join(parts), params)
        return {
            (label, pgh_id): (_json(now), _json(before)) for label, pgh_id, now, before in cursor
        }


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _users_of(rows: list, data: dict) -> dict[int, User]:
    ids = set()
    for row in rows:
        user = row[5].get("user")
        if isinstance(user, int):
            ids.add(user)
    for (label, _), (now, _) in data.items():
        if label == "accounts.Membership" and now.get("user_id"):
            ids.add(now["user_id"])
    return User.objects.in_bulk(ids) if ids else {}


def _who(context: dict, users: dict[int, User]) -> tuple[str, str]:
    if context.get("api_key"):
        return str(context["api_key"]), "api_key"
    if context.get("user") is not None:
        user = users.get(context["user"])
        return (str(user) if user else f"User #{context['user']}"), "user"
    if context.get("job"):
        return f"Job: {context['job']}", "job"
    return "System", SYSTEM


def _object_label(model: str, obj_id: str, now: dict, users: dict[int, User]) -> str:
    if model == "accounts.Membership" and now.get("user_id") in users:
        return f"{users[now['user_id']]} ({formats.label(now.get('role', ''))})"
    for name in LABEL_FIELDS:
        if now.get(name) not in (None, ""):
            return f"{formats.label(now[name])} (#{obj_id})"
    return f"#{obj_id}"


def _changes(label: str, now: dict, before: dict | None) -> list[tuple[str, Any, Any]]:
    if label != "update" or before is None:
        return []
    return [
        (name.replace("_", " "), before.get(name), value)
        for name, value in sorted(now.items())
        if not name.startswith("pgh_")
        and name not in HIDDEN_FIELDS
        and name in before
        and before[name] != value
    ]


def _event(row, data: tuple[dict, dict | None], users: dict[int, User]) -> AuditEvent:
    model, _, created_at, label, obj_id, context = row
    now, before = data
    who, who_kind = _who(context, users)
    return AuditEvent(
        when=created_at,
        who=who,
        who_kind=who_kind,
        model=apps.get_model(model)._meta.verbose_name.capitalize(),
        obj_id=obj_id or "",
        obj_label=_object_label(model, obj_id, now, users),
        action=ACTIONS.get(label, label),
        changes=_changes(label, now, before),
        url=str(context.get("url") or ""),
        job=str(context.get("job") or ""),
        task_id=str(context.get("task_id") or ""),
    )


def audit_actors(*, engagement: Engagement) -> list[tuple[str, str]]:
    """(filter value, name) of everyone who changed something in the engagement."""
    models = audited_event_models()
    params = _params(engagement)
    select = "DISTINCT c.metadata->>'user', c.metadata->>'api_key', c.metadata->>'job'"
    with connection.cursor() as cursor:
        cursor.execute(_events_sql(models, AuditFilters(), params, select), params)
        rows = cursor.fetchall()
    user_ids = {int(u) for u, key, _ in rows if u and u.isdigit() and not key}
    users = User.objects.in_bulk(user_ids) if user_ids else {}
    actors = set()
    for user, key, job in rows:
        if key:
            actors.add((f"api_key:{key}", key))
        elif user and user.isdigit():
            person = users.get(int(user))
            actors.add((f"user:{user}", str(person) if person else f"User #{user}"))
        elif job:
            actors.add((f"job:{job}", f"Job: {job}"))
        else:
            actors.add((SYSTEM, "System"))
    return sorted(actors, key=lambda actor: actor[1].casefold())
