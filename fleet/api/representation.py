"""Vehicles as API.md shows them, as rows (``dmc_transfers.rows``): the fields and their order.

An availability answer holds up to the whole fleet; building it through
VehicleSerializer cost more than the query itself (README, Performance).
``VehicleSerializer`` stays the schema and the reference: the tests check
both give the same representation.
"""
from fleet.api.serializers import VehicleSerializer

VEHICLE_FIELDS = tuple(VehicleSerializer.Meta.fields)
VEHICLE_DATETIMES = ("created_at", "updated_at")

