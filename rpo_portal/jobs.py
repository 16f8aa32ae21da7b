"""Every change a job makes is on record with the job's name (docs/security.md "Audit trail").

Requests name their user and URL through pghistory's middleware and API keys name themselves in
accounts/authentication.py; here Celery tasks (through the task_prerun/task_postrun signals, so
no task can forget) and management commands (through `JobCommand`, their one base class) name
the job. A task run inside a request (eagerly) adds the job to the request's context.
"""

from __future__ import annotations

import pghistory
from celery.signals import task_postrun, task_prerun, worker_init, worker_process_init
from django.core.management.base import BaseCommand

from rpo_portal import tenant_db

# Options of a task that is safe to run again (idempotent: locks, upserts, a status it checks)
# and whose loss would leave work undone and a status saying "running": acknowledged only when
# it ends (`acks_late`, also the global default), and put back in the queue at once when the
# worker process running it dies (killed, out of memory), not acknowledged as failed. Only
# such tasks: a task that always kills its worker would otherwise loop, and one that sends
# e-mail could send twice. (A task past its hard time limit fails; it is not put back.)
REPEATABLE = {"acks_late": True, "reject_on_worker_lost": True}

# The open context of each running task, by task id (a worker thread runs one task at a time,
# and the postrun signal closes what the prerun signal opened).
_task_contexts: dict[str, pghistory.context] = {}


@worker_init.connect(dispatch_uid="rpo_worker_application_role")
@worker_process_init.connect(dispatch_uid="rpo_worker_process_application_role")
def _worker_application_role(**_) -> None:
    """A worker serves tenants: its database work runs as the application role, with no
    tenant until a task names one (each task sets the engagements it works on)."""
    tenant_db.use_application_role()


@task_prerun.connect(dispatch_uid="rpo_audit_task_context")
def _task_context_open(task_id=None, task=None, **_) -> None:
    # Every task starts with no tenant: nothing a task before it left on the connection.
    tenant_db.clear_job_tenant()
    context = pghistory.context(job=task.name, task_id=task_id)
    context.__enter__()
    _task_contexts[task_id] = context


@task_postrun.connect(dispatch_uid="rpo_audit_task_context")
def _task_context_close(task_id=None, **_) -> None:
    context = _task_contexts.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)


def command_job_name(command: BaseCommand) -> str:
    return "manage.py " + type(command).__module__.rsplit(".", 1)[-1]


class JobCommand(BaseCommand):
    """The base of every management command: what it changes is recorded as its job, and it
    runs as the application role with its tenant (row-level security, rpo_portal/tenant_db.py):
    the parties of the engagement given with `--engagement`, or every organization for a
    command over every engagement.

    A command that acts as the people it names (the demo loader) sets `audit_as_job = False`:
    pghistory merges nested contexts into the outermost one, so inside a job's context every
    change would carry the last person named. An operator's command that provisions tenants
    or works on the database itself (creating organizations and engagements, the demo, backup
    and restore) sets `runs_as_owner = True`.
    """

    audit_as_job = True
    runs_as_owner = False

    def execute(self, *args, **options):
        if self.runs_as_owner:
            return self._execute_audited(*args, **options)
        with tenant_db.command_tenant(options.get("engagement")):
            return self._execute_audited(*args, **options)

    def _execute_audited(self, *args, **options):
        if not self.audit_as_job:
            return super().execute(*args, **options)
        with pghistory.context(job=command_job_name(self)):
            return super().execute(*args, **options)
