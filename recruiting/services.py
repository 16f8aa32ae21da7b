"""Writes for recruiting data: imports of files and records, all or nothing, with history.

`records_import` (JSON records, e.g. the API) and `file_import` (a CSV or XLSX file) validate
with `recruiting.importing`, upsert in one transaction, record an `ImportRun` and mark the
engagement's data changed. `files_import` takes several files at once (the command line):
they are written in the order references need and commit together or not at all.

The web flow keeps the upload under MEDIA_ROOT between its preview and its confirmation:
`import_upload_preview` -> `import_run_confirm` (runs at once, or queues `import_run_execute`
for a Celery worker when the file is large) -> `import_run_execute`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path, PurePath
from typing import Any, BinaryIO

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import User
from engagements.models import Engagement
from engagements.services import engagement_mark_data_changed
from recruiting import contract, importing
from recruiting.models import ImportRun, ImportSource, ImportStatus
from rpo_portal import tenant_db
from rpo_portal.redis_errors import REDIS_ERRORS
from rpo_portal.task_names import task_named

SAMPLE_ROWS = 10
logger = logging.getLogger(__name__)


@dataclass
class ImportResult:
    """The outcome of importing one file or one batch of records."""

    kind: str
    ok: bool = False
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    file_name: str = ""
    header: list[str] = field(default_factory=list)
    sample: list[list[str]] = field(default_factory=list)
    run: ImportRun | None = None

    @property
    def changed(self) -> int:
        return self.created + self.updated


@dataclass
class _Part:
    """One file (or batch of records) of an import while it is being processed."""

    file_name: str
    kind: str | None
    table: importing.Table
    run: ImportRun | None = None
    validated: importing.Validated | None = None
    counts: tuple[int, int, int] = (0, 0, 0)


def actor_label(actor: Any) -> str:
    """How the import history names who imported: a person's e-mail or an API key's label."""
    if actor is None:
        return "command line"
    label = getattr(actor, "label", None) or getattr(actor, "email", None) or str(actor)
    return str(label)[:300]


def _run_new(
    *, actor, engagement, part: _Part, source: str, status: str, checked_only: bool = False
) -> ImportRun:
    return ImportRun.objects.create(
        engagement=engagement,
        user=actor if isinstance(actor, User) else None,
        actor_label=actor_label(actor),
        kind=part.kind or "",
        source=source,
        file_name=part.file_name[:255],
        status=status,
        checked_only=checked_only,
    )


def progress_key(run_id: int) -> str:
    return f"recruiting:import-progress:{run_id}"


def import_progress(run: ImportRun) -> int:
    """Percent done: live from the cache while a worker holds the import's transaction."""
    if run.is_finished:
        return 100
    try:
        return int(cache.get(progress_key(run.pk), run.progress))
    except REDIS_ERRORS:
        return run.progress


def _progress_set(parts: list[_Part], percent: int) -> None:
    for part in parts:
        if part.run is not None and part.run.pk:
            try:
                cache.set(progress_key(part.run.pk), percent, timeout=60 * 60 * 6)
            except Exception:  # the progress bar is a nicety: an import never fails for it
                logger.warning("import progress not recorded", exc_info=True)


def _error_dicts(part: _Part) -> list[dict]:
    """The part's errors as the interface promises: files by row/column, records by index/field."""
    if part.table.from_file:
        return [
            {"file": part.file_name, "row": row, "column": column, "reason": reason}
            for row, column, reason in part.table.errors.sorted()
        ]
    return [
        {"index": row, "field": column, "reason": reason}
        for row, column, reason in part.table.errors.sorted()
    ]


def _sample(table: importing.Table) -> list[list[str]]:
    """The first rows for the preview, without the columns never shown per record."""
    head = table.head(SAMPLE_ROWS)
    head = head.drop(columns=[c for c in head.columns if c in contract.PRIVATE_COLUMNS])
    return [["" if v is None else str(v) for v in row] for row in head.itertuples(index=False)]


def _shown_header(header: list[str]) -> list[str]:
    return [name for name in header if name.strip().lower() not in contract.PRIVATE_COLUMNS]


