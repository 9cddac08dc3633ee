import time

from django.core.management.base import CommandError

from demo.seeding import DEMO_COORDINATOR, DEMO_COORDINATOR_PASSWORD, DEMO_INTEGRATOR, seed_demo
from dmc_transfers.commandline import OperationsCommand, describe, int_at_least, progress_bar
from dmc_transfers.errors import DomainError


class Command(OperationsCommand):
    help = (
        "Load realistic demo data: a Mallorca DMC's fleet (40 % sedans, 25 % minivans, 15 % vans, "
        "12 % minibuses, 8 % coaches, 2 % inactive) and transfers spread over --days days around "
        "today (past ones mostly completed, future ones pending or confirmed, some cancelled), with "
        "full status histories and the confirmation notices, never two busy transfers of a vehicle "
        "within the conflict window. The same --seed on the same day writes the same data. Also "
        f"creates the users {DEMO_COORDINATOR} (admin, password {DEMO_COORDINATOR_PASSWORD}) and "
        f"{DEMO_INTEGRATOR} (API). Refuses a database that already has transfers, unless --if-empty "
        "(then it does nothing: what `make run` uses) or --append (adds a new fleet with its transfers)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--vehicles", type=int_at_least(1), default=40, metavar="N", help="fleet size (40)")
        parser.add_argument("--transfers", type=int_at_least(0), default=400, metavar="N", help="transfers (400)")
        parser.add_argument(
            "--days", type=int_at_least(1), default=30, metavar="N", help="days around today they spread over (30)"
        )
        parser.add_argument("--seed", type=int, default=2026, metavar="S", help="random seed (2026)")
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--if-empty", action="store_true", help="do nothing (exit 0) when the database has transfers"
        )
        existing.add_argument("--append", action="store_true", help="add to a database that has transfers")

    def handle(self, *args, vehicles, transfers, days, seed, if_empty, append, **options):
        started = time.monotonic()
        try:
            with progress_bar(self, total=transfers, unit=" transfers", desc="Seeding") as bar:
                summary = seed_demo(
                    vehicles=vehicles, transfers=transfers, days=days, seed=seed, append=append, on_progress=bar.update
                )
        except DomainError as exc:
            if if_empty and exc.code == "database_not_empty":
                self.stdout.write(exc.detail)
                return
            hint = " Use --append to add to it, or --if-empty to skip." if exc.code == "database_not_empty" else ""
            raise CommandError(describe(exc) + hint) from exc
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(summary.statuses.items()))
        self.stdout.write(
            f"Seeded {summary.vehicles} vehicles ({summary.inactive_vehicles} inactive) and "
            f"{summary.transfers} transfers ({statuses or 'none'}) with {summary.history_rows} status changes "
            f"and {summary.notifications} sent notifications in {time.monotonic() - started:.1f} s."
        )
