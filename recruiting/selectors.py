"""Reads of recruiting data; always given the engagement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404

from engagements.models import Engagement
from recruiting import contract
from recruiting.models import ImportRun, ImportStatus
from rpo_portal import formats

RECORDS_PER_PAGE = 50
RUNS_PER_PAGE = 25


def record_counts(*, engagement: Engagement) -> dict[str, int]:
    """How many records of each kind the engagement holds, in the contract's order."""
    return {
        name: kind.model.objects.filter(engagement=engagement).count()
        for name, kind in contract.KINDS.items()
    }


def _lookup(column: contract.Column) -> str:
    """The ORM path of a column: references show the other record's external_id."""
    if column.type == "ref":
        return f"{column.field_name}__external_id"
    return column.name


def _cell(column: contract.Column, value) -> str:
    """A record's value as a person reads it: dates in the one style, a month as "Jan 2025",
    yes/no, numbers with separators, a choice in words (the API serves the stored values)."""
    if value is None:
        return ""
    if column.type == "month" and isinstance(value, dt.date):
        return formats.period(f"{value:%Y-%m}")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return formats.day(value)
    if isinstance(value, Decimal | int | float):
        return formats.plain(value)
    if column.type == "enum":
        return formats.label(value)
    return str(value)


def records_page(*, engagement: Engagement, kind: str, page: int | str | None) -> Page:
    """One page of an engagement's records of a kind, as rows of text in the file's columns.

    One query for the count and one for the page, whatever the page holds.
    """
    spec = contract.KINDS[kind]
    ordering = list(spec.key)
    values = (
        spec.model.objects.filter(engagement=engagement)
        .order_by(*ordering)
        .values_list(*[_lookup(c) for c in spec.shown_columns])
    )
    paginator = Paginator(values, RECORDS_PER_PAGE)
    current = paginator.get_page(page)
    current.object_list = [
        [_cell(c, v) for c, v in zip(spec.shown_columns, row, strict=True)]
        for row in current.object_list
    ]
    return current


def import_runs(*, engagement: Engagement) -> QuerySet[ImportRun]:
    """The engagement's import history, newest first (previews awaiting confirmation excluded)."""
    return (
        ImportRun.objects.filter(engagement=engagement)
        .exclude(status=ImportStatus.PREVIEW)
        .defer("errors", "preview")
        .order_by("-started_at", "-pk")
    )


def import_runs_page(*, engagement: Engagement, page: int | str | None) -> Page:
    return Paginator(import_runs(engagement=engagement), RUNS_PER_PAGE).get_page(page)


def import_run_for(*, actor: Any, engagement: Engagement, run_id: int) -> ImportRun:
    """A run of this engagement (else 404); a preview only for the person who uploaded it."""
    run = ImportRun.objects.filter(pk=run_id, engagement=engagement).first()
    if run is None or (run.status == ImportStatus.PREVIEW and run.user_id != actor.pk):
        raise Http404("No such import.")
    return run
