"""What the worker keeps about itself: who is alive (heartbeats), when each periodic job is
due next, and how many runs ended how (the metrics read these at scrape time, so the web
processes and the workers need not share memory)."""

from django.db import models


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"


class JobSchedule(models.Model):
    """One row per periodic job: claiming a due row (locked, skipped by the other workers)
    and enqueuing the run happen in one transaction, so one period gives one run."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.name


class JobOutcome(models.Model):
    """Runs per job and outcome, counted up by the workers (a Prometheus counter)."""

    job = models.CharField(max_length=100)
    outcome = models.CharField(max_length=20)
    count = models.BigIntegerField(default=0)
    last_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "outcome"], name="ops_joboutcome_job_outcome")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.outcome}: {self.count}"
