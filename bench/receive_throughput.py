"""Receive throughput of MedCom CareCommunication, in process (parse, validate, store, ack).

Receives the official receiving examples (tests/fixtures/medcom/Bundle-R-*) over and over,
each time as a new message (fresh Bundle.id, MessageHeader.id and communication identifier),
and prints messages/s for the JSON and the XML examples separately.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/enplan_bench .venv/bin/python \\
        bench/receive_throughput.py [--rounds 30]

Without DATABASE_URL it uses SQLite in var/bench-receive.sqlite3. The database is migrated
and gets the example organisations and test patient; the messages it stores stay there.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enplan.settings.test")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-receive.sqlite3'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from enplan.messaging import fhir
    from enplan.messaging.partners import ensure_example_organisations
    from enplan.messaging.receiving import receive

    (ROOT / "var").mkdir(exist_ok=True)
    call_command("migrate", verbosity=0)
    orgs = ensure_example_organisations()
    # Receipt runs as a message integration, as through the API and the drop-folder command.
    from enplan.messaging.models import MessageIntegration

    integration = MessageIntegration.objects.filter(name="bench receive").first()
    if integration is None:
        integration, _key = MessageIntegration.issue("bench receive", list(orgs))
    examples = sorted((ROOT / "tests" / "fixtures" / "medcom").glob("Bundle-R-*"))
    templates = []
    for path in examples:
        data = path.read_bytes()
        cc, _bundle = fhir.parse(data, "xml" if path.suffix == ".xml" else "json")
        ids = [cc.bundle_id, cc.header_id, cc.communication_id.removeprefix("urn:uuid:")]
        templates.append((path.suffix.lstrip("."), path.name, data, ids, len(data)))

    print(f"database: {connection.vendor}, rounds: {args.rounds}, examples: {len(templates)}")
    results: dict[str, list[float]] = {"json": [], "xml": []}
    sizes: dict[str, int] = {"json": 0, "xml": 0}
    for _round in range(args.rounds):
        for fmt, name, data, ids, size in templates:
            fresh = data
            for old in ids:
                fresh = fresh.replace(old.encode(), str(uuid.uuid4()).encode())
            t0 = time.perf_counter()
            result = receive(
                fresh,
                f"application/fhir+{fmt}",
                channel="bench",
                source=name,
                integration=integration,
            )
            results[fmt].append(time.perf_counter() - t0)
            sizes[fmt] += size
            if result.outcome != "accepted":
                raise SystemExit(f"{name}: {result.outcome} {result.reason}")
    print(f"{'format':<6} {'messages':>8} {'median ms':>10} {'p95 ms':>8} {'msg/s':>8} {'MB/s':>6}")
    for fmt, times in results.items():
        total = sum(times)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(
            f"{fmt:<6} {len(times):>8} {statistics.median(times) * 1000:>10.2f} "
            f"{p95 * 1000:>8.2f} {len(times) / total:>8.1f} {sizes[fmt] / total / 1e6:>6.2f}"
        )


if __name__ == "__main__":
    main()
