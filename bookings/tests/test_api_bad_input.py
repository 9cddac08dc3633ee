"""Bad input, endpoint by endpoint, as one table.

Every row is either a clear 4xx problem (API.md's status and code, naming the
field or query parameter) or accepted safely; never a 5xx. A refused write
changes no row anywhere. Responses are also checked against /openapi.json by
the ``api`` clients.
"""
import pytest
from django.contrib.auth import get_user_model

from bookings.models import IdempotencyRecord, Transfer, TransferStatusHistory
from bookings.tests.factories import TransferFactory
from dmc_transfers.tests.api_fixtures import assert_problem
from fleet.models import Vehicle
from fleet.tests.factories import VehicleFactory
from notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

HUGE = 10**30
LONG = "x" * 10_000
SQL = "' OR 1=1 --"
MEGABYTE = 1024 * 1024
# Beyond the Basic Multilingual Plane (4-byte UTF-8): MySQL needs utf8mb4 for these.
NON_BMP = "Zoë 🚐 𝔘𝔫𝔦 👩‍👩‍👧 ✈️"

TABLES = (Vehicle, Transfer, TransferStatusHistory, IdempotencyRecord, Notification, get_user_model())


def row_counts():
    return {model.__name__: model.objects.count() for model in TABLES}


def case(method, path, *, status, errors=(), body=None, raw=None, query="", id):
    """One row: ``body`` is merged into the endpoint's valid body; ``raw`` is sent as is."""
    return pytest.param(method, path, body, raw, query, status, set(errors), id=id)


def list_and_detail_cases(collection, detail):
    """What every paginated list and detail path must take: pages, page sizes, ids, unknown parameters."""
    name = collection.strip("/")
    return [
        case("get", collection, query=f"page={HUGE}", status=404, id=f"{name}-page-huge"),
        case("get", collection, query="page=0", status=400, errors=["page"], id=f"{name}-page-zero"),
        case("get", collection, query="page=-1", status=400, errors=["page"], id=f"{name}-page-negative"),
        case("get", collection, query="page=", status=400, errors=["page"], id=f"{name}-page-empty"),
        case("get", collection, query=f"page_size={10**9}", status=200, id=f"{name}-page-size-10**9"),
        case("get", collection, query=f"page_size={HUGE}", status=200, id=f"{name}-page-size-huge"),
        case("get", collection, query="page_size=abc", status=400, errors=["page_size"], id=f"{name}-page-size-word"),
        case("get", collection, query="page_size=1e3", status=400, errors=["page_size"], id=f"{name}-page-size-1e3"),
        case("get", collection, query="foo=bar&ordering=-id&format=xml", status=200, id=f"{name}-unknown-parameters"),
        case("get", detail, query="expand=all&format=xml", status=200, id=f"{name}-detail-unknown-parameters"),
        case("get", f"{collection}/{HUGE}", status=404, id=f"{name}-id-huge"),
        case("get", f"{collection}/-1", status=404, id=f"{name}-id-negative"),
        case("get", f"{collection}/0", status=404, id=f"{name}-id-zero"),
        case("get", f"{collection}/abc", status=404, id=f"{name}-id-word"),
        case("get", f"{collection}/1%27%20OR%201=1", status=404, id=f"{name}-id-sql"),
    ]


