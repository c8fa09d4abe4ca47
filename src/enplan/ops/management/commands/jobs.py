"""`enplan jobs`: the periodic jobs, their intervals (after ENPLAN_JOB_SCHEDULES), when each is
due next and how its runs ended so far."""

from django.core.management.base import BaseCommand

from enplan.core import jobs
from enplan.ops.models import JobOutcome, JobSchedule


class Command(BaseCommand):
    help = "List the periodic jobs the worker runs: interval, next run, outcomes so far."

    def handle(self, *args, **options):
        due = dict(JobSchedule.objects.values_list("name", "next_run_at"))
        outcomes: dict[str, list[str]] = {}
        for job, outcome, n in JobOutcome.objects.order_by("outcome").values_list(
            "job", "outcome", "count"
        ):
            outcomes.setdefault(job, []).append(f"{outcome} {n}")
        for name, job in sorted(jobs.registered().items()):
            interval = job.interval()
            every = f"every {interval} s" if interval > 0 else "off"
            nxt = due[name].isoformat(timespec="seconds") if name in due else "-"
            ran = ", ".join(outcomes.get(name, [])) or "never run"
            self.stdout.write(f"{name:<24} {every:<16} next {nxt:<26} {ran}  – {job.description}")
