"""The day's run sheet: transfers grouped by vehicle, in local time."""
from itertools import groupby

from dmc_transfers.localtime import to_local

COLUMNS = ("time", "flight", "passenger", "pax", "from", "to", "driver", "status")
MISSING = "-"


def manifest_groups(transfers):
    """``[(vehicle, [row, ...]), ...]``: vehicles by plate, rows by pickup.

    ``transfers`` come ordered by pickup (``selectors.transfers_on``); the
    stable sort by plate keeps that order inside each vehicle.
    """
    by_plate = sorted(transfers, key=lambda t: t.vehicle.plate)
    return [
        (vehicle, [manifest_row(t) for t in group])
        for vehicle, group in groupby(by_plate, key=lambda t: t.vehicle)
    ]


def manifest_row(transfer):
    return (
        f"{to_local(transfer.pickup_time):%H:%M}",
        transfer.flight_number or MISSING,
        transfer.passenger_name,
        str(transfer.pax_count),
        transfer.pickup_location,
        transfer.dropoff_location,
        transfer.driver_name or MISSING,
        transfer.status,
    )


def render_table(groups):
    """Plain-text tables, one per vehicle, with columns aligned across the sheet."""
    header = tuple(name.upper() for name in COLUMNS)
    rows = [header] + [row for _, group in groups for row in group]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    pax = COLUMNS.index("pax")

    def line(row):
        cells = [cell.rjust(w) if i == pax else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        return "  " + "  ".join(cells).rstrip()

    blocks = []
    for vehicle, group in groups:
        title = f"{vehicle.plate} · {vehicle.get_vehicle_type_display()} · {vehicle.capacity} seats"
        blocks.append("\n".join([title, line(header), *map(line, group)]))
    return "\n\n".join(blocks)
