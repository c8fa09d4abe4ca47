import datetime
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from enplan.audit.context import command_context
from enplan.audit.export import csv_lines, rows
from enplan.audit.models import Action
from enplan.audit.services import record


class Command(BaseCommand):
    help = "Write the audit log as CSV (for the data protection officer) to stdout or --out."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="YYYY-MM-DD (inclusive)")
        parser.add_argument("--until", help="YYYY-MM-DD (exclusive)")
        parser.add_argument("--citizen", help="only entries about this citizen (uuid)")
        parser.add_argument("--out", help="file to write; default stdout")

    def handle(self, since, until, citizen, out, **options):
        def day(value):
            if not value:
                return None
            d = parse_date(value)
            if d is None:
                raise CommandError(f"Not a date (YYYY-MM-DD): {value}")
            return datetime.datetime.combine(d, datetime.time(), tzinfo=datetime.UTC)

        with command_context("audit_export"):
            record(None, None, Action.EXPORT, ("audit_log", ""), since=since, until=until)
        stream = open(out, "w", newline="", encoding="utf-8") if out else sys.stdout  # noqa: SIM115
        try:
            for line in csv_lines(rows(day(since), day(until), citizen)):
                stream.write(line)
        finally:
            if out:
                stream.close()