VEHICLE_POSTS = [
    case("post", "/vehicles", raw='{"plate": ', status=400, errors=["non_field_errors"], id="vehicle-malformed-json"),
    case("post", "/vehicles", raw='{"plate": "AB-1",}', status=400, errors=["non_field_errors"], id="vehicle-trailing-comma"),
    case("post", "/vehicles", raw="[]", status=400, errors=["non_field_errors"], id="vehicle-array-body"),
    case("post", "/vehicles", raw='"VAN"', status=400, errors=["non_field_errors"], id="vehicle-string-body"),
    case("post", "/vehicles", raw="null", status=400, errors=["non_field_errors"], id="vehicle-null-body"),
    case("post", "/vehicles", raw="", status=400, errors=["plate", "vehicle_type", "capacity"], id="vehicle-empty-body"),
    case("post", "/vehicles", body={"capacity": "seven"}, status=400, errors=["capacity"], id="capacity-word"),
    case("post", "/vehicles", body={"capacity": 7.5}, status=400, errors=["capacity"], id="capacity-fraction"),
    case("post", "/vehicles", body={"capacity": True}, status=400, errors=["capacity"], id="capacity-bool"),
    case("post", "/vehicles", body={"capacity": [7]}, status=400, errors=["capacity"], id="capacity-list"),
    case("post", "/vehicles", body={"capacity": None}, status=400, errors=["capacity"], id="capacity-null"),
    case("post", "/vehicles", body={"capacity": ""}, status=400, errors=["capacity"], id="capacity-empty"),
    case("post", "/vehicles", body={"capacity": -1}, status=400, errors=["capacity"], id="capacity-negative"),
    case("post", "/vehicles", body={"capacity": HUGE}, status=400, errors=["capacity"], id="capacity-huge"),
    case("post", "/vehicles", body={"capacity": 2**64}, status=400, errors=["capacity"], id="capacity-2**64"),
    case("post", "/vehicles", body={"capacity": LONG}, status=400, errors=["capacity"], id="capacity-long-string"),
    case("post", "/vehicles", body={"plate": None}, status=400, errors=["plate"], id="plate-null"),
    case("post", "/vehicles", body={"plate": ""}, status=400, errors=["plate"], id="plate-empty"),
    case("post", "/vehicles", body={"plate": "   "}, status=400, errors=["plate"], id="plate-blank"),
    case("post", "/vehicles", body={"plate": LONG}, status=400, errors=["plate"], id="plate-10000-chars"),
    case("post", "/vehicles", body={"plate": {"$gt": ""}}, status=400, errors=["plate"], id="plate-object"),
    case("post", "/vehicles", body={"plate": "AB\u0000-1"}, status=400, errors=["plate"], id="plate-nul-char"),
    case("post", "/vehicles", raw='{"plate": "\\ud800", "vehicle_type": "VAN", "capacity": 7}', status=400,
         errors=["non_field_errors"], id="plate-lone-surrogate"),
    case("post", "/vehicles", body={"vehicle_type": "van"}, status=400, errors=["vehicle_type"], id="type-lower-case"),
    case("post", "/vehicles", body={"vehicle_type": None}, status=400, errors=["vehicle_type"], id="type-null"),
    case("post", "/vehicles", body={"vehicle_type": SQL}, status=400, errors=["vehicle_type"], id="type-sql"),
    case("post", "/vehicles", body={"is_active": "maybe"}, status=400, errors=["is_active"], id="is-active-maybe"),
    case("post", "/vehicles", body={"is_active": None}, status=400, errors=["is_active"], id="is-active-null"),
    case("post", "/vehicles", raw='{"notes": "' + "x" * MEGABYTE + '"}', status=413, id="vehicle-1-mb-body"),
    case("post", "/vehicles", body={"plate": SQL}, status=201, id="plate-sql-stored-verbatim"),
    case("post", "/vehicles", body={"plate": "🚐-1"}, status=201, id="plate-non-bmp"),
    case("post", "/vehicles", body={"colour": "red", "id": HUGE}, status=201, id="vehicle-unknown-fields-ignored"),
]

VEHICLE_READS = list_and_detail_cases("/vehicles", "/vehicles/{vehicle}") + [
    case("get", "/vehicles", query="is_active=maybe", status=400, errors=["is_active"], id="vehicles-is-active-maybe"),
    case("get", "/vehicles", query="vehicle_type=van", status=400, errors=["vehicle_type"], id="vehicles-type-lower"),
    case("get", "/vehicles", query=f"vehicle_type={SQL}", status=400, errors=["vehicle_type"], id="vehicles-type-sql"),
    case("get", "/vehicles", query="min_capacity=abc", status=400, errors=["min_capacity"], id="vehicles-capacity-word"),
    case("get", "/vehicles", query="min_capacity=1.5", status=400, errors=["min_capacity"], id="vehicles-capacity-fraction"),
    case("get", "/vehicles", query=f"min_capacity={HUGE}", status=400, errors=["min_capacity"], id="vehicles-capacity-huge"),
    case("get", "/vehicles", query=f"min_capacity=-{HUGE}", status=400, errors=["min_capacity"],
         id="vehicles-capacity-negative-huge"),
    case("get", "/vehicles", query=f"min_capacity={LONG}", status=400, errors=["min_capacity"], id="vehicles-capacity-10000"),
]

