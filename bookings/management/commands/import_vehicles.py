from django.core.management.base import CommandError

from bookings.vehicle_import import HEADER, import_vehicles, read_vehicle_rows
from dmc_transfers.commandline import OperationsCommand, describe, progress_bar
from dmc_transfers.errors import Invalid


class Command(OperationsCommand):
    help = (
        f"Create or update vehicles from a CSV file with the header {','.join(HEADER)} "
        "(is_active: true/false, yes/no or 1/0), matched by plate (trimmed, upper-cased). "
        "Every row is checked first, including deactivations refused because the vehicle has "
        "confirmed transfers ahead; if any row is bad, each is reported as 'line N: reason' "
        "and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.csv", help="the CSV file to import (UTF-8)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, but write nothing")

    def handle(self, *args, file, dry_run, **options):
        try:
            with open(file, encoding="utf-8-sig", newline="") as stream:
                rows, errors = read_vehicle_rows(stream)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file} is not UTF-8 text.") from exc
        except Invalid as exc:
            raise CommandError(f"{file}: {describe(exc)}") from exc
        try:
            with progress_bar(self, total=len(rows), unit=" rows", desc="Importing") as bar:
                counts = import_vehicles(rows=rows, errors=errors, dry_run=dry_run, on_row=bar.update)
        except Invalid as exc:
            for line, messages in exc.errors.items():
                self.stderr.write(f"{line}: {' '.join(messages)}")
            raise CommandError(f"{len(exc.errors)} bad row(s) in {file}; nothing was imported.") from exc
        summary = f"{counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged"
        self.stdout.write(f"Dry run, nothing written: would be {summary}." if dry_run else f"{summary.capitalize()}.")
