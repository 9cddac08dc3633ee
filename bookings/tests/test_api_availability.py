import datetime as dt

import pytest
from django.utils import timezone

from bookings.tests.api_helpers import next_last_sunday
from bookings.tests.factories import TransferFactory
from dmc_transfers.tests.api_fixtures import assert_problem
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.fixture
def when():
    """Local date and time of a pickup ten days ahead at 14:30, and that instant."""
    day = timezone.localdate() + dt.timedelta(days=10)
    instant = dt.datetime.combine(day, dt.time(14, 30), tzinfo=timezone.get_default_timezone())
    return day, instant


def query(client, day, time="14:30", pax=4):
    return client.get(f"/availability?date={day}&pickup_time={time}&pax_count={pax}")


@pytest.mark.parametrize("client_fixture", ["coordinator_api", "integrator_api"])
def test_free_vehicles_smallest_first_then_by_id(request, client_fixture, when):
    day, instant = when
    coach = VehicleFactory(capacity=50)
    van_b = VehicleFactory(capacity=7)
    van_a = VehicleFactory(capacity=7)
    VehicleFactory(capacity=3)  # too small
    VehicleFactory(capacity=8, is_active=False)
    busy = VehicleFactory(capacity=4)
    TransferFactory(vehicle=busy, pickup_time=instant + dt.timedelta(minutes=119), status="CONFIRMED")
    data = query(request.getfixturevalue(client_fixture), day).json()
    assert [v["id"] for v in data["results"]] == [van_b.id, van_a.id, coach.id]
    assert data["count"] == 3 and data["pax_count"] == 4 and data["window_minutes"] == 120
    assert data["pickup_at"] == instant.isoformat()


@pytest.mark.parametrize("status,free", [("PENDING", True), ("COMPLETED", True), ("CANCELLED", True),
                                         ("CONFIRMED", False), ("IN_PROGRESS", False)])
def test_only_confirmed_and_in_progress_make_a_vehicle_busy(coordinator_api, when, status, free):
    day, instant = when
    vehicle = VehicleFactory()
    TransferFactory(vehicle=vehicle, pickup_time=instant, status=status, driver_name="Marta")
    assert bool(query(coordinator_api, day).json()["count"]) is free


def test_exactly_a_window_away_is_free(coordinator_api, when):
    day, instant = when
    vehicle = VehicleFactory()
    TransferFactory(vehicle=vehicle, pickup_time=instant - dt.timedelta(minutes=120), status="CONFIRMED")
    TransferFactory(vehicle=vehicle, pickup_time=instant + dt.timedelta(minutes=120), status="CONFIRMED")
    assert query(coordinator_api, day).json()["count"] == 1


def test_time_with_seconds_and_local_offset(settings, coordinator_api, when):
    settings.TIME_ZONE = "Europe/Madrid"
    day = when[0]
    data = query(coordinator_api, day, "09:05:30").json()
    assert data["pickup_at"].startswith(f"{day}T09:05:30+0")


@pytest.mark.parametrize("time", ["02:30", "02:30:00"])
@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25", "spring", "autumn"])
def test_dst_gaps_and_overlaps_are_400(settings, coordinator_api, day, time):
    settings.TIME_ZONE = "Europe/Madrid"
    if day in ("spring", "autumn"):
        day = next_last_sunday(3 if day == "spring" else 10, dt.date.today())
    data = assert_problem(query(coordinator_api, day, time), 400, "validation_error")
    assert list(data["errors"]) == ["pickup_time"] and "DST" in data["errors"]["pickup_time"][0]


@pytest.mark.parametrize(
    "params,names",
    [
        ("", {"date", "pickup_time", "pax_count"}),
        ("date=2026-12-01", {"pickup_time", "pax_count"}),
        ("date=12/01/2026&pickup_time=14:30&pax_count=4", {"date"}),
        ("date=2026-02-30&pickup_time=14:30&pax_count=4", {"date"}),
        ("date=2026-12-1&pickup_time=14:30&pax_count=4", {"date"}),
        ("date=%D9%A2%D9%A0%D9%A2%D9%A6-%D9%A1%D9%A2-%D9%A0%D9%A1&pickup_time=14:30&pax_count=4", {"date"}),
        ("date={day}&pickup_time=%D9%A1%D9%A2:%D9%A3%D9%A0&pax_count=4", {"pickup_time"}),
        ("date={day}&pickup_time=23:59:60&pax_count=4", {"pickup_time"}),
        ("date={day}&pickup_time=14:3&pax_count=4", {"pickup_time"}),
        ("date={day}&pickup_time=9:05&pax_count=4", {"pickup_time"}),
        ("date={day}&pickup_time=14:30:5&pax_count=4", {"pickup_time"}),
        ("date={day}&pickup_time=25:00&pax_count=4", {"pickup_time"}),
        ("date={day}&pickup_time=2pm&pax_count=4", {"pickup_time"}),
        ("date={day}&pickup_time=14:30&pax_count=0", {"pax_count"}),
        ("date={day}&pickup_time=14:30&pax_count=100", {"pax_count"}),
        ("date={day}&pickup_time=14:30&pax_count=four", {"pax_count"}),
    ],
)
def test_malformed_or_missing_parameters_are_named(coordinator_api, when, params, names):
    data = assert_problem(coordinator_api.get(f"/availability?{params.format(day=when[0])}"), 400)
    assert set(data["errors"]) == names


@pytest.mark.parametrize("days", [-1, 731, 3000000])
def test_pickup_outside_the_horizon_is_400(coordinator_api, days):
    try:
        day = timezone.localdate() + dt.timedelta(days=days)
    except OverflowError:
        day = dt.date.max
    data = assert_problem(query(coordinator_api, day), 400)
    assert "pickup_time" in data["errors"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_extreme_dates_are_400_not_500(settings, coordinator_api, day):
    settings.TIME_ZONE = "Pacific/Kiritimati"
    assert_problem(query(coordinator_api, day, "23:59"), 400)


def test_queries_do_not_grow_with_the_fleet(coordinator_api, when, django_assert_max_num_queries):
    day, instant = when
    VehicleFactory.create_batch(3)
    with django_assert_max_num_queries(2):
        assert query(coordinator_api, day).json()["count"] == 3
    for vehicle in VehicleFactory.create_batch(40):
        TransferFactory(vehicle=vehicle, pickup_time=instant, status="CONFIRMED")
    with django_assert_max_num_queries(2):
        assert query(coordinator_api, day).json()["count"] == 3


def test_unauthenticated_is_401(api, when):
    assert_problem(query(api(), when[0]), 401, "not_authenticated")
