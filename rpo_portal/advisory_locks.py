"""Transaction-scoped PostgreSQL advisory locks, taken without waiting.

A lock is a pair (lock class, key): the class says what is being done (a KPI recompute, an SLA
evaluation), the key for which engagement. A run takes its locks for its transaction; one that
finds a lock held skips that engagement instead of queueing behind the other run.
"""

from __future__ import annotations

from django.db import connection


def try_xact_locks(lock_class: int, keys: list[int]) -> list[int]:
    """Take the lock (lock_class, key) of each key for the current transaction, without
    waiting. Returns the keys whose lock was taken, in ascending order; the others are held
    by another transaction."""
    if not keys:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM unnest(%s::bigint[]) AS id "
            "WHERE pg_try_advisory_xact_lock(%s, id::integer) ORDER BY id",
            [list(keys), lock_class],
        )
        return [row[0] for row in cursor.fetchall()]


def xact_lock_held(lock_class: int, key: int) -> bool:
    """Whether some session of this database holds the lock (lock_class, key) now: a run
    that died (its worker killed) holds it no longer, since its connection is gone."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s AND objid = %s AND objsubid = 2"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
            [lock_class, key],
        )
        return cursor.fetchone()[0]