AVAILABILITY = "date=2030-01-01&pickup_time=10:00&pax_count=2"
AVAILABILITY_READS = [
    case("get", "/availability", query="date=0000-01-01&pickup_time=10:00&pax_count=2", status=400, errors=["date"],
         id="availability-year-0"),
    case("get", "/availability", query="date=9999-12-31&pickup_time=23:59&pax_count=2", status=400,
         errors=["date", "pickup_time"], id="availability-year-9999"),
    case("get", "/availability", query="date=0001-01-01&pickup_time=00:00&pax_count=2", status=400,
         errors=["date", "pickup_time"], id="availability-year-1"),
    case("get", "/availability", query="date=&pickup_time=&pax_count=", status=400,
         errors=["date", "pickup_time", "pax_count"], id="availability-empty"),
    case("get", "/availability", query=f"date={LONG}&pickup_time={LONG}&pax_count={LONG}", status=400,
         errors=["date", "pickup_time", "pax_count"], id="availability-10000-chars"),
    case("get", "/availability", query=f"date=2030-01-01&pickup_time=10:00&pax_count={HUGE}", status=400,
         errors=["pax_count"], id="availability-pax-huge"),
    case("get", "/availability", query="date=2030-01-01&pickup_time=10:00&pax_count=-3", status=400,
         errors=["pax_count"], id="availability-pax-negative"),
    case("get", "/availability", query="date=2030-01-01&pickup_time=24:00&pax_count=2", status=400,
         errors=["pickup_time"], id="availability-hour-24"),
    case("get", "/availability", query=f"date={SQL}&pickup_time=10:00&pax_count=2", status=400, errors=["date"],
         id="availability-sql"),
    case("get", "/availability", query="date=2030-01-01T10:00&pickup_time=10:00&pax_count=2", status=400,
         errors=["date"], id="availability-datetime-as-date"),
]

