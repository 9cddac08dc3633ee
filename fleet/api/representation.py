"""Vehicles as API.md shows them, read as rows (``dmc_transfers.rows``).

An availability answer holds up to the whole fleet; building it through
VehicleSerializer cost more than the query itself (README, Performance).
``VehicleSerializer`` stays the schema and the reference: the tests check
both give the same representation.
"""
from dmc_transfers.rows import rows
from fleet.api.serializers import VehicleSerializer

VEHICLE_FIELDS = tuple(VehicleSerializer.Meta.fields)
VEHICLE_DATETIMES = ("created_at", "updated_at")


def vehicle_rows(queryset):
    return rows(queryset, VEHICLE_FIELDS, VEHICLE_DATETIMES)
