"""SLA evaluation of a batch of engagements, with a fixed number of queries however large.

One transaction per batch, like the KPI engine's recompute: the batch's locks are taken
together, then every clause in force and its stored KPI values, and (for the engagements
whose inputs changed) the stored outcomes, breaches and raised warnings are read with one
query each. The outcomes are worked out by the pure functions of `sla.evaluation` and
compared with the stored ones in memory; only what changed is written, each kind of write in
one statement (new outcomes with COPY).
Like the KPI engine, each engagement's run keeps a fingerprint of what its outcomes were
worked out from; an engagement whose inputs have not changed since is not worked out again.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, timedelta
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from kpis.models import MetricValue
from kpis.registry import DEFINITION_VERSION
from rpo_portal import db_roles, tenant_db
from rpo_portal.advisory_locks import try_xact_locks
from sla import evaluation as ev
from sla.evaluation import StoredValue
from sla.models import (
    Breach,
    BreachEvent,
    BreachStatus,
    Outcome,
    SlaClause,
    SlaEvaluationRun,
    SlaOutcome,
    Warning,
)
from sla.runs import LOCK_CLASS, EvaluationResult, clause_terms

# Compared with the stored outcome: a row whose fields are all equal is not written.
OUTCOME_FIELDS = ("closed", "value", "shown_value", "n", "outcome", "metric_value_id")
OUTCOME_COLUMNS = (
    "engagement_id",
    "clause_id",
    "period",
    "period_start",
    "period_end",
    *OUTCOME_FIELDS,
    "as_of",
    "evaluated_at",
)
CLAUSE_FIELDS = (
    "pk",
    "engagement_id",
    "key",
    "kpi",
    "grain",
    "dimension",
    "segment",
    "kind",
    "threshold",
    "effective_from",
    "effective_to",
    "pct",
    "min_n",
    "grace_days",
    "repeat_pct",
    "cap_pct",
    "earn_back",
)


def _try_locks(engagement_ids: list[int]) -> list[int]:
    """Take each engagement's evaluation lock for the transaction, without waiting: the ids
    whose lock was taken (another evaluation holds the others')."""
    return try_xact_locks(LOCK_CLASS, engagement_ids)


def _clauses(engagement_ids: list[int]) -> list[SimpleNamespace]:
    """The clauses in force, with the fields `clause_terms` reads and their `terms`."""
    columns = ["id" if name == "pk" else name for name in CLAUSE_FIELDS]
    rows = _rows(
        f"SELECT {', '.join(columns)} FROM {SlaClause._meta.db_table}"  # noqa: S608
        " WHERE engagement_id = ANY(%s::bigint[]) AND in_force ORDER BY engagement_id, key",
        [engagement_ids],
    )
    clauses = [SimpleNamespace(**dict(zip(CLAUSE_FIELDS, row, strict=True))) for row in rows]
    for clause in clauses:
        clause.terms = clause_terms(clause)
    return clauses


def _rows(sql: str, params: list) -> list[tuple]:
    """The rows of a query, as the driver gives them (no model fields to convert)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _values(clause_ids: list[int]) -> dict[int, list[tuple]]:
    """Each clause's stored KPI values in period order:
    {clause id: [(period, id, value, n, suppressed)]}."""
    values: dict[int, list] = defaultdict(list)
    # Each clause's values are one range of metric_value_unique, read from the index alone
    # (kpis migration 0009). The clauses are joined with the ids, not filtered by `= ANY`
    # (which compared every clause in the table with each id). Table names from the models'
    # metadata; the values are parameters.
    rows = _rows(
        f"SELECT c.id, m.period, m.id, m.value, m.n, m.suppressed"  # noqa: S608
        f" FROM unnest(%s::bigint[]) AS ids(id) JOIN {SlaClause._meta.db_table} c"
        f" ON c.id = ids.id JOIN {MetricValue._meta.db_table} m"
        " ON m.engagement_id = c.engagement_id AND m.kpi = c.kpi AND m.version = %s"
        " AND m.grain = c.grain AND m.dimension = c.dimension AND m.segment = c.segment",
        [clause_ids, DEFINITION_VERSION],
    )
    for row in rows:
        values[row[0]].append(row[1:])
    for periods in values.values():
        # The fingerprint is taken over this order. (The index gives each clause's periods
        # in order already, so this only checks; a period appears once per clause.)
        periods.sort()
    return values


def _stored_outcomes(clause_ids: list[int]) -> dict[tuple[int, str], tuple]:
    """{(clause id, period): (id, *OUTCOME_FIELDS)} of the stored outcomes."""
    rows = _rows(
        f"SELECT clause_id, period, id, {', '.join(OUTCOME_FIELDS)}"  # noqa: S608
        f" FROM {SlaOutcome._meta.db_table} WHERE clause_id = ANY(%s::bigint[])",
        [clause_ids],
    )
    return {(row[0], row[1]): row[2:] for row in rows}


def _horizon(terms: ev.ClauseTerms, as_of: date) -> tuple:
    """All an outcome takes from `as_of`: whether the clause has started, the last period,
    and the first period still open (ev.clause_outcomes: closed when its end is before
    as_of - grace days)."""
    return (
        terms.effective_from <= as_of,
        ev.period_containing(as_of, terms.grain).key,
        ev.period_containing(as_of - timedelta(days=terms.grace_days), terms.grain).key,
    )


def fingerprints(clauses, values, engagement_ids: list[int], as_of: date) -> dict[int, str]:
    """Each engagement's fingerprint: its clauses in force with their terms, their stored
    values and what they take from `as_of`. Equal fingerprints, equal outcomes."""
    parts: dict[int, list] = {e: [] for e in engagement_ids}
    horizons: dict[tuple, tuple] = {}  # most clauses share their grain and dates
    for clause in clauses:
        terms = clause.terms
        key = (terms.effective_from, terms.grain, terms.grace_days)
        if key not in horizons:
            horizons[key] = _horizon(terms, as_of)
        # [(period, id, value, n, suppressed)] in period order, as _values reads them.
        stored = values.get(clause.pk, [])
        parts[clause.engagement_id].append(
            (clause.pk, clause.kpi, clause.dimension, clause.segment, terms)
            + (horizons[key], stored)
        )
    return {e: hashlib.sha256(repr(p).encode()).hexdigest() for e, p in parts.items()}


def _last_runs(engagement_ids: list[int]) -> dict[int, tuple[str, int]]:
    """(fingerprint, outcomes) of each engagement's last evaluation."""
    rows = (
        SlaEvaluationRun.objects.filter(engagement_id__in=engagement_ids)
        .order_by("engagement_id", "-started_at", "-id")
        .distinct("engagement_id")
        .values_list("engagement_id", "fingerprint", "outcomes")
    )
    return {engagement_id: (fingerprint, outcomes) for engagement_id, fingerprint, outcomes in rows}


def _update_from_arrays(model, assignments: str, columns: dict[str, str], rows, params=()):
    """UPDATE the model's rows by id in one statement: `rows` are (id, *columns) tuples, read
    as `r.<column>` in `assignments` (whose own %s are `params`)."""
    arrays = ", ".join(f"%s::{sql_type}[]" for sql_type in ["bigint", *columns.values()])
    with connection.cursor() as cursor:
        # Table and column names from the model and this module; the values are parameters.
        cursor.execute(
            f"UPDATE {model._meta.db_table} t SET {assignments}"  # noqa: S608
            f" FROM unnest({arrays}) AS r(id, {', '.join(columns)}) WHERE t.id = r.id",
            [*params, *map(list, zip(*rows, strict=True))],
        )


def _insert_from_arrays(model, columns: dict[str, str], rows, fixed: dict) -> list[int]:
    """INSERT the rows in one statement and return their ids in the rows' order: `rows` are
    tuples of `columns` (name: SQL type), `fixed` the columns every row has the same value
    of. (Django's bulk_create built each row's SQL in Python: most of a first evaluation's
    time.)"""
    names = ", ".join(columns)
    arrays = ", ".join(f"%s::{sql_type}[]" for sql_type in columns.values())
    picked = ", ".join([*(f"r.{name}" for name in columns), *(["%s"] * len(fixed))])
    with connection.cursor() as cursor:
        # Table and column names from the model and this module; the values are parameters.
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({names}, {', '.join(fixed)})"  # noqa: S608
            f" SELECT {picked} FROM unnest({arrays}) WITH ORDINALITY AS r({names}, position)"
            " ORDER BY r.position RETURNING id",
            [*fixed.values(), *map(list, zip(*rows, strict=True))],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, float):
        return repr(value)
    return str(value)


