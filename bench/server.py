"""The service under test: gunicorn in its own process, configured as in production."""
import os
import runpy
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Production's defaults (gunicorn.conf.py, settings.py) unless these say otherwise.
OVERRIDES = {
    "BENCH_WORKERS": "GUNICORN_WORKERS",
    "BENCH_THREADS": "DB_POOL_SIZE",
    "BENCH_WORKER_CLASS": "GUNICORN_WORKER_CLASS",
    "BENCH_LOG_LEVEL": "LOG_LEVEL",
}


# Never a 429 here, yet the throttle still runs. Per second, not per minute:
# DRF's throttle kept a timestamp per request of the period, and a minute of
# benchmark load (24,000 of them) would cost 0.6 ms a request to copy
# through the cache, a cost no real rate limit has.
UNTHROTTLED = {"THROTTLE_RATE_INTEGRATOR": "1000000/s", "THROTTLE_RATE_COORDINATOR": "1000000/s"}


def effective_config(env):
    """What gunicorn.conf.py makes of ``env``: workers, threads, worker class, log level."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {"workers": conf["workers"], "threads": conf["threads"], "worker_class": conf["worker_class"],
            "log_level": env.get("LOG_LEVEL", "INFO").upper()}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(database_url, port):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_DATABASE", "GUNICORN_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="dmc_transfers.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url,
        **UNTHROTTLED,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        STATIC_ROOT=os.environ["STATIC_ROOT"],  # the harness's empty folder
    )
    # The harness's own LOG_LEVEL is not the service's.
    env.pop("LOG_LEVEL", None)
    env.update({target: os.environ[name] for name, target in OVERRIDES.items() if name in os.environ})
    return env


class Service:
    """``with Service(...) as base_url:`` gunicorn listening on a free local port."""

    def __init__(self, database_url, log_path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = service_env(database_url, self.port)
        self.config = effective_config(self.env)
        self.log_path = log_path

    def __enter__(self):
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "dmc_transfers.wsgi"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {self.log_path}")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()

    def worker_pids(self):
        """The master's children: the workers."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.append(int(stat.parent.name))
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
        return found

    def worker_rss_mb(self):
        """Resident memory of each worker, in MiB."""
        rss = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue  # gone meanwhile
            kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            rss.append(round(kb / 1024, 1))
        return sorted(rss)
