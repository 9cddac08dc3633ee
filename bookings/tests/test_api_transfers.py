import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Transfer
from bookings.tests.api_helpers import next_last_sunday
from bookings.tests.factories import TransferFactory
from dmc_transfers.tests.api_fixtures import assert_problem

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

LOCAL_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


def create(client, body, **headers):
    return client.post("/transfers", body, format="json", headers=headers)


# --- Create ---------------------------------------------------------------------


def test_create_answers_201_pending_with_one_history_row_and_location(integrator_api, body):
    response = create(integrator_api, {**body, "flight_number": "u2 1234", "passenger_phone": "  "})
    assert response.status_code == 201
    data = response.json()
    assert response["Location"] == f"http://testserver/transfers/{data['id']}"
    assert response["Location"] == response.wsgi_request.build_absolute_uri(reverse("transfer-detail", args=[data["id"]]))
    assert data["status"] == "PENDING" and data["flight_number"] == "U21234"
    assert data["passenger_phone"] is None and data["notes"] is None and data["client_reference"] is None
    assert data["driver_name"] is None and data["estimated_duration_minutes"] is None
    [row] = data["status_history"]
    assert (row["from_status"], row["to_status"], row["changed_by"], row["note"]) == (None, "PENDING", "agency-x", None)
    for name in ("pickup_time", "created_at", "updated_at"):
        assert LOCAL_ISO.match(data[name]), data[name]
    assert data["pickup_time"].endswith("+00:00")


def test_read_only_fields_are_ignored(integrator_api, body):
    data = create(integrator_api, {**body, "status": "CONFIRMED", "driver_name": "Marta", "id": 5}).json()
    assert data["status"] == "PENDING" and data["driver_name"] is None


@pytest.mark.parametrize("client_fixture", ["coordinator_api", "integrator_api"])
def test_both_roles_create(request, client_fixture, body):
    assert create(request.getfixturevalue(client_fixture), body).status_code == 201


def test_naive_time_is_local_and_answered_with_its_offset(settings, integrator_api, body):
    settings.TIME_ZONE = "Europe/Madrid"
    day = timezone.localdate() + dt.timedelta(days=10)
    data = create(integrator_api, {**body, "pickup_time": f"{day}T14:30"}).json()
    transfer = Transfer.objects.get(pk=data["id"])
    local = timezone.localtime(transfer.pickup_time)
    assert (local.date(), local.hour, local.minute) == (day, 14, 30)
    assert data["pickup_time"] == local.isoformat()
    assert data["pickup_time"][-6:] in ("+01:00", "+02:00")


def test_time_with_offset_is_taken_as_given(settings, integrator_api, body, at):
    settings.TIME_ZONE = "Europe/Madrid"
    instant = at(days=3).astimezone(dt.timezone(dt.timedelta(hours=-5)))
    data = create(integrator_api, {**body, "pickup_time": instant.isoformat()}).json()
    assert Transfer.objects.get(pk=data["id"]).pickup_time == instant
    assert dt.datetime.fromisoformat(data["pickup_time"]) == instant


def _dst_pickups():
    today = dt.date.today()
    spring, autumn = next_last_sunday(3, today), next_last_sunday(10, today)
    return [f"{spring}T02:30", f"{autumn}T02:30", "2026-03-29T02:30:00", "2026-10-25T02:30:00"]


@pytest.mark.parametrize("pickup", _dst_pickups())
def test_non_existent_and_ambiguous_local_times_are_400(settings, integrator_api, body, pickup):
    settings.TIME_ZONE = "Europe/Madrid"
    data = assert_problem(create(integrator_api, {**body, "pickup_time": pickup}), 400, "validation_error")
    assert list(data["errors"]) == ["pickup_time"]
    assert "DST" in data["errors"]["pickup_time"][0]
    assert not Transfer.objects.exists()


def test_the_hour_after_a_dst_change_is_bookable(settings, integrator_api, body):
    settings.TIME_ZONE = "Europe/Madrid"
    spring = next_last_sunday(3, dt.date.today())
    data = create(integrator_api, {**body, "pickup_time": f"{spring}T03:30"}).json()
    assert data["pickup_time"] == f"{spring}T03:30:00+02:00"