class Batch:
    """One batch's evaluation: what is read, the outcomes worked out, and what to write."""

    def __init__(self, engagement_ids: list[int], clauses, values, as_of: date, now) -> None:
        self.as_of = as_of
        self.now = now
        self.results = {
            e: EvaluationResult(engagement_id=e, evaluated=True, as_of=as_of)
            for e in engagement_ids
        }
        self.clauses = clauses
        self.clause_by_id = {clause.pk: clause for clause in self.clauses}
        clause_ids = list(self.clause_by_id)
        self.values = values
        self.stored = _stored_outcomes(clause_ids) if clause_ids else {}
        # [(clause, PeriodOutcome, (clause id, period))] of every clause in force, in order.
        self.current: list[tuple[SimpleNamespace, ev.PeriodOutcome, tuple[int, str]]] = []

    def outcomes_write(self) -> None:
        """Work out every outcome; insert the new, update the changed, delete the gone."""
        stored = self.stored
        new, changed = [], []
        changed_count: dict[int, int] = defaultdict(int)
        for clause in self.clauses:
            rows = self.values.get(clause.pk, [])
            stored_values = {row[0]: StoredValue(*row[2:]) for row in rows}
            value_ids = {row[0]: row[1] for row in rows}
            result = self.results[clause.engagement_id]
            for outcome in ev.clause_outcomes(clause.terms, stored_values, self.as_of):
                period = outcome.period.key
                key = (clause.pk, period)
                value_id = value_ids.get(period)
                self.current.append((clause, outcome, key))
                fields = (
                    outcome.closed,
                    outcome.value,
                    outcome.shown,
                    outcome.n,
                    outcome.outcome,
                    value_id,
                )
                old = stored.pop(key, None)
                result.outcomes += 1
                if old is None:
                    new.append((clause, outcome, fields))
                elif old[1:] != fields:
                    changed.append((old[0], *fields))
                else:
                    continue
                changed_count[clause.engagement_id] += 1
        # Periods no longer in a clause's range (its terms changed) have no outcome any more.
        gone = [(clause_id, row[0]) for (clause_id, _), row in stored.items()]
        for clause_id, _ in gone:
            changed_count[self._engagement_of_outcome(clause_id)] += 1
        for engagement_id, count in changed_count.items():
            self.results[engagement_id].outcomes_changed = count
        with connection.cursor() as cursor:
            if new:
                self._outcomes_copy(cursor, new)
            if changed:
                self._outcomes_update(changed)
            if gone:
                cursor.execute(
                    f"DELETE FROM {SlaOutcome._meta.db_table} WHERE id = ANY(%s::bigint[])",  # noqa: S608
                    [[pk for _, pk in gone]],
                )

    def _engagement_of_outcome(self, clause_id: int) -> int:
        return self.clause_by_id[clause_id].engagement_id

    def _outcomes_copy(self, cursor, new) -> None:
        text = io.StringIO()
        as_of, now = self.as_of.isoformat(), self.now.isoformat()
        for clause, outcome, fields in new:
            period = outcome.period
            row = (clause.engagement_id, clause.pk, period.key, period.start, period.end, *fields)
            text.write("\t".join(map(_copy_text, row)))
            text.write(f"\t{as_of}\t{now}\n")
        text.seek(0)
        db_roles.rows_copy(
            cursor,
            SlaOutcome._meta.db_table,
            list(OUTCOME_COLUMNS),
            text,
            engagement_ids={clause.engagement_id for clause, _, _ in new},
        )

    def _outcomes_update(self, changed) -> None:
        _update_from_arrays(
            SlaOutcome,
            "closed = r.closed, value = r.value, shown_value = r.shown_value, n = r.n,"
            " outcome = r.outcome, metric_value_id = r.metric_value_id, as_of = %s,"
            " evaluated_at = %s",
            {
                "closed": "boolean",
                "value": "double precision",
                "shown_value": "numeric",
                "n": "integer",
                "outcome": "varchar",
                "metric_value_id": "bigint",
            },
            changed,
            [self.as_of, self.now],
        )

    def breaches_open_and_note(self) -> None:
        """A breach for each new breach outcome; a recorded breach whose value changed keeps
        its record and notes the change."""
        rows = _rows(
            "SELECT id, clause_id, period, value, value_changed_at IS NOT NULL,"  # noqa: S608
            f" changed_new_value FROM {Breach._meta.db_table}"
            " WHERE engagement_id = ANY(%s::bigint[])",
            [list(self.results)],
        )
        recorded = {
            (clause_id, period): (pk, value, value_changed, new_value)
            for pk, clause_id, period, value, value_changed, new_value in rows
        }
        opened, noted = [], []
        for clause, outcome, key in self.current:
            breach = recorded.get(key)
            if breach is None:
                if outcome.outcome == Outcome.BREACH:
                    opened.append((clause, outcome))
                continue
            pk, value, value_changed, new_value = breach
            last_known = new_value if value_changed else value
            if outcome.value != last_known:
                noted.append((clause, outcome, pk, value, last_known))
        if opened:
            self._breaches_open(opened)
        if noted:
            self._breaches_note(noted)

    def _breaches_open(self, opened) -> None:
        breach_ids = _insert_from_arrays(
            Breach,
            {
                "engagement_id": "bigint",
                "clause_id": "bigint",
                "period": "varchar",
                "period_end": "date",
                "value": "double precision",
                "n": "integer",
                "threshold": "numeric",
            },
            [
                (
                    clause.engagement_id,
                    clause.pk,
                    outcome.period.key,
                    outcome.period.end,
                    outcome.value,
                    outcome.n,
                    clause.threshold,
                )
                for clause, outcome in opened
            ],
            {"status": BreachStatus.OPEN.value, "opened_at": self.now, "updated_at": self.now},
        )
        _insert_from_arrays(
            BreachEvent,
            {"engagement_id": "bigint", "breach_id": "bigint", "data": "jsonb"},
            [
                (
                    clause.engagement_id,
                    breach_id,
                    json.dumps(
                        {"value": outcome.value, "shown_value": str(outcome.shown), "n": outcome.n}
                    ),
                )
                for breach_id, (clause, outcome) in zip(breach_ids, opened, strict=True)
            ],
            {"action": BreachEvent.Action.OPENED.value, "at": self.now, "party": "", "note": ""},
        )
        for breach_id, (clause, _) in zip(breach_ids, opened, strict=True):
            self.results[clause.engagement_id].new_breach_ids.append(breach_id)

    def _breaches_note(self, noted) -> None:
        breaches, events = [], []
        for clause, outcome, pk, value, last_known in noted:
            still = outcome.outcome == Outcome.BREACH
            breaches.append((pk, value, outcome.value, still))
            events.append(
                BreachEvent(
                    engagement_id=clause.engagement_id,
                    breach_id=pk,
                    action=BreachEvent.Action.VALUE_CHANGED,
                    at=self.now,
                    data={
                        "old_value": last_known,
                        "new_value": outcome.value,
                        "outcome": outcome.outcome,
                        "still_breaches": still,
                    },
                )
            )
            self.results[clause.engagement_id].changed_breach_ids.append(pk)
        _update_from_arrays(
            Breach,
            "value_changed_at = %s, updated_at = %s, changed_old_value = r.old_value,"
            " changed_new_value = r.new_value, still_breaches = r.still",
            {"old_value": "double precision", "new_value": "double precision", "still": "boolean"},
            breaches,
            [self.now, self.now],
        )
        BreachEvent.objects.bulk_create(events)

    def warnings_raise_and_clear(self) -> None:
        """A warning for each new warning outcome; raised warnings clear when the value
        recovers or the period closes."""
        rows = _rows(
            "SELECT id, engagement_id, clause_id, period, value, n"  # noqa: S608
            f" FROM {Warning._meta.db_table}"
            " WHERE engagement_id = ANY(%s::bigint[]) AND cleared_at IS NULL",
            [list(self.results)],
        )
        raised = {
            (clause_id, period): (pk, engagement_id, value, n)
            for pk, engagement_id, clause_id, period, value, n in rows
        }
        new, changed, cleared = [], [], []
        for clause, outcome, key in self.current:
            warning = raised.pop(key, None)
            if outcome.outcome == Outcome.WARNING:
                if warning is None:
                    new.append((clause, outcome))
                elif warning[2:] != (outcome.value, outcome.n):
                    changed.append((warning[0], outcome.value, outcome.n))
            elif warning is not None:
                because = Warning.Cleared.CLOSED if outcome.closed else Warning.Cleared.RECOVERED
                cleared.append((warning, because))
        # Its clause or period is no longer evaluated.
        cleared.extend((warning, Warning.Cleared.RECOVERED) for warning in raised.values())
        if new:
            warning_ids = _insert_from_arrays(
                Warning,
                {
                    "engagement_id": "bigint",
                    "clause_id": "bigint",
                    "period": "varchar",
                    "period_end": "date",
                    "value": "double precision",
                    "n": "integer",
                },
                [
                    (
                        clause.engagement_id,
                        clause.pk,
                        outcome.period.key,
                        outcome.period.end,
                        outcome.value,
                        outcome.n,
                    )
                    for clause, outcome in new
                ],
                {"raised_at": self.now, "cleared_because": ""},
            )
            for warning_id, (clause, _) in zip(warning_ids, new, strict=True):
                self.results[clause.engagement_id].new_warning_ids.append(warning_id)
        if changed:
            _update_from_arrays(
                Warning,
                "value = r.value, n = r.n",
                {"value": "double precision", "n": "integer"},
                changed,
            )
        if cleared:
            _update_from_arrays(
                Warning,
                "cleared_at = %s, cleared_because = r.cleared_because",
                {"cleared_because": "varchar"},
                [(warning[0], because) for warning, because in cleared],
                [self.now],
            )
            for warning, _ in cleared:
                self.results[warning[1]].cleared_warning_ids.append(warning[0])

    def runs_record(self, fingerprints: dict[int, str]) -> None:
        finished = timezone.now()
        SlaEvaluationRun.objects.bulk_create(
            SlaEvaluationRun(
                engagement_id=result.engagement_id,
                as_of=self.as_of,
                started_at=self.now,
                finished_at=finished,
                outcomes=result.outcomes,
                outcomes_changed=result.outcomes_changed,
                breaches_opened=len(result.new_breach_ids),
                breaches_changed=len(result.changed_breach_ids),
                warnings_raised=len(result.new_warning_ids),
                warnings_cleared=len(result.cleared_warning_ids),
                fingerprint=fingerprints[result.engagement_id],
            )
            for result in self.results.values()
        )


