"""python -m bench: the benchmark of issue 7 (README, Performance).

Loads the standard data set into BENCH_DATABASE_URL (reused when there),
starts gunicorn, drives each scenario with wrk at each concurrency, measures
the database floor and writes latest.md and latest.json.
"""
import argparse
import json
import logging
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench.server import UNTHROTTLED

DEFAULT_DATABASE = "mysql://root:@127.0.0.1:3306/dmc_bench"
RESULTS = Path(__file__).resolve().parent / "results"
README = Path(__file__).resolve().parent.parent / "README.md"


def positive(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of requests, 1 or more, not {text!r}")
    return value


def arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for latest.md/latest.json (bench/results)")
    parser.add_argument("--seconds", type=int, default=10, help="per scenario and concurrency (10)")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated connection counts (1,8,32)")
    parser.add_argument("--floor-seconds", type=int, default=5, help="per database floor measurement (5)")
    parser.add_argument("--vehicles", type=int, default=1000)
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", help="comma-separated scenario names (all)")
    parser.add_argument("--in-process", type=positive, metavar="N",
                        help="no load: CPU per request of N requests per scenario through the app in this process "
                             "and of the database server, to compare two versions of the code (bench/inprocess.py); "
                             "prints a table, writes no results")
    return parser.parse_args(argv)


def configure_django(database_url):
    """This process reads and prepares data with the app's own code, like the service would."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="dmc_transfers.settings",
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        **UNTHROTTLED,  # requests in this process too (--in-process)
        # No static files are served here: an empty folder keeps WhiteNoise quiet.
        STATIC_ROOT=tempfile.mkdtemp(prefix="bench-static-"),
    )
    for name in [n for n in os.environ if n.startswith("TEST_DATABASE")]:
        del os.environ[name]
    import django

    django.setup()
    # The request log line is the service's; this process only counts statements.
    logging.getLogger("dmc_transfers.requests").setLevel(logging.WARNING)


def create_database(database_url):
    import environ
    import MySQLdb

    db = environ.Env.db_url_config(database_url)
    conn = MySQLdb.connect(host=db["HOST"] or "127.0.0.1", port=int(db["PORT"] or 3306), user=db["USER"],
                           password=db["PASSWORD"])
    conn.cursor().execute(
        f"CREATE DATABASE IF NOT EXISTS `{db['NAME']}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    )
    conn.close()


def stop_on_signal(signum, frame):
    """SIGTERM and SIGHUP (a timeout, a closed terminal) end the run as an exception does, so it stops
    gunicorn and puts the server's settings back (Python skips ``finally`` on an unhandled signal)."""
    raise SystemExit(128 + signum)


def main(argv=None):
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop_on_signal)
    args = arguments(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    create_database(database_url)
    configure_django(database_url)
    from bench.run import Run

    started = time.monotonic()
    try:
        Run(args, database_url).execute()
    finally:
        shutil.rmtree(os.environ["STATIC_ROOT"], ignore_errors=True)  # empty: nothing to look into
    if args.out.resolve() == RESULTS and args.in_process is None:
        # The committed results: README's Latest results follow them (never a partial run's --out).
        from bench.report import update_readme

        update_readme(README, json.loads((RESULTS / "latest.json").read_text()))
    written = "" if args.in_process is not None else f": {args.out / 'latest.md'}"
    print(f"Done in {time.monotonic() - started:.0f} s{written}", file=sys.stderr)


if __name__ == "__main__":
    main()
