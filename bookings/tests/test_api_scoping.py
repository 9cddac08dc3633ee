"""Integrators see only their own transfers: another integrator's is a 404 or absent
on every transfer endpoint, never a 403, and nothing of it leaks."""
import pytest

from bookings.models import IdempotencyRecord, Transfer, TransferStatusHistory
from dmc_transfers.tests.api_fixtures import PROBLEM_KEYS, assert_problem

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

THEIR_NAME = "Ingrid Theirs"
KEY = "agency-y-booking-1"


@pytest.fixture
def their_body(vehicle, at):
    return {
        "vehicle_id": vehicle.id, "pickup_time": at().isoformat(), "pax_count": 2, "passenger_name": THEIR_NAME,
        "passenger_email": "ingrid@agency-y.example", "pickup_location": "PMI", "dropoff_location": "Palma",
        "client_reference": "REF-1",
    }


@pytest.fixture
def theirs(other_api, their_body):
    """agency-y's transfer, booked with an Idempotency-Key."""
    response = other_api.post("/transfers", their_body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert response.status_code == 201
    return Transfer.objects.get(pk=response.json()["id"])


@pytest.fixture
def mine(integrator_api, their_body, at):
    body = {**their_body, "passenger_name": "Mine", "client_reference": "MINE-1", "pickup_time": at(days=1).isoformat()}
    return integrator_api.post("/transfers", body, format="json").json()["id"]


def assert_hidden(response):
    data = assert_problem(response, 404, "not_found")
    assert THEIR_NAME not in response.content.decode() and "REF-1" not in response.content.decode()
    return data


@pytest.mark.parametrize("path", ["/transfers/{id}", "/transfers/{id}/"])
def test_detail_is_a_404(integrator_api, theirs, path):
    assert_hidden(integrator_api.get(path.format(id=theirs.id)))


@pytest.mark.parametrize(
    "body",
    [
        {"status": "CANCELLED"},
        {"status": "CONFIRMED", "driver_name": "Marta"},  # on their own transfer this would be a 403
        {"status": "IN_PROGRESS", "driver_name": "Marta"},
        {"status": "COMPLETED"},
        {"status": "PENDING"},
        {"status": "NOPE"},  # on their own transfer this would be a 400
        {},
    ],
)
def test_status_change_is_a_404_and_changes_nothing(integrator_api, theirs, body):
    history = TransferStatusHistory.objects.count()
    assert_hidden(integrator_api.patch(f"/transfers/{theirs.id}/status", body, format="json"))
    theirs.refresh_from_db()
    assert theirs.status == "PENDING" and TransferStatusHistory.objects.count() == history


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"date": "{day}"},
        {"status": "PENDING"},
        {"status": "PENDING,CONFIRMED,CANCELLED"},
        {"vehicle_id": "{vehicle}"},
        {"client_reference": "REF-1"},
        {"date": "{day}", "status": "PENDING", "vehicle_id": "{vehicle}", "client_reference": "REF-1"},
        {"page_size": "1000", "page": "1"},
    ],
)
def test_lists_never_show_it_whatever_the_filter(integrator_api, theirs, mine, query):
    values = {"day": theirs.pickup_time.date().isoformat(), "vehicle": theirs.vehicle_id}
    params = {name: value.format(**values) for name, value in query.items()}
    response = integrator_api.get("/transfers", params)
    assert response.status_code == 200
    ids = [t["id"] for t in response.json()["results"]]
    assert theirs.id not in ids and THEIR_NAME not in response.content.decode()
    assert response.json()["count"] == len(ids) <= 1


def test_their_idempotency_key_and_body_replay_nothing_of_theirs(integrator_api, theirs, their_body):
    response = integrator_api.post("/transfers", their_body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert response.json()["id"] != theirs.id
    assert Transfer.objects.get(pk=response.json()["id"]).created_by.username == "agency-x"


def test_their_idempotency_key_with_another_body_is_not_a_409(integrator_api, theirs, their_body):
    # idempotency_key_reused would tell that the key is in use elsewhere.
    other_body = {**their_body, "client_reference": "REF-2", "pax_count": 1}
    response = integrator_api.post("/transfers", other_body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert IdempotencyRecord.objects.filter(key=KEY).count() == 2


def test_their_client_reference_is_free_for_me(integrator_api, theirs, their_body, at):
    response = integrator_api.post("/transfers", {**their_body, "pickup_time": at(days=2).isoformat()}, format="json")
    assert response.status_code == 201 and response.json()["client_reference"] == "REF-1"


def test_a_vehicle_busy_with_their_transfer_tells_nothing_about_it(integrator_api, coordinator_api, theirs, their_body):
    coordinator_api.patch(f"/transfers/{theirs.id}/status", {"status": "CONFIRMED"}, format="json")
    response = integrator_api.post("/transfers", {**their_body, "client_reference": "MINE-9"}, format="json")
    data = assert_problem(response, 409, "vehicle_unavailable")
    assert set(data) == PROBLEM_KEYS and data["detail"].startswith(f"Vehicle {theirs.vehicle_id} is already booked")
    assert THEIR_NAME not in response.content.decode() and "REF-1" not in response.content.decode()


def test_coordinators_see_everyones(coordinator_api, theirs, mine):
    assert coordinator_api.get(f"/transfers/{theirs.id}").status_code == 200
    assert {t["id"] for t in coordinator_api.get("/transfers").json()["results"]} == {theirs.id, mine}
