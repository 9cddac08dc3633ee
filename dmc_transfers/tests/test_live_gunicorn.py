"""The API's rules hold when served as in production: gunicorn, DEBUG=false, WhiteNoise."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from knox.models import AuthToken

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name=None, port=None):
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ":"
    return f"mysql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{port or db['PORT'] or 3306}/{name or db['NAME']}"


def production_env(static_root, database):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_DATABASE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="dmc_transfers.settings",
        DEBUG="false",
        SECRET_KEY="live-test-" + "k" * 60,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database,
        STATIC_ROOT=str(static_root),
    )
    return env


def call(base, path, method="GET", body=None, headers=None):
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class Gunicorn:
    def __init__(self, env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "dmc_transfers.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--threads", "2"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        for _ in range(300):  # wait until it listens (or died)
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.process.stderr.close()


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    env = production_env(root, "mysql://unused@127.0.0.1:1/unused")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    return root


@pytest.fixture
def server(static_root):
    gunicorn = Gunicorn(production_env(static_root, database_url()))
    yield gunicorn
    gunicorn.stop()


def assert_problem(status_headers_body, status, code):
    got, headers, body = status_headers_body
    assert got == status, body
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["code"] == code
    return headers


def test_api_rules_under_gunicorn_with_debug_off(server, make_user):
    user = make_user("agency-live", role="integrators")
    _, key = AuthToken.objects.create(user=user, expiry=None)
    auth = {"Authorization": f"Token {key}"}
    base = server.base

    status, headers, body = call(base, "/healthz", headers={"X-Request-ID": "live-1"})
    assert (status, json.loads(body), headers["X-Request-ID"]) == (200, {"status": "ok", "database": "ok"}, "live-1")
    assert assert_problem(call(base, "/vehicles"), 401, "not_authenticated")["WWW-Authenticate"] == "Token"
    assert call(base, "/vehicles", headers=auth)[0] == 200
    assert_problem(call(base, "/vehicles", headers={**auth, "Accept": "text/html"}), 406, "not_acceptable")
    assert_problem(call(base, "/no/such/path", headers=auth), 404, "not_found")
    assert_problem(call(base, "/vehicles/1", "DELETE", headers=auth), 405, "method_not_allowed")
    json_headers = {**auth, "Content-Type": "application/json"}
    assert_problem(call(base, "/transfers", "POST", b'{"bad": ', json_headers), 400, "validation_error")
    assert_problem(call(base, "/transfers", "POST", b"x" * 70000, json_headers), 413, "payload_too_large")
    assert_problem(call(base, "/transfers", "POST", b"a=1", {**auth, "Content-Type": "text/plain"}), 415,
                   "unsupported_media_type")
    assert call(base, "/admin/login/")[1]["Content-Type"].startswith("text/html")


def test_docs_and_every_asset_load_from_this_service(server):
    status, headers, page = call(server.base, "/docs")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    html = page.decode()
    assets = [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png",
    ]
    for asset in assets:
        assert asset in html
        assert call(server.base, asset)[0] == 200, asset
    status, _, schema = call(server.base, "/openapi.json")
    assert status == 200 and "/transfers/{id}/status" in json.loads(schema)["paths"]


def test_database_down_is_503_with_retry_after(static_root):
    closed = free_port()  # nothing listens there
    server = Gunicorn(production_env(static_root, database_url(port=closed)))
    try:
        headers = assert_problem(call(server.base, "/healthz"), 503, "service_unavailable")
        assert headers["Retry-After"].isdigit()
        headers = assert_problem(call(server.base, "/vehicles", headers={"Authorization": "Token " + "a" * 64}), 503,
                                 "service_unavailable")
        assert headers["Retry-After"].isdigit() and headers["X-Request-ID"]
    finally:
        server.stop()