def _import_lock(engagement: Engagement) -> None:
    """One import at a time per engagement, so references checked before writing still hold."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('recruiting-import'), %s)", [engagement.pk]
        )


def _part_stream(
    part: _Part, *, engagement: Engagement, dry_run: bool, progress: Callable[[int], None]
) -> bool:
    """The engagement's first import of a kind, validated while it is written. True if written.

    False leaves nothing written and the part as it was, for the usual path: the engagement
    has rows of the kind already, a row is invalid (the usual path then reports every error),
    or the database refused a row (the usual path says why, after its own validation).
    """
    if part.kind is None or not part.table.header or part.table.errors:
        return False
    try:
        with transaction.atomic():
            _import_lock(engagement)
            streamed = importing.table_stream_write(
                part.kind,
                part.table,
                engagement.pk,
                progress=lambda done: progress(50 + int(45 * done)),
            )
            if streamed is None:
                return False
            part.validated, part.counts = streamed
            if dry_run:
                transaction.set_rollback(True)
            else:
                engagement_mark_data_changed(engagement=engagement)
    except importing.Rejected:
        part.validated, part.counts = None, (0, 0, 0)
        return False
    except DatabaseError as error:
        # E.g. a duplicate id that the unique index meets before the check after the last
        # chunk does; the usual path reports it like any other error.
        logger.info("Streamed import of %s stopped by the database: %s", part.kind, error)
        part.validated, part.counts = None, (0, 0, 0)
        return False
    return True


def _parts_process(
    parts: list[_Part],
    *,
    engagement: Engagement,
    dry_run: bool,
    progress: Callable[[int], None],
) -> bool:
    """Validate every part, then write them all in one transaction. True when written."""
    kinds_seen: set[str] = set()
    for part in parts:
        errors = part.table.errors
        if part.kind is None and part.table.header:
            part.kind = contract.kind_from_header(part.table.header)
            if part.kind is None:
                errors.add(
                    None,
                    None,
                    "Cannot tell which kind of records this is: choose the kind, or name the "
                    "file after it (" + ", ".join(f"{k}.csv" for k in contract.KINDS) + ").",
                )
        elif part.kind is not None and part.kind not in contract.KINDS:
            errors.add(None, None, f"Unknown kind {part.kind!r}.")
            part.kind = None
        if part.kind in kinds_seen:
            errors.add(None, None, f"Another file in this import is also {part.kind}.")
        elif part.kind:
            kinds_seen.add(part.kind)
    parts.sort(key=lambda p: contract.KIND_ORDER.index(p.kind) if p.kind else -1)
    progress(10)
    if len(parts) == 1 and _part_stream(
        parts[0], engagement=engagement, dry_run=dry_run, progress=progress
    ):
        return True
    upload: dict[str, importing.Validated] = {}
    for part in parts:
        if part.kind and part.table.header:
            part.validated = importing.table_validate(part.kind, part.table)
            if part.validated is not None:
                upload[part.kind] = part.validated
    progress(35)
    for part in parts:
        if part.validated is not None:
            importing.references_check(part.validated, part.table.errors, engagement.pk, upload)
    progress(50)
    if any(part.table.errors for part in parts) or not all(p.validated for p in parts):
        for part in parts:
            if not part.table.errors:
                part.table.errors.add(
                    None, None, "Not imported: another file of this import has errors."
                )
        return False
    try:
        with transaction.atomic():
            _import_lock(engagement)
            for number, part in enumerate(parts, start=1):
                part.counts = importing.frame_write(part.validated, engagement.pk)
                progress(50 + 45 * number // len(parts))
            if dry_run:
                transaction.set_rollback(True)
            elif any(p.counts[0] or p.counts[1] for p in parts):
                engagement_mark_data_changed(engagement=engagement)
    except DatabaseError as exc:
        # The database's CHECK constraints are the last line of defence behind the validation.
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        for part in parts:
            part.counts = (0, 0, 0)
            part.table.errors.add(None, None, f"The database refused the rows: {reason}")
        return False
    return True


def _parts_import(
    parts: list[_Part],
    *,
    actor: Any,
    engagement: Engagement,
    source: str,
    dry_run: bool = False,
) -> list[ImportResult]:
    started = time.monotonic()
    if not dry_run:
        for part in parts:
            if part.run is None:
                part.run = _run_new(
                    actor=actor,
                    engagement=engagement,
                    part=part,
                    source=source,
                    status=ImportStatus.RUNNING,
                )
    written = _parts_process(
        parts,
        engagement=engagement,
        dry_run=dry_run,
        progress=lambda percent: _progress_set(parts, percent),
    )
    duration = timedelta(seconds=time.monotonic() - started)
    results = []
    for part in parts:
        created, updated, unchanged = part.counts
        validated_rows = len(part.validated.frame) if part.validated is not None else 0
        result = ImportResult(
            kind=part.kind or "",
            ok=written,
            errors=_error_dicts(part),
            error_count=part.table.errors.count,
            rows=validated_rows,
            created=created,
            updated=updated,
            unchanged=unchanged,
            file_name=part.file_name,
            header=_shown_header(part.table.header),
            sample=_sample(part.table),
            run=part.run,
        )
        if part.run is not None:
            _run_finish(part.run, result, duration=duration, dry_run=dry_run)
        results.append(result)
    return results


def _storable(value: Any) -> Any:
    """JSON for PostgreSQL, which cannot store NUL characters (a bad file may hold them)."""
    if isinstance(value, str):
        return value.replace("\x00", "\\0")
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    return value


def _run_finish(run: ImportRun, result: ImportResult, *, duration, dry_run: bool) -> None:
    run.kind = result.kind
    run.rows = result.rows
    run.created, run.updated, run.unchanged = result.created, result.updated, result.unchanged
    run.error_count = result.error_count
    run.errors = _storable(result.errors)
    run.preview = _storable({"header": result.header, "rows": result.sample})
    if dry_run and result.ok:
        run.status = ImportStatus.PREVIEW
        run.progress = 0
    else:
        run.status = ImportStatus.SUCCEEDED if result.ok else ImportStatus.FAILED
        run.progress = 100
        run.finished_at = timezone.now()
        run.duration = duration
    run.save()
    try:
        cache.delete(progress_key(run.pk))
    except REDIS_ERRORS:  # the marker expires on its own; the import stands
        logger.warning("import progress marker not cleared", exc_info=True)


def _file_bytes(file: Any) -> bytes:
    """The content of an upload, an open file, a path or bytes; at most one byte over the limit."""
    limit = importing.max_bytes()
    if isinstance(file, bytes | bytearray | memoryview):
        return bytes(file)
    if isinstance(file, str | Path):
        with open(file, "rb") as handle:
            return handle.read(limit + 1)
    if hasattr(file, "seek"):
        file.seek(0)
    return file.read(limit + 1)


def _file_part(file: Any, file_name: str, kind: str | None) -> _Part:
    data = _file_bytes(file)
    table = importing.table_from_bytes(data, file_name)
    kind = kind or contract.kind_from_file_name(file_name)
    return _Part(file_name=file_name, kind=kind, table=table)


def records_import(
    *,
    actor: Any,
    engagement: Engagement,
    kind: str,
    rows: Iterable[Any],
    source: str = ImportSource.API,
    file_name: str = "",
    dry_run: bool = False,
) -> ImportResult:
    """Validate and upsert JSON-like records of one kind, all or nothing.

    Errors carry `index` (0-based position in `rows`), `field` and `reason`.
    """
    if kind not in contract.KINDS:
        raise ValidationError(f"Unknown kind {kind!r}.")
    part = _Part(file_name=file_name, kind=kind, table=importing.table_from_records(rows))
    return _parts_import(
        [part], actor=actor, engagement=engagement, source=source, dry_run=dry_run
    )[0]


def file_import(
    *,
    actor: Any,
    engagement: Engagement,
    file: BinaryIO | bytes | str | Path,
    file_name: str,
    kind: str | None = None,
    source: str = ImportSource.WEB,
    dry_run: bool = False,
) -> ImportResult:
    """Validate and upsert one CSV or XLSX file, all or nothing.

    The kind is `kind`, else told by the file name (`requisitions.csv`), else by the header.
    Errors carry `row` (the file's row; the header is row 1), `column` and `reason`.
    """
    part = _file_part(file, file_name, kind)
    return _parts_import(
        [part], actor=actor, engagement=engagement, source=source, dry_run=dry_run
    )[0]


def files_import(
    *,
    actor: Any,
    engagement: Engagement,
    files: list[tuple[str, Any, str | None]],
    source: str = ImportSource.COMMAND,
    dry_run: bool = False,
) -> list[ImportResult]:
    """Several files ((file name, file, kind or None), ...) in one transaction: all or none."""
    parts = [_file_part(file, name, kind) for name, file, kind in files]
    return _parts_import(parts, actor=actor, engagement=engagement, source=source, dry_run=dry_run)


# --- The web flow: preview, confirm, run ------------------------------------------------------


def import_upload_preview(
    *, actor: User, engagement: Engagement, file: Any, file_name: str, kind: str | None = None
) -> ImportResult:
    """Check an upload without writing it; keep it for confirmation when it is valid.

    Counts in the result are what a confirmation would do (created, updated, unchanged).
    """
    # A new upload replaces the uploader's unconfirmed ones, so held files do not pile up.
    for stale in ImportRun.objects.filter(
        engagement=engagement, user=actor, status=ImportStatus.PREVIEW
    ):
        import_run_discard(actor=actor, engagement=engagement, run=stale)
    part = _file_part(file, file_name, kind)
    part.run = _run_new(
        actor=actor,
        engagement=engagement,
        part=part,
        source=ImportSource.WEB,
        status=ImportStatus.RUNNING,
        checked_only=True,
    )
    result = _parts_import(
        [part], actor=actor, engagement=engagement, source=ImportSource.WEB, dry_run=True
    )[0]
    run = result.run
    if result.ok:
        extension = PurePath(file_name).suffix.lower()[:6]
        stored = default_storage.save(
            f"imports/{engagement.pk}/{uuid.uuid4().hex}{extension}",
            ContentFile(_file_bytes(file)),
        )
        run.stored_file = stored
        run.save(update_fields=["stored_file"])
    return result


def import_run_confirm(*, actor: User, engagement: Engagement, run: ImportRun) -> ImportRun:
    """Commit a previewed upload: at once, or in a worker when it has many rows."""
    if run.engagement_id != engagement.pk or run.user_id != actor.pk:
        raise PermissionDenied("This upload belongs to someone else.")
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status != ImportStatus.PREVIEW:
            return run  # confirmed twice (a double click): the first confirmation stands
        run.status = ImportStatus.QUEUED
        run.started_at = timezone.now()
        run.checked_only = False  # confirmed: from here on it is an import
        run.save(update_fields=["status", "started_at", "checked_only"])
        if run.rows > settings.RPO_IMPORT_ASYNC_ROWS:
            transaction.on_commit(lambda: _import_run_enqueue(run.pk, run.engagement_id))
            return run
    return import_run_execute(run_id=run.pk)


def _import_run_enqueue(run_id: int, engagement_id: int) -> None:
    try:
        task_named("recruiting.tasks.import_run_execute_task").delay(run_id, engagement_id)
    except Exception:  # no broker: import now rather than leave the run queued forever
        logger.exception("could not queue import run %s; running it in the request", run_id)
        # After the request's transaction: the job's own tenant (rpo_portal/tenant_db.py).
        with tenant_db.job_engagements([engagement_id]):
            import_run_execute(run_id=run_id)


def import_run_discard(*, actor: User, engagement: Engagement, run: ImportRun) -> None:
    """Drop a previewed upload that will not be confirmed."""
    if run.engagement_id != engagement.pk or run.user_id != actor.pk:
        raise PermissionDenied("This upload belongs to someone else.")
    if run.status != ImportStatus.PREVIEW:
        return
    if run.stored_file:
        default_storage.delete(run.stored_file)
    run.delete()


def import_run_execute(*, run_id: int) -> ImportRun:
    """Import a confirmed upload (in the request or a worker). Safe to run again."""
    with transaction.atomic():
        run = (
            ImportRun.objects.select_for_update(of=("self",))
            .select_related("engagement", "user")
            .get(pk=run_id)
        )
        if run.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
            return run
        run.status = ImportStatus.RUNNING
        run.save(update_fields=["status"])
    if not run.stored_file or not default_storage.exists(run.stored_file):
        run.status = ImportStatus.FAILED
        run.errors = [{"row": None, "column": None, "reason": "The uploaded file is gone."}]
        run.error_count = 1
        run.finished_at = timezone.now()
        run.save()
        return run
    with default_storage.open(run.stored_file, "rb") as handle:
        data = handle.read()
    part = _file_part(data, run.file_name, run.kind or None)
    part.run = run
    actor = run.user
    _parts_import([part], actor=actor, engagement=run.engagement, source=run.source, dry_run=False)
    default_storage.delete(run.stored_file)
    run.stored_file = ""
    run.save(update_fields=["stored_file"])
    return run
