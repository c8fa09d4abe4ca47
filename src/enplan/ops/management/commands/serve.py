"""`enplan serve`: the web process for production, gunicorn with enplan.ops.gunicorn_conf."""

import os
import shutil
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Serve enplan for production with gunicorn (ENPLAN_BIND, WEB_CONCURRENCY, "
        "GUNICORN_TIMEOUT, …; see docs/deploy.md). Refuses to start without SECRET_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", help="address:port (default ENPLAN_BIND or 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, help="processes (default WEB_CONCURRENCY)")

    def handle(self, *args, bind, workers, **options):
        if not os.environ.get("SECRET_KEY") or not settings.SECRET_KEY:
            raise CommandError("Refusing to serve: set the SECRET_KEY environment variable.")
        if settings.DEBUG:
            raise CommandError("Refusing to serve with DEBUG on: unset DEBUG.")
        env = dict(os.environ)
        env["DJANGO_SETTINGS_MODULE"] = os.environ["DJANGO_SETTINGS_MODULE"]
        # The web processes share their metrics through files; a fresh directory per start,
        # since samples of processes from a previous run would count twice.
        metrics_dir = env.get("PROMETHEUS_MULTIPROC_DIR")
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
            Path(metrics_dir).mkdir(parents=True, exist_ok=True)
        else:
            env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="enplan-metrics-")
        if bind:
            env["ENPLAN_BIND"] = bind
        if workers:
            env["WEB_CONCURRENCY"] = str(workers)
        src = str(Path(__file__).resolve().parents[4])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:enplan.ops.gunicorn_conf",
            "enplan.wsgi:application",
        ]
        sys.stdout.flush()
        os.execve(sys.executable, argv, env)  # noqa: S606 - our interpreter, fixed arguments