TRANSFER_POSTS = [
    case("post", "/transfers", raw='{"vehicle_id": 1', status=400, errors=["non_field_errors"], id="transfer-malformed-json"),
    case("post", "/transfers", raw="[{}]", status=400, errors=["non_field_errors"], id="transfer-array-body"),
    case("post", "/transfers", raw="42", status=400, errors=["non_field_errors"], id="transfer-number-body"),
    case("post", "/transfers", raw='{"pax_count": 1e400}', status=400, errors=["non_field_errors"],
         id="transfer-infinite-number"),
    case("post", "/transfers", raw='{"passenger_name": "\\udc00"}', status=400, errors=["non_field_errors"],
         id="name-lone-surrogate"),
    case("post", "/transfers", raw=b'{"passenger_name": "\xff"}', status=400, errors=["non_field_errors"],
         id="name-invalid-utf8"),
    case("post", "/transfers", raw='{"notes": "' + "x" * MEGABYTE + '"}', status=413, id="transfer-1-mb-body"),
    case("post", "/transfers", body={"vehicle_id": "abc"}, status=400, errors=["vehicle_id"], id="vehicle-id-word"),
    case("post", "/transfers", body={"vehicle_id": None}, status=400, errors=["vehicle_id"], id="vehicle-id-null"),
    case("post", "/transfers", body={"vehicle_id": ""}, status=400, errors=["vehicle_id"], id="vehicle-id-empty"),
    case("post", "/transfers", body={"vehicle_id": -1}, status=400, errors=["vehicle_id"], id="vehicle-id-negative"),
    case("post", "/transfers", body={"vehicle_id": HUGE}, status=400, errors=["vehicle_id"], id="vehicle-id-huge"),
    case("post", "/transfers", body={"vehicle_id": 2**63}, status=400, errors=["vehicle_id"], id="vehicle-id-2**63"),
    case("post", "/transfers", body={"vehicle_id": 1.5}, status=400, errors=["vehicle_id"], id="vehicle-id-fraction"),
    case("post", "/transfers", body={"vehicle_id": SQL}, status=400, errors=["vehicle_id"], id="vehicle-id-sql"),
    case("post", "/transfers", body={"pax_count": 0}, status=400, errors=["pax_count"], id="pax-zero"),
    case("post", "/transfers", body={"pax_count": -HUGE}, status=400, errors=["pax_count"], id="pax-negative-huge"),
    case("post", "/transfers", body={"pax_count": HUGE}, status=400, errors=["pax_count"], id="pax-huge"),
    case("post", "/transfers", body={"pax_count": "3 people"}, status=400, errors=["pax_count"], id="pax-words"),
    case("post", "/transfers", body={"pax_count": None}, status=400, errors=["pax_count"], id="pax-null"),
    case("post", "/transfers", body={"pickup_time": "0000-01-01"}, status=400, errors=["pickup_time"], id="pickup-year-0"),
    case("post", "/transfers", body={"pickup_time": "9999-12-31"}, status=400, errors=["pickup_time"], id="pickup-9999-date"),
    case("post", "/transfers", body={"pickup_time": "9999-12-31T23:59:59+14:00"}, status=400, errors=["pickup_time"],
         id="pickup-9999-plus-14"),
    case("post", "/transfers", body={"pickup_time": "9999-12-31T23:59:59-12:00"}, status=400, errors=["pickup_time"],
         id="pickup-9999-minus-12"),
    case("post", "/transfers", body={"pickup_time": "0001-01-01T00:00:00-12:00"}, status=400, errors=["pickup_time"],
         id="pickup-year-1-minus-12"),
    case("post", "/transfers", body={"pickup_time": "0001-01-01T00:00:00+14:00"}, status=400, errors=["pickup_time"],
         id="pickup-year-1-plus-14"),
    case("post", "/transfers", body={"pickup_time": "0001-01-01T00:00:00"}, status=400, errors=["pickup_time"],
         id="pickup-year-1-naive"),
    case("post", "/transfers", body={"pickup_time": "2030-02-30T10:00"}, status=400, errors=["pickup_time"],
         id="pickup-february-30"),
    case("post", "/transfers", body={"pickup_time": 1893456000}, status=400, errors=["pickup_time"], id="pickup-epoch"),
    case("post", "/transfers", body={"pickup_time": ""}, status=400, errors=["pickup_time"], id="pickup-empty"),
    case("post", "/transfers", body={"pickup_time": None}, status=400, errors=["pickup_time"], id="pickup-null"),
    case("post", "/transfers", body={"pickup_time": LONG}, status=400, errors=["pickup_time"], id="pickup-10000-chars"),
    case("post", "/transfers", body={"passenger_name": None}, status=400, errors=["passenger_name"], id="name-null"),
    case("post", "/transfers", body={"passenger_name": ""}, status=400, errors=["passenger_name"], id="name-empty"),
    case("post", "/transfers", body={"passenger_name": " \t "}, status=400, errors=["passenger_name"], id="name-blank"),
    case("post", "/transfers", body={"passenger_name": LONG}, status=400, errors=["passenger_name"], id="name-10000"),
    case("post", "/transfers", body={"passenger_name": "👩" * 201}, status=400, errors=["passenger_name"],
         id="name-201-non-bmp"),
    case("post", "/transfers", body={"passenger_name": ["Ada"]}, status=400, errors=["passenger_name"], id="name-list"),
    case("post", "/transfers", body={"passenger_name": "Ada\u0000"}, status=400, errors=["passenger_name"],
         id="name-nul-char"),
    case("post", "/transfers", body={"passenger_email": "zq@@example"}, status=400, errors=["passenger_email"],
         id="email-malformed"),
    case("post", "/transfers", body={"passenger_email": SQL}, status=400, errors=["passenger_email"], id="email-sql"),
    case("post", "/transfers", body={"passenger_email": "a@" + LONG + ".com"}, status=400,
         errors=["passenger_email"], id="email-10000"),
    case("post", "/transfers", body={"passenger_phone": LONG}, status=400, errors=["passenger_phone"], id="phone-10000"),
    case("post", "/transfers", body={"pickup_location": None}, status=400, errors=["pickup_location"],
         id="pickup-location-null"),
    case("post", "/transfers", body={"dropoff_location": LONG}, status=400, errors=["dropoff_location"],
         id="dropoff-10000"),
    case("post", "/transfers", body={"flight_number": LONG}, status=400, errors=["flight_number"], id="flight-10000"),
    case("post", "/transfers", body={"flight_number": 3456}, status=400, errors=["flight_number"], id="flight-number"),
    case("post", "/transfers", body={"client_reference": LONG}, status=400, errors=["client_reference"],
         id="reference-10000"),
    case("post", "/transfers", body={"notes": LONG}, status=400, errors=["notes"], id="notes-10000"),
    case("post", "/transfers", body={"estimated_duration_minutes": 0}, status=400,
         errors=["estimated_duration_minutes"], id="duration-zero"),
    case("post", "/transfers", body={"estimated_duration_minutes": HUGE}, status=400,
         errors=["estimated_duration_minutes"], id="duration-huge"),
    case("post", "/transfers", body={"estimated_duration_minutes": "long"}, status=400,
         errors=["estimated_duration_minutes"], id="duration-word"),
    case("post", "/transfers", body={"passenger_name": SQL, "client_reference": SQL, "notes": SQL}, status=201,
         id="sql-text-stored-verbatim"),
    case("post", "/transfers", body={"passenger_name": NON_BMP, "notes": NON_BMP}, status=201, id="non-bmp-text"),
    case("post", "/transfers", body={"passenger_email": None, "passenger_phone": "", "notes": None}, status=201,
         id="optional-null-or-empty"),
    case("post", "/transfers", body={"loyalty": "gold", "created_by": 1, "is_superuser": True}, status=201,
         id="transfer-unknown-fields-ignored"),
]

