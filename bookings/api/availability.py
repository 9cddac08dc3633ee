"""``GET /availability``'s vehicles in one hand-written statement (``dmc_transfers.sql``).

The same question as ``selectors.available_vehicles`` (the ORM version, which
the tests hold this one to), asked the same way: the busy vehicle ids come from one range
read of the window on the ``pickup_time`` index. The tests check both agree.
"""
import functools

from django.db import connection

from bookings.choices import BUSY_STATUSES
from bookings.models import Transfer
from bookings.rules import window_bounds
from dmc_transfers.rows import as_dicts
from dmc_transfers.sql import column, fetch_all, stored_text, table
from fleet.api.representation import VEHICLE_DATETIMES, VEHICLE_FIELDS
from fleet.models import Vehicle


class AvailabilityRead:
    def __init__(self):
        picked = [
            stored_text(column(Vehicle, name, "v")) if name in VEHICLE_DATETIMES else column(Vehicle, name, "v")
            for name in VEHICLE_FIELDS
        ]
        pickup = column(Transfer, "pickup_time", "t")
        busy = (
            f"SELECT {column(Transfer, 'vehicle', 't')} FROM {table(Transfer)} t "
            f"WHERE {pickup} > %s AND {pickup} < %s "
            f"AND {column(Transfer, 'status', 't')} IN ({', '.join(['%s'] * len(BUSY_STATUSES))})"
        )
        self.sql = (
            f"SELECT {', '.join(picked)} FROM {table(Vehicle)} v "
            f"WHERE {column(Vehicle, 'is_active', 'v')} = %s AND {column(Vehicle, 'capacity', 'v')} >= %s "
            f"AND {column(Vehicle, 'id', 'v')} NOT IN ({busy}) "
            f"ORDER BY {column(Vehicle, 'capacity', 'v')}, {column(Vehicle, 'id', 'v')}"
        )

    def statement(self, pickup_at, pax_count):
        start, end = (connection.ops.adapt_datetimefield_value(value) for value in window_bounds(pickup_at))
        return self.sql, [True, pax_count, start, end, *BUSY_STATUSES]

    def __call__(self, pickup_at, pax_count):
        found = fetch_all(*self.statement(pickup_at, pax_count))
        vehicles = as_dicts(found, VEHICLE_FIELDS, VEHICLE_DATETIMES)
        for vehicle in vehicles:
            vehicle["is_active"] = bool(vehicle["is_active"])  # a 0/1 column on MySQL and SQLite
        return vehicles


@functools.cache
def availability_read():
    return AvailabilityRead()


def available_vehicle_rows(*, pickup_at, pax_count):
    """Active vehicles seating ``pax_count`` free at ``pickup_at``, as API.md shows them."""
    return availability_read()(pickup_at, pax_count)
