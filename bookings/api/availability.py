"""``GET /availability``'s vehicles in one hand-written statement (``dmc_transfers.sql``).

The same question as ``selectors.available_vehicles`` (the ORM version, which
the tests hold this one to), asked the same way: the busy vehicle ids come
from one range read of the window on the ``pickup_time`` index.
"""
import functools

from bookings.models import Transfer
from bookings.selectors import busy_condition, busy_params
from dmc_transfers.rows import as_dicts
from dmc_transfers.sql import column, fetch_all, selected, table
from fleet.api.representation import VEHICLE_DATETIMES, VEHICLE_FIELDS
from fleet.models import Vehicle


class AvailabilityRead:
    def __init__(self):
        busy = f"SELECT {column(Transfer, 'vehicle', 't')} FROM {table(Transfer)} t WHERE {busy_condition('t')}"
        self.sql = (
            f"SELECT {selected(Vehicle, VEHICLE_FIELDS, 'v', VEHICLE_DATETIMES)} FROM {table(Vehicle)} v "
            f"WHERE {column(Vehicle, 'is_active', 'v')} = %s AND {column(Vehicle, 'capacity', 'v')} >= %s "
            f"AND {column(Vehicle, 'id', 'v')} NOT IN ({busy}) "
            f"ORDER BY {column(Vehicle, 'capacity', 'v')}, {column(Vehicle, 'id', 'v')}"
        )

    def statement(self, pickup_at, pax_count):
        return self.sql, [True, pax_count, *busy_params(pickup_at)]

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