TRANSFER_READS = list_and_detail_cases("/transfers", "/transfers/{transfer}") + [
    case("get", "/transfers", query="date=0000-01-01", status=400, errors=["date"], id="transfers-date-year-0"),
    case("get", "/transfers", query="date=9999-12-31", status=200, id="transfers-date-9999-12-31"),
    case("get", "/transfers", query="date=0001-01-01", status=200, id="transfers-date-0001-01-01"),
    case("get", "/transfers", query="date=2030-02-30", status=400, errors=["date"], id="transfers-date-february-30"),
    case("get", "/transfers", query=f"date={LONG}", status=400, errors=["date"], id="transfers-date-10000"),
    case("get", "/transfers", query="status=pending", status=400, errors=["status"], id="transfers-status-lower"),
    case("get", "/transfers", query="status=PENDING,DONE", status=400, errors=["status"], id="transfers-status-one-bad"),
    case("get", "/transfers", query=f"status={SQL}", status=400, errors=["status"], id="transfers-status-sql"),
    case("get", "/transfers", query="vehicle_id=abc", status=400, errors=["vehicle_id"], id="transfers-vehicle-word"),
    case("get", "/transfers", query=f"vehicle_id={HUGE}", status=200, id="transfers-vehicle-huge"),
    case("get", "/transfers", query="vehicle_id=-1", status=200, id="transfers-vehicle-negative"),
    case("get", "/transfers", query=f"client_reference={LONG}", status=200, id="transfers-reference-10000"),
    case("get", "/transfers", query="client_reference=%27%20OR%201%3D1%20--", status=200, id="transfers-reference-sql"),
]

