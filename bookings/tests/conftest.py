import datetime as dt

import pytest
from django.utils import timezone

from bookings.tests.factories import TransferFactory
from fleet.tests.factories import VehicleFactory


@pytest.fixture
def at():
    """A pickup instant ``days`` ahead at a round local-independent hour, plus ``minutes``."""
    base = (timezone.now() + dt.timedelta(days=5)).replace(hour=12, minute=0, second=0, microsecond=0)

    def make(minutes=0, days=0):
        return base + dt.timedelta(days=days, minutes=minutes)

    return make


@pytest.fixture
def vehicle(db):
    return VehicleFactory(capacity=7)


@pytest.fixture
def booking(integrator, vehicle, at):
    """Keyword arguments of a valid booking."""
    return {
        "by": integrator,
        "vehicle_id": vehicle.id,
        "pickup_time": at(),
        "pax_count": 3,
        "passenger_name": "Ada Lovelace",
        "pickup_location": "PMI Terminal A",
        "dropoff_location": "Hotel Sol, Palma",
    }


@pytest.fixture
def confirmed(vehicle):
    def make(pickup_time, **kwargs):
        return TransferFactory(vehicle=kwargs.pop("vehicle", vehicle), pickup_time=pickup_time, status="CONFIRMED", **kwargs)

    return make


@pytest.fixture
def body(vehicle, at):
    """A valid ``POST /transfers`` body (the API's twin of ``booking``)."""
    return {
        "vehicle_id": vehicle.id,
        "pickup_time": at().isoformat(),
        "pax_count": 3,
        "passenger_name": "Ada Lovelace",
        "pickup_location": "PMI Terminal A",
        "dropoff_location": "Hotel Sol, Palma",
    }
