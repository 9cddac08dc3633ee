"""The cross-cutting rules of API.md: auth, negotiation, body limits, problem+json, request ids."""
import datetime as dt
import logging

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from dmc_transfers import problems
from dmc_transfers.tests.api_fixtures import assert_problem
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

PROTECTED = [("get", "/vehicles"), ("post", "/vehicles"), ("get", "/vehicles/1"), ("get", "/availability"),
             ("get", "/transfers"), ("post", "/transfers"), ("get", "/transfers/1"), ("patch", "/transfers/1/status")]


@pytest.mark.parametrize("method,path", PROTECTED)
def test_no_credentials_is_401_with_www_authenticate(api, method, path):
    response = getattr(api(), method)(path)
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Token nope", "Token", "Token a b", "token " + "f" * 64, "Token \xe9\xe9"])
def test_bad_credentials_are_401(header):
    client = APIClient()
    response = client.get("/vehicles", HTTP_AUTHORIZATION=header)
    assert_problem(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"


def test_inactive_user_key_is_401(api, integrator):
    client = api(integrator)
    integrator.is_active = False
    integrator.save()
    assert_problem(client.get("/vehicles"), 401, "authentication_failed")


def test_expired_key_is_401_and_removed(api, integrator):
    import datetime as dt

    from django.utils import timezone
    from knox.models import AuthToken

    client = api(integrator)
    AuthToken.objects.filter(user=integrator).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert_problem(client.get("/vehicles"), 401, "authentication_failed")
    assert not AuthToken.objects.filter(user=integrator).exists()


def test_a_valid_key_costs_one_query(api, integrator, django_assert_num_queries):
    from dmc_transfers.authentication import ApiKeyAuthentication

    key = api(integrator)._credentials["HTTP_AUTHORIZATION"].split()[1]
    with django_assert_num_queries(1):  # the key with its user; no sweep of the user's other keys
        user, _ = ApiKeyAuthentication().authenticate_credentials(key.encode())
    assert user == integrator


def test_only_a_digest_of_the_key_is_stored(api, integrator):
    from knox.models import AuthToken

    client = api(integrator)
    key = client._credentials["HTTP_AUTHORIZATION"].split()[1]
    token = AuthToken.objects.get(user=integrator)
    assert key not in (token.digest, token.token_key) and token.expiry is None


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "image/png"])
def test_accept_without_json_is_406(integrator_api, accept):
    assert_problem(integrator_api.get("/vehicles", HTTP_ACCEPT=accept), 406, "not_acceptable")


@pytest.mark.parametrize("accept", ["application/json", "*/*", "application/*", "text/html, application/json;q=0.5"])
def test_accept_with_json_is_fine(integrator_api, accept):
    assert integrator_api.get("/vehicles", HTTP_ACCEPT=accept).status_code == 200


def test_body_over_64_kib_is_413(coordinator_api):
    response = coordinator_api.post("/transfers", '{"notes": "' + "x" * 65536 + '"}', content_type="application/json")
    assert_problem(response, 413, "payload_too_large")