STATUS_PATCHES = [
    case("patch", "/transfers/{transfer}/status", raw='{"status": ', status=400, errors=["non_field_errors"],
         id="status-malformed-json"),
    case("patch", "/transfers/{transfer}/status", raw='"CANCELLED"', status=400, errors=["non_field_errors"],
         id="status-string-body"),
    case("patch", "/transfers/{transfer}/status", raw="", status=400, errors=["status"], id="status-empty-body"),
    case("patch", "/transfers/{transfer}/status", body={"status": None}, status=400, errors=["status"], id="status-null"),
    case("patch", "/transfers/{transfer}/status", body={"status": ""}, status=400, errors=["status"], id="status-empty"),
    case("patch", "/transfers/{transfer}/status", body={"status": "cancelled"}, status=400, errors=["status"],
         id="status-lower-case"),
    case("patch", "/transfers/{transfer}/status", body={"status": LONG}, status=400, errors=["status"],
         id="status-10000"),
    case("patch", "/transfers/{transfer}/status", body={"status": 4}, status=400, errors=["status"], id="status-number"),
    case("patch", "/transfers/{transfer}/status", body={"status": ["CANCELLED"]}, status=400, errors=["status"],
         id="status-list"),
    case("patch", "/transfers/{transfer}/status", body={"status": SQL}, status=400, errors=["status"], id="status-sql"),
    case("patch", "/transfers/{transfer}/status", body={"status": "CANCELLED", "note": LONG}, status=400,
         errors=["note"], id="note-10000"),
    case("patch", "/transfers/{transfer}/status", body={"status": "CANCELLED", "note": ["x"]}, status=400,
         errors=["note"], id="note-list"),
    case("patch", "/transfers/{transfer}/status", raw='{"status": "CANCELLED", "note": "' + "x" * MEGABYTE + '"}',
         status=413, id="status-1-mb-body"),
    case("patch", f"/transfers/{HUGE}/status", body={"status": "CANCELLED"}, status=404, id="status-id-huge"),
    case("patch", "/transfers/{transfer}/status", body={"status": "CANCELLED", "note": NON_BMP + SQL}, status=200,
         id="note-non-bmp-and-sql"),
    case("patch", "/transfers/{transfer}/status", body={"status": "CANCELLED", "note": None, "driver_name": None},
         status=200, id="optional-nulls"),
    case("patch", "/transfers/{transfer}/status", body={"status": "CANCELLED", "changed_by": "boss", "extra": 1},
         status=200, id="status-unknown-fields-ignored"),
]

COORDINATOR_STATUS_PATCHES = [
    case("patch", "/transfers/{transfer}/status", body={"status": "CONFIRMED", "driver_name": LONG}, status=400,
         errors=["driver_name"], id="driver-10000"),
    case("patch", "/transfers/{transfer}/status", body={"status": "CONFIRMED", "driver_name": 42}, status=200,
         id="driver-number-as-text"),
]


@pytest.fixture
def targets(integrator, at):
    vehicle = VehicleFactory(capacity=7)
    transfer = TransferFactory(vehicle=vehicle, created_by=integrator, pickup_time=at(days=1))
    valid = {
        "/vehicles": {"plate": "PM-1234", "vehicle_type": "VAN", "capacity": 7},
        "/transfers": {
            "vehicle_id": vehicle.id, "pickup_time": at().isoformat(), "pax_count": 3, "passenger_name": "Ada Lovelace",
            "pickup_location": "PMI Terminal A", "dropoff_location": "Hotel Sol, Palma",
        },
        "status": {"status": "CANCELLED"},
    }
    return {"vehicle": vehicle.id, "transfer": transfer.id}, valid


def send(client, targets, method, path, body, raw, query):
    ids, valid = targets
    url = path.format(**ids) + (f"?{query}" if query else "")
    if raw is not None:
        return getattr(client, method)(url, raw, content_type="application/json")
    if method in ("post", "patch"):
        base = valid["status"] if path.endswith("/status") else valid[path]
        return getattr(client, method)(url, {**base, **body}, format="json")
    return client.get(url)


