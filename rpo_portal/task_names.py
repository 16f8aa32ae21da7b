"""Celery tasks found by their registered name.

A service enqueues its own app's task through this, so the service module never imports the
task module (which imports the service): the pair has no cycle, and the name is the one the
beat schedule and queued messages already use.
"""

from __future__ import annotations

from celery import current_app


def task_named(name: str):
    """The registered task `name` (e.g. "kpis.tasks.recompute_engagement_metrics").

    A worker imports every app's `tasks` module at start; another process (a request, a
    command) may not have imported this one yet, so it runs the same autodiscovery first.
    """
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]
