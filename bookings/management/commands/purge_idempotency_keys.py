import datetime as dt


from bookings.housekeeping import IDEMPOTENCY_MIN_RETENTION_HOURS, purge_idempotency_records
from dmc_transfers.commandline import OperationsCommand, domain_errors, int_at_least, progress_bar

DEFAULT_HOURS = 48


class Command(OperationsCommand):
    help = (
        "Delete stored Idempotency-Key answers older than --older-than hours (default 48). "
        f"API.md keeps keys at least {IDEMPOTENCY_MIN_RETENTION_HOURS} hours, "
        "so smaller values are refused. Run it daily (cron or a scheduler)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int_at_least(IDEMPOTENCY_MIN_RETENTION_HOURS),
            default=DEFAULT_HOURS,
            metavar="HOURS",
            help=f"age in hours of the records to delete (default {DEFAULT_HOURS})",
        )

    def handle(self, *args, older_than, **options):
        with domain_errors(), progress_bar(self, unit=" keys", desc="Purging") as bar:
            deleted = purge_idempotency_records(older_than=dt.timedelta(hours=older_than), on_batch=bar.update)
        self.stdout.write(f"Deleted {deleted} idempotency key(s) older than {older_than} hours.")
