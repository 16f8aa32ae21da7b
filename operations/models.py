from django.db import models


class ScheduledRun(models.Model):
    """One firing of a scheduled job: the beat that claims (job, slot) first sends it.

    Two beat schedulers (a second one started by mistake, or two during a rolling deploy)
    compute the same slot for a job; the unique key lets only one of them send it.
    """

    job = models.CharField(max_length=100, help_text="The CELERY_BEAT_SCHEDULE entry.")
    slot = models.DateTimeField(help_text="When the job was due (UTC).")
    task = models.CharField(max_length=200)
    sent_at = models.DateTimeField(auto_now_add=True)
    sent_by = models.CharField(max_length=200, help_text="Host and process of the scheduler.")

    class Meta:
        ordering = ["-slot", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.job} at {self.slot:%Y-%m-%d %H:%M}"
