import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from dmc_transfers.integrity import registered_checks
from dmc_transfers.localtime import day_bounds


def local_date(value):
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Check the booking invariants: no vehicle double-booked within the conflict window, every "
        "status history a full chain ending at the current status, exactly one confirmation "
        "notification per transfer ever confirmed, no idempotency record without its transfer. "
        "Prints each violation; exits 1 when there is any. Read-only: safe against production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date-from", type=str, help="first local pickup day to check (YYYY-MM-DD)")
        parser.add_argument("--date-to", type=str, help="last local pickup day to check, inclusive (YYYY-MM-DD)")

    def handle(self, *args, date_from=None, date_to=None, **options):
        start = day_bounds(local_date(date_from))[0] if date_from else None
        end = day_bounds(local_date(date_to))[1] if date_to else None
        if start and end and start >= end:
            raise CommandError("--date-from must not be after --date-to.")
        found = 0
        for check in registered_checks():
            began = time.monotonic()
            count = 0
            for violation in check(start=start, end=end):
                self.stdout.write(str(violation))
                count += 1
            found += count
            self.stderr.write(f"{check.__name__}: {count} violation(s) in {time.monotonic() - began:.1f} s")
        if found:
            raise CommandError(f"{found} violation(s) found.")
        self.stdout.write(self.style.SUCCESS("No violations found."))
