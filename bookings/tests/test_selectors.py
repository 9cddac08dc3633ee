import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bookings.selectors import available_vehicles, transfers_on
from bookings.tests.factories import TransferFactory
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def test_available_vehicles_filters_and_orders(at):
    def confirmed(pickup_time, vehicle):
        return TransferFactory(vehicle=vehicle, pickup_time=pickup_time, status="CONFIRMED")

    small = VehicleFactory(capacity=3)
    big_b = VehicleFactory(capacity=8)
    big_a = VehicleFactory(capacity=8)
    busy = VehicleFactory(capacity=4)
    VehicleFactory(capacity=50, is_active=False)
    mid = VehicleFactory(capacity=4)
    confirmed(at(119), vehicle=busy)
    confirmed(at(-120), vehicle=mid)  # exactly a window away: free
    TransferFactory(vehicle=small, pickup_time=at(), status="PENDING")
    ids = list(available_vehicles(pickup_at=at(), pax_count=3).values_list("id", flat=True))
    assert ids == [small.id, mid.id, min(big_a.id, big_b.id), max(big_a.id, big_b.id)]
    assert list(available_vehicles(pickup_at=at(), pax_count=5).values_list("id", flat=True)) == sorted([big_a.id, big_b.id])


def test_available_vehicles_is_one_query(at, confirmed, django_assert_num_queries):
    for _ in range(5):
        confirmed(at(), vehicle=VehicleFactory())
    with django_assert_num_queries(1):
        list(available_vehicles(pickup_at=at(), pax_count=1))


@pytest.fixture
def madrid(settings):
    settings.TIME_ZONE = "Europe/Madrid"
    return ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize(
    "day,inside,outside",
    [
        # Spring forward: 23 hours, from 23:00 UTC the day before to 22:00 UTC.
        (dt.date(2027, 3, 28), ["2027-03-27T23:00", "2027-03-28T21:59"], ["2027-03-27T22:59", "2027-03-28T22:00"]),
        # Fall back: 25 hours, from 22:00 UTC the day before to 23:00 UTC.
        (dt.date(2027, 10, 31), ["2027-10-30T22:00", "2027-10-31T22:59"], ["2027-10-30T21:59", "2027-10-31T23:00"]),
    ],
)
def test_local_day_boundaries_on_dst_days(madrid, day, inside, outside):
    def utc(text):
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)

    vehicle = VehicleFactory()
    wanted = [TransferFactory(vehicle=vehicle, pickup_time=utc(t)).pk for t in inside]
    for t in outside:
        TransferFactory(vehicle=vehicle, pickup_time=utc(t))
    assert list(transfers_on(day=day).values_list("id", flat=True)) == wanted


def test_transfers_on_filters(at):
    vehicle = VehicleFactory()
    a = TransferFactory(vehicle=vehicle, pickup_time=at(), status="CONFIRMED", client_reference="R")
    TransferFactory(pickup_time=at(), status="CANCELLED")
    day = at().date()
    assert list(transfers_on(day=day, statuses=["CONFIRMED"])) == [a]
    assert list(transfers_on(day=day, vehicle_id=vehicle.id)) == [a]
    assert list(transfers_on(day=day, client_reference="R")) == [a]


@pytest.mark.parametrize("minutes", [-120, -119, 0, 119, 120])
@pytest.mark.parametrize("status", ["PENDING", "CONFIRMED", "IN_PROGRESS", "COMPLETED", "CANCELLED"])
def test_the_conflict_statement_agrees_with_busy_transfers(at, minutes, status):
    from bookings.selectors import busy_transfers, vehicle_is_busy

    vehicle, other = VehicleFactory(), VehicleFactory()
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(minutes), status=status, driver_name="Toni")
    TransferFactory(vehicle=other, pickup_time=at(), status="CONFIRMED")
    for exclude in (None, transfer.pk):
        expected = busy_transfers(vehicle_ids=[vehicle.id], at=at(), exclude_transfer_id=exclude).exists()
        assert vehicle_is_busy(vehicle_id=vehicle.id, at=at(), exclude_transfer_id=exclude) is expected
    assert vehicle_is_busy(vehicle_id=vehicle.id, at=at()) is (abs(minutes) < 120 and status in ("CONFIRMED", "IN_PROGRESS"))


@pytest.mark.parametrize("minutes", [-120, -119, 0, 119, 120])
@pytest.mark.parametrize("status", ["PENDING", "CONFIRMED", "COMPLETED"])
def test_the_vehicle_lock_answers_the_conflict_statements_question(at, minutes, status):
    from django.db import transaction

    from bookings.locking import is_busy, lock_vehicle
    from bookings.selectors import vehicle_is_busy

    vehicle = VehicleFactory()
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(minutes), status=status)
    TransferFactory(pickup_time=at(), status="CONFIRMED")  # another vehicle's
    for exclude in (None, transfer.pk):
        with transaction.atomic():
            locked = lock_vehicle(vehicle.id, busy_at=at(), exclude_transfer_id=exclude)
            expected = vehicle_is_busy(vehicle_id=vehicle.id, at=at(), exclude_transfer_id=exclude)
            assert locked.busy_answers == {(at(), exclude): expected}
            assert is_busy(locked, at=at(), exclude_transfer_id=exclude) is expected
