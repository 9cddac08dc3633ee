import csv

from django.core.management.base import CommandError

from bookings import selectors
from bookings.choices import TransferStatus
from bookings.manifest import COLUMNS, manifest_groups, render_table
from dmc_transfers.commandline import OperationsCommand, iso_date
from dmc_transfers.localtime import local_zone
from fleet.models import Vehicle, normalize_plate


class Command(OperationsCommand):
    help = (
        "Print the run sheet of one local day (TIME_ZONE): its transfers grouped by vehicle and "
        "ordered by pickup, with time, flight, passenger, pax, from, to, driver and status. "
        "Cancelled transfers are left out unless --include-cancelled."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=iso_date, required=True, metavar="YYYY-MM-DD", help="the local day")
        parser.add_argument(
            "--format", choices=("table", "csv"), default="table", help="aligned text (default) or CSV"
        )
        parser.add_argument("--vehicle", metavar="PLATE", help="only this vehicle's transfers")
        parser.add_argument("--include-cancelled", action="store_true", help="list cancelled transfers too")

    def handle(self, *args, date, format, vehicle, include_cancelled, **options):
        vehicle_id = None
        if vehicle is not None:
            plate = normalize_plate(vehicle)
            vehicle_id = Vehicle.objects.filter(plate=plate).values_list("id", flat=True).first()
            if vehicle_id is None:
                raise CommandError(f"No vehicle has plate {plate!r}.")
        statuses = None if include_cancelled else [s for s in TransferStatus.values if s != TransferStatus.CANCELLED]
        transfers = selectors.transfers_on(day=date, statuses=statuses, vehicle_id=vehicle_id).select_related(
            "vehicle"
        )
        groups = manifest_groups(transfers)
        if format == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(("vehicle", *COLUMNS))
            writer.writerows((v.plate, *row) for v, group in groups for row in group)
            return
        count = sum(len(group) for _, group in groups)
        self.stdout.write(
            f"Run sheet for {date:%A %d %B %Y} ({local_zone()}): {count} transfer(s) on {len(groups)} vehicle(s)"
        )
        if groups:
            self.stdout.write("\n" + render_table(groups))
