"""The API's hand-written availability statement answers exactly what the selector does."""
import pytest
from django.test import override_settings

from bookings.api.availability import available_vehicle_rows
from bookings.selectors import available_vehicles
from bookings.tests.factories import TransferFactory
from fleet.api.serializers import VehicleSerializer
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Madrid"])
@pytest.mark.parametrize("pax_count", [1, 3, 5, 51])
def test_the_statement_matches_the_selector_and_the_serializer(at, zone, pax_count):
    with override_settings(TIME_ZONE=zone):
        vehicles = [VehicleFactory(capacity=c) for c in (3, 8, 8, 4, 4, 50)]
        vehicles[5].is_active = False
        vehicles[5].save()
        TransferFactory(vehicle=vehicles[3], pickup_time=at(119), status="CONFIRMED")
        TransferFactory(vehicle=vehicles[1], pickup_time=at(-119), status="IN_PROGRESS", driver_name="Toni")
        TransferFactory(vehicle=vehicles[4], pickup_time=at(-120), status="CONFIRMED")  # a window away: free
        TransferFactory(vehicle=vehicles[0], pickup_time=at(), status="PENDING")
        TransferFactory(vehicle=vehicles[2], pickup_time=at(), status="CANCELLED")
        expected = VehicleSerializer(available_vehicles(pickup_at=at(), pax_count=pax_count), many=True).data
        assert available_vehicle_rows(pickup_at=at(), pax_count=pax_count) == expected


def test_no_free_vehicle_is_an_empty_list(at):
    assert available_vehicle_rows(pickup_at=at(), pax_count=1) == []