@contextmanager
def _cyclic_gc_paused():
    """The cyclic garbage collector off while a batch runs. A batch builds tens of thousands
    of tuples that live until it ends (values, stored outcomes, the outcomes worked out), and
    each time enough of them pile up the collector walks every object of the process: a
    sixth of a full pass. They hold no reference cycles; reference counting frees them."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def batch_evaluate(engagement_ids: list[int], as_of: date) -> dict[int, EvaluationResult]:
    """Evaluate one batch of engagements in one transaction; an engagement whose lock another
    evaluation holds gets `evaluated=False` and nothing of it is written.

    An engagement whose fingerprint (clauses, their values, what they take from `as_of`) is
    its last evaluation's has nothing to change: only its run is recorded.
    """
    with _cyclic_gc_paused(), transaction.atomic():
        locked = _try_locks(engagement_ids) if engagement_ids else []
        skipped = {
            e: EvaluationResult(engagement_id=e, evaluated=False)
            for e in engagement_ids
            if e not in locked
        }
        if not locked:
            return skipped
        # The batch's statements see its engagements only: under row-level security each row
        # is checked against these few ids, and the audit triggers' inserts (one statement per
        # new breach and event) do not work out every engagement of the context's parties.
        with tenant_db.narrow_to_engagements(locked):
            results = _evaluate_locked(locked, as_of)
    return results | skipped


def _evaluate_locked(locked: list[int], as_of: date) -> dict[int, EvaluationResult]:
    now = timezone.now()
    clauses = _clauses(locked)
    values = _values([clause.pk for clause in clauses]) if clauses else {}
    prints = fingerprints(clauses, values, locked, as_of)
    last = _last_runs(locked)
    unchanged = {e for e in locked if e in last and last[e][0] == prints[e]}
    batch = Batch(
        [e for e in locked if e not in unchanged],
        [clause for clause in clauses if clause.engagement_id not in unchanged],
        values,
        as_of,
        now,
    )
    batch.outcomes_write()
    batch.breaches_open_and_note()
    batch.warnings_raise_and_clear()
    for e in sorted(unchanged):
        batch.results[e] = EvaluationResult(
            engagement_id=e, evaluated=True, as_of=as_of, outcomes=last[e][1]
        )
    batch.runs_record(prints)
    return batch.results
