"""Profile one benchmark path in process, with production settings (DEBUG off).

Runs the same request `bench/national.py` sends, through Django's WSGI handler and
middleware (no network), under cProfile, and prints where the time goes: wall and CPU per
request, queries per request, and the functions with the most own and cumulative time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/enplan_national \\
        .venv/bin/python bench/profile_path.py "plan page" [--rounds 200] [--top 30]

Like the benchmark it writes to the database (sessions, tokens, audit rows, messages):
point it at generated data only.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", help="a path name from bench/national.py (a substring will do)")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument("--queries", action="store_true", help="list one request's queries")
    parser.add_argument("--time-only", action="store_true", help="time without the profiler")
    args = parser.parse_args()

    from bench import national

    os.environ.update({k: v for k, v in national.server_env().items() if k not in os.environ})
    os.environ["DJANGO_SETTINGS_MODULE"] = "enplan.settings.production"
    os.environ["ALLOWED_HOSTS"] += ",testserver"  # Django's test client's host name
    import django

    django.setup()
    from django.db import connection

    [path] = [p for p in national.PATHS if args.path in p.name][:1] or [None]
    if path is None:
        raise SystemExit(f"no path matches {args.path!r}: {[p.name for p in national.PATHS]}")
    [subject] = national.pick_subjects(1)
    client = national.DjangoClient()
    kw = {"messages": national.Messages(random.Random(7))} if "receive" in path.name else {}
    rng = random.Random(3)
    for _ in range(args.warmup):
        status = path.app(client, subject, rng, **kw)
        if not 200 <= status < 300:
            raise SystemExit(f"{path.name}: HTTP {status}")

    queries: list[tuple[str, float]] = []

    def timed(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((sql, time.perf_counter() - t))

    profile = cProfile.Profile()
    with connection.execute_wrapper(timed):
        wall, cpu = time.perf_counter(), time.process_time()
        if not args.time_only:
            profile.enable()
        for _ in range(args.rounds):
            path.app(client, subject, rng, **kw)
        profile.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    sql_ms = sum(t for _sql, t in queries) * 1000
    n = args.rounds
    print(f"{path.name}: {n} requests in process")
    print(
        f"  wall {wall / n * 1000:.2f} ms, CPU {cpu / n * 1000:.2f} ms, "
        f"{len(queries) / n:.1f} queries ({sql_ms / n:.2f} ms) per request"
    )
    if args.queries:
        for sql, t in queries[-len(queries) // n :]:
            print(f"  {t * 1000:6.2f} ms  {sql[:160]}")
    if args.time_only:
        return
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