@pytest.mark.parametrize(
    "pickup",
    [
        lambda now: (now - dt.timedelta(minutes=1)).isoformat(),
        lambda now: (now + dt.timedelta(days=730, minutes=5)).isoformat(),
        lambda now: "9999-12-31T23:59:59-10:00",
        lambda now: "0001-01-01T00:00:00+01:00",
        lambda now: "2026-13-01T10:00",
        lambda now: "tomorrow",
    ],
)
def test_pickup_outside_the_horizon_or_malformed_is_400(integrator_api, body, pickup):
    data = assert_problem(create(integrator_api, {**body, "pickup_time": pickup(timezone.now())}), 400)
    assert list(data["errors"]) == ["pickup_time"]


def test_pickup_just_inside_the_horizon_is_accepted(integrator_api, body):
    pickup = timezone.now() + dt.timedelta(days=730, minutes=-5)
    assert create(integrator_api, {**body, "pickup_time": pickup.isoformat()}).status_code == 201


LIMITS = {
    "passenger_name": 200,
    "passenger_phone": 32,
    "pickup_location": 255,
    "dropoff_location": 255,
    "client_reference": 64,
    "notes": 2000,
}


@pytest.mark.parametrize("field,limit", LIMITS.items())
def test_text_limits_count_trimmed_characters(integrator_api, body, field, limit):
    assert create(integrator_api, {**body, field: f"  {'é' * limit}  "}).status_code == 201
    data = assert_problem(create(integrator_api, {**body, field: "é" * (limit + 1)}), 400)
    assert list(data["errors"]) == [field]


def test_email_limit_and_format(integrator_api, body):
    ok = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".es"
    assert len(ok) == 254
    assert create(integrator_api, {**body, "passenger_email": ok}).status_code == 201
    for bad in ("x" + ok, "not-an-email"):
        assert list(assert_problem(create(integrator_api, {**body, "passenger_email": bad}), 400)["errors"]) == [
            "passenger_email"
        ]


@pytest.mark.parametrize("flight", ["IB3456", "U2 1234", "W61234", "RYR12A", "ib3456"])
def test_valid_flight_numbers(integrator_api, body, flight):
    data = create(integrator_api, {**body, "flight_number": flight}).json()
    assert data["flight_number"] == flight.replace(" ", "").upper()


@pytest.mark.parametrize("flight", ["12345", "IB", "IBER3456", "IB34567", "RY-12", "X" * 40])
def test_invalid_flight_numbers(integrator_api, body, flight):
    data = assert_problem(create(integrator_api, {**body, "flight_number": flight}), 400)
    assert list(data["errors"]) == ["flight_number"]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"passenger_name": "   "}, "passenger_name"),
        ({"pickup_location": ""}, "pickup_location"),
        ({"pax_count": 0}, "pax_count"),
        ({"pax_count": 100}, "pax_count"),
        ({"estimated_duration_minutes": 0}, "estimated_duration_minutes"),
        ({"estimated_duration_minutes": 1441}, "estimated_duration_minutes"),
        ({"vehicle_id": "three"}, "vehicle_id"),
        ({"vehicle_id": 999999}, "vehicle_id"),
    ],
)
def test_invalid_fields_are_400_on_that_field(integrator_api, body, change, field):
    data = assert_problem(create(integrator_api, {**body, **change}), 400, "validation_error")
    assert list(data["errors"]) == [field]


def test_missing_required_fields_are_all_named(integrator_api):
    data = assert_problem(create(integrator_api, {}), 400)
    assert set(data["errors"]) == {
        "vehicle_id", "pickup_time", "pax_count", "passenger_name", "pickup_location", "dropoff_location"
    }


def test_blank_optional_text_is_null(integrator_api, body):
    data = create(integrator_api, {**body, "notes": " ", "passenger_email": "", "client_reference": None}).json()
    assert data["notes"] is None and data["passenger_email"] is None and data["client_reference"] is None


