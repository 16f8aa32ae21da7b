"""The action item's vocabulary, shared by the apps that keep action items and those that
track them: reviews keeps the log (`reviews.ActionItem`); sla links the corrective actions of
a breach to items of that log and waits for them to finish. It lives below both, so neither
needs the other's code for it (the model stays in reviews, with its table and history)."""

from django.db import models


class ActionItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS)
