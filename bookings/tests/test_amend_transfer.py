import pytest

from bookings.choices import TransferStatus as S
from bookings.services import amend_transfer, book_transfer
from bookings.tests.factories import TransferFactory
from dmc_transfers.errors import Conflict, Invalid
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def test_details_change_and_are_normalised(coordinator, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    amended = amend_transfer(transfer=transfer, by=coordinator, passenger_name="  Grace ", flight_number="ib 12")
    amended.refresh_from_db()
    assert (amended.passenger_name, amended.flight_number) == ("Grace", "IB12")


def test_moving_a_confirmed_transfer_into_a_busy_slot_is_refused(coordinator, vehicle, at, confirmed):
    confirmed(at())
    moving = confirmed(at(days=1))
    with pytest.raises(Conflict) as exc:
        amend_transfer(transfer=moving, by=coordinator, pickup_time=at(60))
    assert exc.value.code == "vehicle_unavailable"
    moving.refresh_from_db()
    assert moving.pickup_time == at(days=1)


def test_moving_to_another_vehicle_checks_that_vehicle(coordinator, vehicle, at, confirmed):
    other = VehicleFactory()
    confirmed(at(), vehicle=other)
    moving = confirmed(at())
    with pytest.raises(Conflict):
        amend_transfer(transfer=moving, by=coordinator, vehicle_id=other.id)
    free = VehicleFactory()
    assert amend_transfer(transfer=moving, by=coordinator, vehicle_id=free.id).vehicle_id == free.id


def test_a_transfer_does_not_conflict_with_itself(coordinator, at, confirmed):
    transfer = confirmed(at())
    assert amend_transfer(transfer=transfer, by=coordinator, pickup_time=at(30)).pickup_time == at(30)


def test_pax_over_the_capacity_of_the_new_vehicle(coordinator, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), pax_count=5)
    small = VehicleFactory(capacity=3)
    with pytest.raises(Invalid) as exc:
        amend_transfer(transfer=transfer, by=coordinator, vehicle_id=small.id)
    assert list(exc.value.errors) == ["pax_count"]


def test_new_pickup_must_respect_the_horizon(coordinator, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    with pytest.raises(Invalid) as exc:
        amend_transfer(transfer=transfer, by=coordinator, pickup_time=at(days=-10))
    assert list(exc.value.errors) == ["pickup_time"]


def test_client_reference_stays_unique_per_creator(booking):
    first = book_transfer(**{**booking, "client_reference": "A"})
    second = book_transfer(**{**booking, "client_reference": "B"})
    with pytest.raises(Conflict) as exc:
        amend_transfer(transfer=second, by=booking["by"], client_reference="A")
    assert exc.value.code == "duplicate_client_reference"
    assert amend_transfer(transfer=first, by=booking["by"], client_reference="A").client_reference == "A"


@pytest.mark.parametrize("status", [S.COMPLETED, S.CANCELLED])
def test_closed_transfers_cannot_be_amended(coordinator, vehicle, at, status):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), status=status)
    with pytest.raises(Conflict) as exc:
        amend_transfer(transfer=transfer, by=coordinator, pax_count=1)
    assert exc.value.code == "transfer_closed"


def test_unknown_fields_are_a_programming_error(coordinator, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    with pytest.raises(TypeError):
        amend_transfer(transfer=transfer, by=coordinator, status="COMPLETED")