def test_check_order_body_then_capacity_then_reference_then_availability(integrator_api, body, vehicle, confirmed, at):
    create(integrator_api, {**body, "client_reference": "R1", "pickup_time": at(days=2).isoformat()})
    confirmed(at())  # the vehicle is busy at body's pickup
    over = {**body, "client_reference": "R1", "pax_count": 8}
    assert list(assert_problem(create(integrator_api, {**over, "pickup_time": "2020-01-01T10:00"}), 400)["errors"]) == [
        "pickup_time"
    ]
    assert list(assert_problem(create(integrator_api, over), 400)["errors"]) == ["pax_count"]
    assert_problem(create(integrator_api, {**body, "client_reference": "R1"}), 409, "duplicate_client_reference")
    data = assert_problem(create(integrator_api, {**body, "client_reference": "R2"}), 409, "vehicle_unavailable")
    assert "within 120 minutes" in data["detail"]


def test_client_reference_is_per_integrator(integrator_api, other_api, body, at):
    assert create(integrator_api, {**body, "client_reference": "AGENCY-991"}).status_code == 201
    other_pickup = at(days=1).isoformat()
    assert create(other_api, {**body, "client_reference": "AGENCY-991", "pickup_time": other_pickup}).status_code == 201


def test_inactive_vehicle_is_unavailable(integrator_api, body, vehicle):
    vehicle.is_active = False
    vehicle.save()
    assert_problem(create(integrator_api, body), 409, "vehicle_unavailable")


@pytest.mark.parametrize("minutes,free", [(-120, True), (-119, False), (119, False), (120, True)])
def test_conflict_window_edges(integrator_api, body, confirmed, at, minutes, free):
    confirmed(at(minutes))
    response = create(integrator_api, body)
    if free:
        assert response.status_code == 201
    else:
        assert_problem(response, 409, "vehicle_unavailable")


# --- Read -------------------------------------------------------------------------


def test_detail_has_history_oldest_first(coordinator_api, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), status="IN_PROGRESS", driver_name="Marta")
    data = coordinator_api.get(f"/transfers/{transfer.pk}").json()
    assert [h["to_status"] for h in data["status_history"]] == ["PENDING", "CONFIRMED", "IN_PROGRESS"]
    assert data["vehicle_id"] == vehicle.id and data["driver_name"] == "Marta"


def test_a_listed_transfer_is_its_detail_without_the_history(coordinator_api, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), status="CONFIRMED")
    [listed] = coordinator_api.get("/transfers").json()["results"]
    detail = coordinator_api.get(f"/transfers/{transfer.pk}").json()
    assert len(detail.pop("status_history")) == 2
    assert listed == detail


def test_another_integrators_transfer_is_a_404(integrator_api, other_integrator, integrator):
    theirs = TransferFactory(created_by=other_integrator)
    mine = TransferFactory(created_by=integrator)
    assert_problem(integrator_api.get(f"/transfers/{theirs.pk}"), 404, "not_found")
    assert integrator_api.get(f"/transfers/{mine.pk}").status_code == 200
    assert_problem(integrator_api.get("/transfers/999999"), 404, "not_found")


def test_integrators_list_only_their_own(integrator_api, coordinator_api, integrator, other_integrator):
    mine = TransferFactory(created_by=integrator)
    theirs = TransferFactory(created_by=other_integrator)
    assert [t["id"] for t in integrator_api.get("/transfers").json()["results"]] == [mine.pk]
    assert {t["id"] for t in coordinator_api.get("/transfers").json()["results"]} == {mine.pk, theirs.pk}
    assert integrator_api.get(f"/transfers?client_reference={theirs.client_reference}").json()["count"] == 0


def test_list_is_ordered_by_pickup_then_id(coordinator_api, at):
    later = TransferFactory(pickup_time=at(60))
    first = TransferFactory(pickup_time=at())
    twin = TransferFactory(pickup_time=at())
    assert [t["id"] for t in coordinator_api.get("/transfers").json()["results"]] == [first.pk, twin.pk, later.pk]


