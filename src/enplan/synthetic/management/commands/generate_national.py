import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from enplan.synthetic import national
from enplan.synthetic.bulkload import CopySink, OrmSink


class Command(BaseCommand):
    help = (
        "Generate a national-scale fictitious dataset (issue 5) into the configured database: "
        "COPY on PostgreSQL, bulk_create elsewhere. Empties every enplan table first, so it "
        "refuses a database with data unless --replace is given. Use a database of its own, "
        "e.g. DATABASE_URL=postgres://…/enplan_national."
    )

    def add_arguments(self, parser):
        d = national.Scale()
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--citizens", type=int, default=d.citizens)
        parser.add_argument("--professionals", type=int, default=d.professionals)
        parser.add_argument("--audit", type=int, default=d.audit, help="audit rows")
        parser.add_argument("--messages", type=int, default=d.messages)
        parser.add_argument("--municipalities", type=int, default=d.municipalities)
        parser.add_argument(
            "--versions", type=float, default=d.versions, help="plan versions per plan (mean)"
        )
        parser.add_argument("--no-seal", action="store_true", help="leave the audit unsealed")
        parser.add_argument("--tiny", action="store_true", help="a few rows of every kind")
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, help="date the data is relative to"
        )
        parser.add_argument("--replace", action="store_true", help="empty a non-empty database")
        parser.add_argument("--orm", action="store_true", help="bulk_create even on PostgreSQL")
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="load with indexes and constraints in place (default: drop and rebuild them "
            "around the load on PostgreSQL)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **o):
        connection = connections[o["database"]]
        if o["tiny"]:
            scale = national.Scale.tiny()
        else:
            if not 1 <= o["municipalities"] <= 98:
                raise CommandError("--municipalities is between 1 and 98.")
            scale = national.Scale(
                citizens=o["citizens"],
                professionals=o["professionals"],
                audit=o["audit"],
                messages=o["messages"],
                municipalities=o["municipalities"],
                versions=max(1.0, o["versions"]),
                seal=not o["no_seal"],
            )
        from enplan.citizens.models import Citizen
        from enplan.organisations.models import Organisation

        if not o["replace"] and (
            Citizen.objects.using(connection.alias).exists()
            or Organisation.objects.using(connection.alias).exists()
        ):
            raise CommandError(
                f"Database {connection.settings_dict['NAME']} has data; --replace empties it."
            )
        cleared = national.cleared_models()
        if connection.vendor == "postgresql" and not o["orm"]:
            sink = CopySink(
                connection,
                clear=cleared,
                rebuild_indexes=not o["keep_indexes"],
                out=self.stdout.write,
            )
        else:
            sink = OrmSink(connection, clear=cleared)
        today = o["today"] or timezone.localdate()
        self.stdout.write(
            f"Generating into {connection.vendor} database {connection.settings_dict['NAME']} "
            f"with {type(sink).__name__}: {scale} seed={o['seed']} today={today}"
        )
        started = time.monotonic()
        with transaction.atomic(using=connection.alias):
            counts = national.generate(
                scale, seed=o["seed"], today=today, sink=sink, out=self.stdout.write
            )
        elapsed = time.monotonic() - started
        width = max(len(t) for t in counts)
        for table, rows in counts.items():
            self.stdout.write(f"  {table:<{width}} {rows:>12,}")
        self.stdout.write(self.style.SUCCESS(f"{sum(counts.values()):,} rows in {elapsed:.0f} s"))
