"""gunicorn settings, from the environment (see README, Configuration).

Connections: every worker thread holds at most one persistent database
connection (CONN_MAX_AGE). The seed's pool limits map onto threads: a worker
runs DB_POOL_SIZE threads, so it holds at most DB_POOL_SIZE connections; the
server sees at most GUNICORN_WORKERS x DB_POOL_SIZE. Requests beyond that wait
in gunicorn's queue, at most DB_MAX_OVERFLOW per worker beyond the pool
(gthread's worker_connections), like a pool's overflow waiting for a connection.
"""
import gc
import multiprocessing
import os


def _int(name, default):
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# gunicorn's own rule of thumb (2 x cores + 1): the work is CPU-bound under
# the GIL, so processes, not threads, use the cores (README, Performance).
# Each worker holds up to DB_POOL_SIZE connections: on a many-core host set
# GUNICORN_WORKERS so that workers x DB_POOL_SIZE stays below max_connections.
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = _int("DB_POOL_SIZE", 5)
worker_connections = threads + _int("DB_MAX_OVERFLOW", 10)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 20
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
accesslog = None  # the app logs one line per request itself (with its request id)
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def post_worker_init(worker):
    """Move everything the worker has loaded (Django, the app, the URL conf) out
    of the garbage collector's reach: it lives as long as the worker, and
    scanning it again in every full collection showed as p99 latency."""
    gc.freeze()
