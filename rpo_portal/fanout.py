"""Fan-out loops: the jobs that do one thing for each of many engagements or people (e-mail
each notification, each digest, each reminder, each QBR pack; schedule each engagement's
meetings; recompute and evaluate each engagement at night).

One tenant never stops another: each item runs in its own transaction (a savepoint inside an
outer one), and when it fails, what it wrote is rolled back, the error is logged with the
item's engagement, and the loop goes on with the next item. The item is left as it was, so the
next run tries it again.

Errors of the run rather than of one item still end it, so that the task's retry runs it again
(every loop is idempotent: what was done is not done twice): the database gone or failing
(`OperationalError`, `InterfaceError`: a lost connection, a deadlock, a statement timeout),
the mail server out of reach (a refused, reset or timed-out connection, a disconnect), and
the task's time limit. A recipient the mail server refuses is one item's failure.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError, transaction

logger = logging.getLogger(__name__)

RUN_ERRORS = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    SoftTimeLimitExceeded,
)


def _engagements(engagement: int | Iterable[int] | None) -> str:
    if engagement is None:
        return "-"
    if isinstance(engagement, int):
        return str(engagement)
    return ",".join(str(pk) for pk in sorted(set(engagement))) or "-"


@contextmanager
def item(step: str, *, engagement: int | Iterable[int] | None, **ids) -> Iterator[None]:
    """Run one item of a fan-out loop: `with fanout.item("QBR delivery", engagement=7,
    user=12): ...`. A failure is logged (the step, the engagement and the other ids given)
    and swallowed; the block's writes are rolled back."""
    try:
        with transaction.atomic():
            yield
    except RUN_ERRORS:
        raise
    except Exception:
        details = " ".join(f"{name}={value}" for name, value in ids.items())
        logger.exception(
            "%s failed for engagement %s%s; the other items go on.",
            step,
            _engagements(engagement),
            f" ({details})" if details else "",
        )


def batch_or_each(
    step: str,
    engagement_ids: list[int],
    run: Callable[[list[int]], list],
    *,
    atomic: bool = True,
) -> list:
    """`run(engagement_ids)` for a batch of engagements worked on together (the nightly
    recompute and evaluation: one transaction and one pass for many engagements); if it
    fails, `run([engagement])` for each engagement alone, each an `item`, so one engagement's
    failure costs only that engagement. Returns the results' concatenation.

    `atomic=False` for a `run` that commits its own transactions and may simply run again
    (the KPI recompute: each of its batches is one transaction, and a value that hashes the
    same is not written again): one outer transaction would only hold every batch's locks
    and writes until the end."""
    if len(engagement_ids) > 1:
        try:
            if not atomic:
                return run(engagement_ids)
            with transaction.atomic():
                return run(engagement_ids)
        except RUN_ERRORS:
            raise
        except Exception:
            logger.warning(
                "%s failed for the batch of engagements %s; running each engagement alone.",
                step,
                _engagements(engagement_ids),
                exc_info=True,
            )
    results: list = []
    for engagement_id in engagement_ids:
        with item(step, engagement=engagement_id):
            results.extend(run([engagement_id]))
    return results