def test_date_filter_is_the_local_day_including_a_25_hour_dst_day(settings, coordinator_api):
    settings.TIME_ZONE = "Europe/Madrid"
    autumn = next_last_sunday(10, dt.date.today())
    tz = timezone.get_default_timezone()
    # Arithmetic in UTC: on aware local datetimes Python adds wall-clock time.
    start = dt.datetime.combine(autumn, dt.time.min, tzinfo=tz).astimezone(dt.UTC)
    before = TransferFactory(pickup_time=start - dt.timedelta(seconds=1))
    first = TransferFactory(pickup_time=start)
    last = TransferFactory(pickup_time=start + dt.timedelta(hours=24, minutes=59))  # 23:59 local, 25-hour day
    after = TransferFactory(pickup_time=start + dt.timedelta(hours=25))
    ids = [t["id"] for t in coordinator_api.get(f"/transfers?date={autumn}").json()["results"]]
    assert ids == [first.pk, last.pk]
    assert before.pk not in ids and after.pk not in ids


def test_status_vehicle_and_reference_filters(coordinator_api, vehicle, at):
    pending = TransferFactory(vehicle=vehicle, pickup_time=at(), client_reference="A-1")
    cancelled = TransferFactory(vehicle=vehicle, pickup_time=at(10), status="CANCELLED")
    confirmed = TransferFactory(pickup_time=at(20), status="CONFIRMED")

    def ids(query):
        return [t["id"] for t in coordinator_api.get(f"/transfers?{query}").json()["results"]]

    assert ids("status=PENDING") == [pending.pk]
    assert ids("status=PENDING,CONFIRMED") == [pending.pk, confirmed.pk]
    assert ids(f"vehicle_id={vehicle.id}") == [pending.pk, cancelled.pk]
    assert ids("client_reference=A-1&foo=bar") == [pending.pk]


@pytest.mark.parametrize(
    "query,parameter",
    [
        ("date=2026-02-30", "date"),
        ("date=2026-12-1", "date"),
        ("date=01/12/2026", "date"),
        ("status=DONE", "status"),
        ("status=PENDING,pending", "status"),
        ("vehicle_id=abc", "vehicle_id"),
        ("page_size=0", "page_size"),
        ("page_size=-3", "page_size"),
        ("page_size=ten", "page_size"),
        ("page=0", "page"),
        ("page=x", "page"),
    ],
)
def test_malformed_query_parameters_are_400_naming_them(coordinator_api, query, parameter):
    data = assert_problem(coordinator_api.get(f"/transfers?{query}"), 400, "validation_error")
    assert list(data["errors"]) == [parameter]


def test_pagination_links_and_past_the_end(coordinator_api, at):
    TransferFactory.create_batch(3, pickup_time=at())
    page = coordinator_api.get("/transfers?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["previous"] is None
    assert page["next"] == "http://testserver/transfers?page=2&page_size=2"
    second = coordinator_api.get(page["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert_problem(coordinator_api.get("/transfers?page=3&page_size=2"), 404, "not_found")


def test_a_transfer_list_page_costs_two_queries(coordinator_api, at, django_assert_num_queries):
    TransferFactory.create_batch(2, pickup_time=at())
    with django_assert_num_queries(2):  # the key with its user and roles; the page with its total and histories
        coordinator_api.get("/transfers?page_size=2")
    TransferFactory.create_batch(30, pickup_time=at())
    with django_assert_num_queries(2):
        assert len(coordinator_api.get("/transfers?page_size=40").json()["results"]) == 32


@pytest.mark.parametrize("path", ["/transfers", "/vehicles"])
def test_page_last_is_not_a_page_number(coordinator_api, at, path):
    # API.md: a non-numeric page is a 400 (DRF would take "last").
    TransferFactory.create_batch(3, pickup_time=at())
    body = assert_problem(coordinator_api.get(f"{path}?page_size=2&page=last"), 400, "validation_error")
    assert list(body["errors"]) == ["page"]


def test_transfer_detail_costs_two_queries(coordinator_api, at, django_assert_num_queries):
    transfer = TransferFactory(pickup_time=at())
    with django_assert_num_queries(2):  # the key with its user and roles, the transfer with its history
        assert coordinator_api.get(f"/transfers/{transfer.pk}").status_code == 200
