"""Vehicles as API.md shows them, read with ``.values()``.

An availability answer holds up to the whole fleet; building it through
VehicleSerializer cost more than the query itself (README, Performance).
``VehicleSerializer`` stays the schema and the reference: the tests check
both give the same representation.
"""
from dmc_transfers.serializer_fields import represent_datetime
from fleet.api.serializers import VehicleSerializer

VEHICLE_FIELDS = tuple(VehicleSerializer.Meta.fields)


def vehicle_rows(queryset):
    rows = list(queryset.values(*VEHICLE_FIELDS))
    for row in rows:
        row["created_at"] = represent_datetime(row["created_at"])
        row["updated_at"] = represent_datetime(row["updated_at"])
    return rows