def check(response, status, errors, before):
    assert response.status_code == status, response.content[:500]
    if status >= 400:
        data = assert_problem(response, status)
        if status == 400:
            assert data["code"] == "validation_error" and set(data["errors"]) == errors, data
        assert row_counts() == before, "a refused request wrote something"


@pytest.mark.parametrize(
    "method,path,body,raw,query,status,errors",
    VEHICLE_POSTS + VEHICLE_READS + AVAILABILITY_READS + TRANSFER_POSTS + TRANSFER_READS + STATUS_PATCHES,
)
def test_bad_input(integrator_api, coordinator_api, targets, method, path, body, raw, query, status, errors):
    # Registering vehicles is for coordinators; everything else is tried as the owning integrator.
    client = coordinator_api if (method, path) == ("post", "/vehicles") else integrator_api
    before = row_counts()
    check(send(client, targets, method, path, body, raw, query), status, errors, before)


@pytest.mark.parametrize("method,path,body,raw,query,status,errors", COORDINATOR_STATUS_PATCHES)
def test_bad_status_change_by_a_coordinator(coordinator_api, targets, method, path, body, raw, query, status, errors):
    before = row_counts()
    check(send(coordinator_api, targets, method, path, body, raw, query), status, errors, before)


# Zones at the ends of the offset range: the first and last days a datetime
# holds have no UTC range there.
EXTREME_ZONES = ["UTC", "Pacific/Kiritimati", "Etc/GMT+12"]


@pytest.mark.parametrize("zone", EXTREME_ZONES)
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_first_and_last_days_in_extreme_zones(settings, integrator_api, targets, zone, day):
    settings.TIME_ZONE = zone
    _, valid = targets
    before = row_counts()
    assert integrator_api.get(f"/transfers?date={day}").json()["count"] == 0
    data = assert_problem(integrator_api.get(f"/availability?date={day}&pickup_time=00:00&pax_count=1"), 400)
    assert set(data["errors"]) == {"date", "pickup_time"}
    for pickup in (f"{day}T00:00", f"{day}T23:59:59", f"{day}T12:00:00+14:00", f"{day}T12:00:00-12:00"):
        response = integrator_api.post("/transfers", {**valid["/transfers"], "pickup_time": pickup}, format="json")
        assert list(assert_problem(response, 400)["errors"]) == ["pickup_time"]
    assert row_counts() == before


def test_non_bmp_text_round_trips_intact(integrator_api, targets):
    _, valid = targets
    sent = {**valid["/transfers"], "passenger_name": NON_BMP, "pickup_location": "🛬 PMI", "notes": NON_BMP * 10}
    created = integrator_api.post("/transfers", sent, format="json").json()
    read = integrator_api.get(f"/transfers/{created['id']}").json()
    stored = Transfer.objects.get(pk=created["id"])
    for field in ("passenger_name", "pickup_location", "notes"):
        assert created[field] == read[field] == getattr(stored, field) == sent[field]
    cancelled = integrator_api.patch(f"/transfers/{created['id']}/status", {"status": "CANCELLED", "note": "🙅 " + NON_BMP},
                                     format="json").json()
    assert cancelled["status_history"][-1]["note"] == "🙅 " + NON_BMP


def test_sql_looking_text_is_stored_verbatim_and_matches_only_itself(integrator_api, coordinator_api, targets):
    _, valid = targets
    mine = integrator_api.post("/transfers", {**valid["/transfers"], "client_reference": SQL, "passenger_name": SQL},
                               format="json").json()
    integrator_api.post("/transfers", {**valid["/transfers"], "client_reference": "AGENCY-2"}, format="json")
    assert (mine["client_reference"], mine["passenger_name"]) == (SQL, SQL)
    listed = integrator_api.get("/transfers", {"client_reference": SQL}).json()
    assert [t["id"] for t in listed["results"]] == [mine["id"]]
    plate = coordinator_api.post("/vehicles", {**valid["/vehicles"], "plate": SQL}, format="json").json()["plate"]
    assert plate == SQL and Vehicle.objects.filter(plate=SQL).count() == 1
