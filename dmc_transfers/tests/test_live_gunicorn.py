"""The API's rules hold when served as in production: gunicorn, DEBUG=false, WhiteNoise."""
import json

import pytest
from knox.models import AuthToken

from dmc_transfers.tests.live_service import Gunicorn, call, database_url, free_port, production_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(static_root):
    with Gunicorn(production_env(static_root, database_url())) as gunicorn:
        yield gunicorn


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
    with Gunicorn(production_env(static_root, database_url(port=closed))) as server:
        headers = assert_problem(call(server.base, "/healthz"), 503, "service_unavailable")
        assert headers["Retry-After"].isdigit()
        headers = assert_problem(call(server.base, "/vehicles", headers={"Authorization": "Token " + "a" * 64}), 503,
                                 "service_unavailable")
        assert headers["Retry-After"].isdigit() and headers["X-Request-ID"]


def post_chunked(base, path, body, headers):
    """POST with ``Transfer-Encoding: chunked`` and no Content-Length."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        chunks = (body[i : i + 4096] for i in range(0, len(body), 4096))
        connection.request("POST", path, body=chunks, headers=headers, encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_chunked_bodies_are_read_and_limited(server, make_user):
    user = make_user("ops-live", role="coordinators")
    _, key = AuthToken.objects.create(user=user, expiry=None)
    headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
    vehicle = json.dumps({"plate": "chunk-1", "vehicle_type": "VAN", "capacity": 7}).encode()
    status, _, body = post_chunked(server.base, "/vehicles", vehicle, headers)
    assert (status, json.loads(body)["plate"]) == (201, "CHUNK-1")
    too_big = json.dumps({"plate": "chunk-2", "notes": "x" * 70_000}).encode()
    assert_problem(post_chunked(server.base, "/vehicles", too_big, headers), 413, "payload_too_large")
    many = "&".join(["a="] * 1100)  # over DATA_UPLOAD_MAX_NUMBER_FIELDS, under gunicorn's line limit
    assert_problem(call(server.base, f"/vehicles?{many}", headers=headers), 400, "validation_error")