def test_body_of_64_kib_is_read(coordinator_api):
    raw = '{"notes": "' + "x" * (65536 - 13) + '"}'
    assert len(raw) == 65536
    data = assert_problem(coordinator_api.post("/transfers", raw, content_type="application/json"), 400)
    assert "notes" in data["errors"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_other_content_types_are_415(coordinator_api, content_type):
    response = coordinator_api.post("/vehicles", "plate=AB", content_type=content_type)
    assert_problem(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("raw", ['{"plate": ', "[1, 2", "NaN", '{"a": 1}}', b"\xff\xfe"])
def test_malformed_json_is_400(coordinator_api, raw):
    data = assert_problem(coordinator_api.post("/vehicles", raw, content_type="application/json"), 400,
                          "validation_error")
    assert "Malformed JSON" in data["errors"]["non_field_errors"][0]


def test_json_that_is_not_an_object_is_400(coordinator_api):
    data = assert_problem(coordinator_api.post("/vehicles", "[1]", content_type="application/json"), 400)
    assert list(data["errors"]) == ["non_field_errors"]


@pytest.mark.parametrize("method,path", [("delete", "/vehicles/1"), ("put", "/transfers/1"),
                                         ("get", "/transfers/1/status"), ("patch", "/vehicles"), ("post", "/healthz")])
def test_wrong_method_is_405(coordinator_api, method, path):
    VehicleFactory()
    assert_problem(getattr(coordinator_api, method)(path), 405, "method_not_allowed")


@pytest.mark.parametrize("path", ["/nope", "/vehicles/", "/transfers/1/other", "/static/missing.js"])
def test_unknown_paths_are_problem_404s(coordinator_api, path):
    assert_problem(coordinator_api.get(path), 404, "not_found")


def test_admin_keeps_its_html_pages(client, make_user):
    client.force_login(make_user("boss", is_staff=True, is_superuser=True))
    response = client.get("/admin/nope/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_request_id_is_echoed(integrator_api):
    response = integrator_api.get("/vehicles", HTTP_X_REQUEST_ID="abc-123 / retry 2")
    assert response["X-Request-ID"] == "abc-123 / retry 2"


@pytest.mark.parametrize("sent", [None, "", "x" * 129, "bad\tid", "caf\u00e9"])
def test_request_id_is_generated_when_missing_or_unusable(api, sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}
    response = api().get("/healthz", **headers)
    assert response["X-Request-ID"] != sent and 0 < len(response["X-Request-ID"]) <= 128


def test_errors_carry_a_request_id_too(api):
    assert api().get("/vehicles", HTTP_X_REQUEST_ID="r-1")["X-Request-ID"] == "r-1"
    assert api().get("/nope", HTTP_X_REQUEST_ID="r-2")["X-Request-ID"] == "r-2"


def test_one_log_line_per_request_without_passenger_data(integrator_api, integrator, caplog):
    vehicle = VehicleFactory()
    body = {"vehicle_id": vehicle.id, "pickup_time": (timezone.now() + dt.timedelta(days=3)).isoformat(), "pax_count": 1, "passenger_name": "Zelda Q",
            "pickup_location": "PMI", "dropoff_location": "Palma", "passenger_email": "zq@example.com"}
    with caplog.at_level(logging.INFO, logger="dmc_transfers.requests"):
        integrator_api.post("/transfers?x=Zelda", body, format="json", HTTP_X_REQUEST_ID="log-1")
    [line] = [r.getMessage() for r in caplog.records if r.name == "dmc_transfers.requests"]
    assert line.startswith("method=POST path=/transfers status=201 duration_ms=")
    assert line.endswith(f"request_id=log-1 user_id={integrator.pk}")
    assert "Zelda" not in caplog.text and "zq@" not in caplog.text


def test_healthz_is_public_and_ignores_bad_credentials():
    response = APIClient().get("/healthz", HTTP_AUTHORIZATION="Token wrong")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


def test_database_errors_are_503_with_retry_after():
    request = RequestFactory().get("/vehicles")
    response = problems.exception_handler(OperationalError(2003, "Can't connect"), {"request": request})
    assert response.status_code == 503 and response["Retry-After"].isdigit()
    assert response.data["code"] == "service_unavailable"


def test_django_server_errors_are_problems_on_api_paths_and_html_in_the_admin():
    factory = RequestFactory()
    try:
        raise OperationalError(2006, "MySQL server has gone away")
    except OperationalError:
        db_down = problems.server_error(factory.get("/transfers"))
        admin_db_down = problems.server_error(factory.get("/admin/"))
    try:
        raise ZeroDivisionError
    except ZeroDivisionError:
        crash = problems.server_error(factory.get("/transfers"))
        admin = problems.server_error(factory.get("/admin/"))
    assert db_down.status_code == 503 and db_down["Retry-After"].isdigit()
    assert crash.status_code == 500 and crash["Content-Type"] == problems.PROBLEM_CONTENT_TYPE
    assert b"Traceback" not in crash.content and admin["Content-Type"].startswith("text/html")
    assert admin_db_down["Content-Type"].startswith("text/html")


def test_a_lock_wait_or_deadlock_is_a_503_that_says_so():
    request = RequestFactory().get("/transfers")
    for code in (1205, 1213):
        response = problems.exception_handler(OperationalError(code, "Lock wait timeout"), {"request": request})
        assert response.status_code == 503 and response["Retry-After"].isdigit()
        assert response.data["detail"].startswith("What this request needs is held by another one")


def test_unexpected_view_errors_are_500_problems_without_traceback(caplog):
    request = RequestFactory().get("/vehicles")
    request.request_id = "crash-1"
    response = problems.exception_handler(KeyError("secret"), {"request": request})
    assert response.status_code == 500 and response.data["code"] == "server_error"
    assert "secret" not in str(response.data) and "crash-1" in caplog.text


def test_roles_come_with_the_key_and_other_groups_grant_nothing(api, make_user, django_assert_num_queries):
    from django.contrib.auth.models import Group

    from dmc_transfers.authentication import ApiKeyAuthentication

    dispatchers = Group.objects.create(name="dispatchers")
    both = make_user("both", role="integrators")
    both.groups.add(dispatchers, Group.objects.get(name="coordinators"))
    only_other = make_user("only-other")
    only_other.groups.add(dispatchers)
    for user, roles in ((both, {"integrators", "coordinators"}), (only_other, set())):
        key = api(user)._credentials["HTTP_AUTHORIZATION"].split()[1]
        with django_assert_num_queries(1):  # the key, its user and the user's roles
            found, _ = ApiKeyAuthentication().authenticate_credentials(key.encode())
        assert found == user and found._api_roles == roles
    assert_problem(api(only_other).get("/vehicles"), 403, "permission_denied")
