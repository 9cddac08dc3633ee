"""The service as production runs it, for tests: gunicorn, DEBUG=false, over real HTTP.

``Gunicorn(env)`` starts one on a free loopback port and waits until it
listens; ``production_env`` is the environment it gets (the test database,
no TLS redirect, throttling far out of the way); ``call`` is a plain HTTP
request that returns ``(status, headers, body)`` whatever the status.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)

# Throttling protects production from floods; these tests are the flood.
UNTHROTTLED = {"THROTTLE_RATE_INTEGRATOR": "1000000/min", "THROTTLE_RATE_COORDINATOR": "1000000/min"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name=None, port=None, user=None, password=None, **options):
    """The test database's URL, or one like it (another port, user or mysqlclient options)."""
    db = connection.settings_dict
    user = user or db["USER"]
    password = db["PASSWORD"] if password is None else password
    url = f"mysql://{quote(user)}:{quote(password)}@{db['HOST'] or '127.0.0.1'}:{port or db['PORT'] or 3306}/"
    url += name or db["NAME"]
    return f"{url}?{urlencode(options)}" if options else url


def production_env(static_root, database, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_DATABASE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="dmc_transfers.settings",
        DEBUG="false",
        SECRET_KEY="live-test-" + "k" * 60,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database,
        STATIC_ROOT=str(static_root),
        **UNTHROTTLED,
    )
    env.update(extra)
    return env


def collect_static(root):
    env = production_env(root, "mysql://unused@127.0.0.1:1/unused")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def call(base, path, method="GET", body=None, headers=None, timeout=30):
    """One request; ``body`` may be bytes or a JSON-able value (sent as JSON)."""
    headers = dict(headers or {})
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


class Gunicorn:
    """gunicorn serving this project on a free loopback port; its log goes to a file."""

    def __init__(self, env, *, workers=1, threads=2):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # A file, not a pipe: a busy server's request log would fill a pipe and block it.
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "dmc_transfers.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--threads", str(threads)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self._log,
        )
        for _ in range(300):  # wait until it listens (or died)
            if self.process.poll() is not None:
                raise RuntimeError(self.log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def log(self):
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()
        self._log.close()
