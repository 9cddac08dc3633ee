"""Importing the fleet from CSV: every row is checked before anything is kept.

It lives in bookings, not fleet, because deactivating a vehicle is a
bookings rule (``services.set_vehicle_active``): one with confirmed work
ahead stays active.
"""
import csv
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from bookings.locking import lock_vehicles
from bookings.services import set_vehicle_active
from dmc_transfers.errors import Conflict, Invalid
from fleet.models import Vehicle, normalize_plate
from fleet.services import create_vehicle

HEADER = ("plate", "vehicle_type", "capacity", "is_active")
BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@dataclass(frozen=True)
class VehicleRow:
    line: int
    plate: str
    vehicle_type: str
    capacity: int
    is_active: bool


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def read_vehicle_rows(stream):
    """Parse CSV text into rows; return ``(rows, errors)``, errors as ``{"line N": [reason]}``.

    A missing or unexpected header is an ``Invalid`` on ``header``: no row can
    be read without it.
    """
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
        header = tuple(name.strip().lower() for name in header or ())
        if header != HEADER:
            raise Invalid.field("header", f"expected {','.join(HEADER)}, got {','.join(header) or 'an empty file'}.")
        rows, errors, first_seen = [], {}, {}
        for record in reader:
            if not any(field.strip() for field in record):
                continue
            line = reader.line_num
            try:
                row = _parse_record(line, record)
            except ValueError as exc:
                errors[f"line {line}"] = [str(exc)]
                continue
            if row.plate in first_seen:
                errors[f"line {line}"] = [f"plate {row.plate} already appears on line {first_seen[row.plate]}."]
                continue
            first_seen[row.plate] = line
            rows.append(row)
    except csv.Error as exc:
        raise Invalid.field(f"line {reader.line_num}", f"not readable as CSV ({exc}).") from exc
    return rows, errors


def _parse_record(line, record):
    if len(record) != len(HEADER):
        raise ValueError(f"expected {len(HEADER)} fields, got {len(record)}.")
    plate, vehicle_type, capacity, is_active = (field.strip() for field in record)
    candidate = Vehicle(plate=normalize_plate(plate), vehicle_type=vehicle_type.upper(), capacity=capacity)
    problems = []
    try:
        # The model's own validators: plate length, type choices, capacity range.
        candidate.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        problems = [f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()]
    if is_active.lower() not in BOOLEANS:
        problems.append(f"is_active: {is_active!r} is not one of {'/'.join(BOOLEANS)}.")
    if problems:
        raise ValueError(" ".join(problems))
    return VehicleRow(line, candidate.plate, candidate.vehicle_type, candidate.capacity, BOOLEANS[is_active.lower()])


def import_vehicles(*, rows, errors=None, dry_run=False, on_row=None):
    """Create or update vehicles by plate, all or nothing; return the counts.

    Rows are applied inside one transaction, with every vehicle of the file
    locked up front in id order; a deactivation goes through
    ``set_vehicle_active``, and the rows it refuses join ``errors``. If any
    row is bad, ``Invalid`` lists them all (``line N``) and nothing is kept;
    a dry run is rolled back too, after counting.
    """
    errors = dict(errors or {})
    counts = ImportCounts()
    with transaction.atomic():
        ids = Vehicle.objects.filter(plate__in=[row.plate for row in rows]).values_list("id", flat=True)
        existing = {v.plate: v for v in lock_vehicles(ids).values()}
        for row in rows:
            try:
                outcome = _apply(row, existing.get(row.plate))
            except Conflict as exc:
                errors[f"line {row.line}"] = [exc.detail]
            else:
                setattr(counts, outcome, getattr(counts, outcome) + 1)
            if on_row is not None:
                on_row()
        if errors:
            raise Invalid(dict(sorted(errors.items(), key=lambda item: int(item[0].split()[1]))))
        if dry_run:
            transaction.set_rollback(True)
    return counts


def _apply(row, vehicle):
    if vehicle is None:
        create_vehicle(plate=row.plate, vehicle_type=row.vehicle_type, capacity=row.capacity, is_active=row.is_active)
        return "created"
    outcome = "unchanged"
    if (vehicle.vehicle_type, vehicle.capacity) != (row.vehicle_type, row.capacity):
        vehicle.vehicle_type, vehicle.capacity = row.vehicle_type, row.capacity
        vehicle.save(update_fields=["vehicle_type", "capacity", "updated_at"])
        outcome = "updated"
    if vehicle.is_active != row.is_active:
        set_vehicle_active(vehicle=vehicle, is_active=row.is_active)
        outcome = "updated"
    return outcome
