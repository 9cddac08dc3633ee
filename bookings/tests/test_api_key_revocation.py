"""A rotated or revoked key stops working at once, on every endpoint, for a client already using it."""
from io import StringIO

import pytest
from django.core.management import call_command

from bookings.models import Transfer
from bookings.tests.test_api_bad_input import row_counts
from dmc_transfers.tests.api_fixtures import ConformingClient, assert_problem
from dmc_transfers.tests.test_api_errors import PROTECTED

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


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
