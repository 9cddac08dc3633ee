from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dmc_transfers.errors import Conflict, Invalid
from fleet.models import Vehicle, normalize_plate


def _duplicate_plate(plate):
    return Conflict(f"A vehicle with plate {plate} already exists.", code="duplicate_plate")


def create_vehicle(*, plate, vehicle_type, capacity, is_active=True):
    """Register a vehicle; plates are unique once trimmed and upper-cased."""
    vehicle = Vehicle(plate=normalize_plate(plate), vehicle_type=vehicle_type, capacity=capacity, is_active=is_active)
    try:
        vehicle.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise Invalid(exc.message_dict) from exc
    if Vehicle.objects.filter(plate=vehicle.plate).exists():
        raise _duplicate_plate(vehicle.plate)
    try:
        with transaction.atomic():
            vehicle.save()
    except IntegrityError as exc:  # a concurrent insert of the same plate
        raise _duplicate_plate(vehicle.plate) from exc
    return vehicle
