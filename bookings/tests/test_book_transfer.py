import datetime as dt

import pytest
from django.utils import timezone

from bookings.choices import TransferStatus
from bookings.models import Transfer
from bookings.services import book_transfer
from bookings.tests.factories import TransferFactory
from dmc_transfers.errors import Conflict, Invalid
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def test_booking_is_pending_with_one_creation_history_row(booking, integrator):
    transfer = book_transfer(**booking)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING
    assert transfer.created_by == integrator
    rows = list(transfer.status_history.values_list("from_status", "to_status", "changed_by", "note"))
    assert rows == [(None, "PENDING", "agency-x", None)]


def test_text_is_trimmed_blank_optional_is_null_and_flight_normalised(booking):
    transfer = book_transfer(
        **{**booking, "passenger_name": "  Ada  ", "passenger_phone": "   ", "notes": "", "flight_number": " u2 1234 "}
    )
    transfer.refresh_from_db()
    assert transfer.passenger_name == "Ada"
    assert transfer.passenger_phone is None and transfer.notes is None
    assert transfer.flight_number == "U21234"


@pytest.mark.parametrize("flight", ["IB3456", "U2 1234", "W61234", "RYR12A", "ib 3456"])
def test_valid_flight_numbers(booking, flight):
    book_transfer(**{**booking, "flight_number": flight})


@pytest.mark.parametrize("flight", ["12345", "I", "IB", "IBER3456", "IB34567", "IB3456AB", "RY-12"])
def test_invalid_flight_numbers(booking, flight):
    with pytest.raises(Invalid) as exc:
        book_transfer(**{**booking, "flight_number": flight})
    assert "flight_number" in exc.value.errors


def test_required_text_may_not_be_blank_and_limits_hold(booking):
    with pytest.raises(Invalid) as exc:
        book_transfer(**{**booking, "passenger_name": "   ", "pickup_location": "x" * 256})
    assert set(exc.value.errors) == {"passenger_name", "pickup_location"}
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("delta", [dt.timedelta(minutes=-1), dt.timedelta(days=731)])
def test_pickup_must_be_in_the_future_and_within_the_horizon(booking, delta):
    with pytest.raises(Invalid) as exc:
        book_transfer(**{**booking, "pickup_time": timezone.now() + delta})
    assert list(exc.value.errors) == ["pickup_time"]


def test_unknown_vehicle_is_a_field_error(booking):
    with pytest.raises(Invalid) as exc:
        book_transfer(**{**booking, "vehicle_id": 999999})
    assert list(exc.value.errors) == ["vehicle_id"]


def test_pax_over_capacity_is_a_field_error(booking):
    with pytest.raises(Invalid) as exc:
        book_transfer(**{**booking, "pax_count": 8})
    assert list(exc.value.errors) == ["pax_count"]


def test_client_reference_is_unique_per_creator(booking, other_integrator):
    book_transfer(**{**booking, "client_reference": "AGENCY-991"})
    with pytest.raises(Conflict) as exc:
        book_transfer(**{**booking, "client_reference": "AGENCY-991"})
    assert exc.value.code == "duplicate_client_reference"
    book_transfer(**{**booking, "by": other_integrator, "client_reference": "AGENCY-991"})
    assert Transfer.objects.filter(client_reference="AGENCY-991").count() == 2


def test_inactive_vehicle_is_unavailable(booking, vehicle):
    vehicle.is_active = False
    vehicle.save()
    with pytest.raises(Conflict) as exc:
        book_transfer(**booking)
    assert exc.value.code == "vehicle_unavailable"


@pytest.mark.parametrize("minutes,free", [(-120, True), (-119, False), (0, False), (119, False), (120, True)])
def test_busy_vehicle_within_the_window_is_unavailable(booking, confirmed, at, minutes, free):
    confirmed(at(minutes))
    if free:
        book_transfer(**booking)
    else:
        with pytest.raises(Conflict) as exc:
            book_transfer(**booking)
        assert exc.value.code == "vehicle_unavailable"
        assert "within 120 minutes" in exc.value.detail


@pytest.mark.parametrize("status", ["PENDING", "COMPLETED", "CANCELLED"])
def test_statuses_that_never_make_a_vehicle_busy(booking, vehicle, at, status):
    TransferFactory(vehicle=vehicle, pickup_time=at(), status=status)
    book_transfer(**booking)


def test_in_progress_makes_a_vehicle_busy(booking, vehicle, at):
    TransferFactory(vehicle=vehicle, pickup_time=at(30), status="IN_PROGRESS", driver_name="Marta")
    with pytest.raises(Conflict):
        book_transfer(**booking)


def test_check_order_capacity_before_reference_before_availability(booking, vehicle, at, confirmed):
    book_transfer(**{**booking, "client_reference": "R1", "pickup_time": at(days=1)})
    confirmed(at())
    with pytest.raises(Invalid):
        book_transfer(**{**booking, "client_reference": "R1", "pax_count": 99})
    with pytest.raises(Conflict) as exc:
        book_transfer(**{**booking, "client_reference": "R1"})
    assert exc.value.code == "duplicate_client_reference"


def test_another_vehicle_is_not_affected(booking, confirmed, at):
    confirmed(at(), vehicle=VehicleFactory())
    book_transfer(**booking)


@pytest.mark.parametrize("first,second", [("REF-abc", "ref-ABC"), ("CAFÉ-1", "CAFE-1")])
def test_client_references_differing_in_case_or_accents_are_different(booking, first, second):
    book_transfer(**{**booking, "client_reference": first})
    book_transfer(**{**booking, "client_reference": second})
    assert Transfer.objects.filter(client_reference=second).count() == 1
