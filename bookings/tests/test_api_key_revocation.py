"""A rotated or revoked key, a deactivated user or a changed role takes effect at once, on every
endpoint, for a client already using its key: with MariaDB's query cache off (the server's default)
and on as README recommends, where the key lookup's answer is kept until a write to its tables commits.

The changes commit, as in production: a change still inside the test's transaction would keep the
query cache out of the tables it touched, and test nothing of it.
"""
import threading
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from bookings.models import Transfer
from bookings.roles import INTEGRATORS
from bookings.tests.test_api_bad_input import row_counts
from dmc_transfers.tests.api_fixtures import ConformingClient, assert_problem
from dmc_transfers.tests.server_globals import global_value, server_globals_turn, set_global
from dmc_transfers.tests.test_api_errors import PROTECTED

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


@pytest.fixture(params=["OFF", "DEMAND"], autouse=True)
def query_cache(request, django_db_blocker):
    """The server's ``query_cache_type`` for the test, put back afterwards; ``OFF`` where there is none (MySQL).

    A session takes the global value when it connects: ``set_global`` closes
    the connection, so the test's starts with this value and the next test's
    with the server's own.
    """
    with django_db_blocker.unblock(), server_globals_turn():
        before = global_value("query_cache_type")
        if before is None:
            yield "OFF"
            return
        set_global("query_cache_type", request.param)
        try:
            yield request.param
        finally:
            set_global("query_cache_type", before)


def query_cache_hits():
    return int(global_value("Qcache_hits", scope="STATUS") or 0)


def create_api_client(*args):
    out = StringIO()
    call_command("create_api_client", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def client_with(key):
    client = ConformingClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_locked_out(client, vehicle):
    before = row_counts()
    for method, path in PROTECTED:
        body = {"vehicle_id": vehicle.id, "status": "CANCELLED"} if method in ("post", "patch") else None
        response = getattr(client, method)(path, body, format="json")
        assert_problem(response, 401, "authentication_failed")
        assert response["WWW-Authenticate"] == "Token"
    assert row_counts() == before


@pytest.fixture
def body(vehicle, at):
    return {"vehicle_id": vehicle.id, "pickup_time": at().isoformat(), "pax_count": 1, "passenger_name": "Ada",
            "pickup_location": "PMI", "dropoff_location": "Palma"}


def test_rotated_key_fails_at_once_and_the_new_one_works(vehicle, body):
    old = client_with(create_api_client("agency-q", "--role", "integrator"))
    assert old.post("/transfers", body, format="json").status_code == 201
    new = client_with(create_api_client("agency-q", "--rotate"))
    assert_locked_out(old, vehicle)
    assert new.get("/transfers").json()["count"] == 1


def test_revoked_key_fails_at_once_and_the_data_stays(vehicle, body):
    client = client_with(create_api_client("agency-q", "--role", "integrator"))
    assert client.post("/transfers", body, format="json").status_code == 201
    create_api_client("agency-q", "--revoke")
    assert_locked_out(client, vehicle)
    assert Transfer.objects.filter(created_by__username="agency-q").count() == 1


def test_a_key_revoked_by_another_process_fails_at_once(vehicle, body):
    client = client_with(create_api_client("agency-q", "--role", "integrator"))
    assert client.post("/transfers", body, format="json").status_code == 201
    in_another_session(create_api_client, "agency-q", "--revoke")  # as manage.py would, on its own connection
    assert_locked_out(client, vehicle)


def in_another_session(work, *args):
    """``work(*args)`` in a thread of its own: Django gives it a connection, and a server session, of its own."""
    failures = []

    def run():
        try:
            work(*args)
        except Exception as exc:  # the test's thread reports it
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive() and not failures, failures


def test_a_deactivated_user_is_locked_out_at_once(vehicle, body):
    client = client_with(create_api_client("agency-q", "--role", "integrator"))
    assert client.post("/transfers", body, format="json").status_code == 201
    get_user_model().objects.filter(username="agency-q").update(is_active=False)
    assert_locked_out(client, vehicle)


def test_a_changed_role_applies_at_once(vehicle):
    client = client_with(create_api_client("desk-q", "--role", "coordinator"))
    new_vehicle = {"plate": "PM-0001-QC", "vehicle_type": "VAN", "capacity": 4}
    assert client.post("/vehicles", new_vehicle, format="json").status_code == 201
    get_user_model().objects.get(username="desk-q").groups.set([Group.objects.get(name=INTEGRATORS)])
    assert_problem(client.post("/vehicles", {**new_vehicle, "plate": "PM-0002-QC"}, format="json"), 403,
                   "permission_denied")


def test_the_key_lookup_is_answered_from_the_query_cache_when_it_is_on(query_cache):
    client = client_with(create_api_client("agency-q", "--role", "integrator"))
    assert client.get("/transfers").status_code == 200  # the first lookup fills the cache
    hits = query_cache_hits()
    assert client.get("/transfers").status_code == 200
    assert query_cache_hits() - hits == (1 if query_cache == "DEMAND" else 0)
