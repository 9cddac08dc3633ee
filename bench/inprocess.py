"""``--in-process N``: what one request costs, for comparing two versions of the code.

A full run measures throughput, which these shared hosts move by tens of per
cent between runs (README, Performance); a change worth a few per cent shows
in what a request costs instead. Each scenario's requests go through the
service's own WSGI handler in this process (its middleware, settings and
per-request connection check, as a gunicorn worker runs them, without
gunicorn and the network), and the CPU time of this process and of the
database server (``/proc``) is divided by the requests: the median of
three rounds of N, each with its own fresh lines, after one warm-up request.
"""
import io
import itertools
import statistics
import time

from django.core.handlers.wsgi import WSGIHandler

from bench import cpu

ROUNDS = 3


def wsgi_environ(line, token):
    # Built as a server would, with the request's own fields only: the test client's environ (its
    # payload wrapper, its cookie jar) cost /healthz 0.03 ms a request more, 8 %.
    method, target, key, body = line
    path, _, query = target.partition("?")
    data = (body or "").encode()
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(data),
        "wsgi.errors": io.StringIO(), "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/json",
        "HTTP_ACCEPT": "application/json", "HTTP_AUTHORIZATION": f"Token {token}",
    }
    if key:
        environ["HTTP_IDEMPOTENCY_KEY"] = key
    return environ


def serve(app, line, token):
    """One request through ``app``; its body, read and closed as a server would. Refuses a non-2xx."""
    statuses = []
    response = app(wsgi_environ(line, token), lambda status, headers: statuses.append(status))
    try:
        body = b"".join(response)
    finally:
        response.close()
    if not statuses[0].startswith("2"):
        raise SystemExit(f"{line[0]} {line[1]} answered {statuses[0]}: {body[:300]!r}")


def cpu_seconds_now(database_pid):
    server = cpu.cpu_seconds(database_pid) if database_pid else None
    return time.process_time(), server


def measure(run, scenario, count, database_pid):
    """CPU ms per request of ``scenario``: this process's and the database server's (``None``: not local)."""
    app = WSGIHandler()
    rounds = []
    for _ in range(ROUNDS):
        # Read scenarios cycle through their lines; the others get fresh ones, used once.
        lines = list(itertools.islice(itertools.cycle(run.lines(scenario, count + 1)), count + 1))
        serve(app, lines[0], run.token)  # warm: connection, caches
        app_before, db_before = cpu_seconds_now(database_pid)
        for line in lines[1:]:
            serve(app, line, run.token)
        app_after, db_after = cpu_seconds_now(database_pid)
        database = None if db_before is None else (db_after - db_before) * 1000 / count
        rounds.append(((app_after - app_before) * 1000 / count, database))
    app_ms = statistics.median(r[0] for r in rounds)
    database_ms = None if rounds[0][1] is None else statistics.median(r[1] for r in rounds)
    return {"scenario": scenario.name, "requests": count, "rounds": ROUNDS, "app_ms": app_ms,
            "database_ms": database_ms}


def table(results):
    """The results as text, each total also as a multiple of ``/healthz``'s when it was measured."""
    totals = {r["scenario"]: r["app_ms"] + (r["database_ms"] or 0) for r in results}
    floor = totals.get("healthz")
    lines = [f"{'scenario':<20} {'app ms':>8} {'database ms':>12} {'total ms':>9} {'x healthz':>10}"]
    for r in results:
        database = "-" if r["database_ms"] is None else f"{r['database_ms']:.3f}"
        times = f"{totals[r['scenario']] / floor:.2f}" if floor else "-"
        lines.append(f"{r['scenario']:<20} {r['app_ms']:8.3f} {database:>12} {totals[r['scenario']]:9.3f} {times:>10}")
    return "\n".join(lines)
