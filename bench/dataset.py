"""The benchmark's data: the standard data set, and each run's own fresh work.

The seeded transfers cover ``days // 2`` days either side of the day they
were loaded; a data set loaded more than ``MAX_AGE_DAYS`` ago no longer lies
around today, and is loaded anew. Runs
book and confirm in the far future beyond them (up to the booking horizon),
in a grid of slots a conflict window plus an hour apart per vehicle, each run
after the last transfer earlier runs left there, so runs never collide with
each other or with the seeded schedule and every request answers 2xx. When
the grid reaches the horizon, the harness removes what its own earlier runs
wrote there and starts again.
"""
import datetime as dt
import sys
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from bench import server_settings
from bookings import selectors
from bookings.choices import TransferStatus
from bookings.clients import create_api_client, rotate_api_key
from bookings.models import IdempotencyRecord, Transfer, TransferStatusHistory
from bookings.rules import conflict_window
from demo.bulk import insert_rows
from dmc_transfers.errors import NotFound
from dmc_transfers.localtime import day_bounds, local_zone
from fleet.models import Vehicle
from notifications.models import Notification

CLIENT = "bench-coordinator"
SLOT = conflict_window() + dt.timedelta(hours=1)
IN_FLIGHT_GAP = 1000
# A data set is loaded anew once today is this far from the day it was laid out around:
# availability is asked up to 300 days ahead and the busy day within 60, all in seeded days.
MAX_AGE_DAYS = 30
# What a load writes, children first; emptied before a new load.
DATA_SET_MODELS = (Notification, IdempotencyRecord, TransferStatusHistory, Transfer, Vehicle)
# Availability targets of the issue: about 900 and 180 vehicles in the answers.
WANTED = {2: 900, 12: 180}


@dataclass(frozen=True)
class Standard:
    vehicles: int
    transfers: int
    days: int
    seed: int


def ensure_dataset(standard, log):
    """Seed ``standard`` unless the database already holds exactly that fleet and transfers."""
    # The bench's own transfers are its client's, wherever they lie: counted by pickup time, those
    # near the far future's start would pass for seeded ones once the date moves on.
    seeded = Transfer.objects.exclude(created_by__username=CLIENT)
    vehicles, transfers = Vehicle.objects.count(), seeded.count()
    if (vehicles, transfers) == (standard.vehicles, standard.transfers):
        centre = laid_out_around(standard)
        age = abs((timezone.localdate() - centre).days)
        if age <= MAX_AGE_DAYS:
            log(f"Reusing the data set: {vehicles} vehicles, {transfers} seeded transfers.")
            return False
        log(f"The data set lies around {centre}, {age} days from today: loading it anew.")
        _empty_data_set()
    elif vehicles or transfers:
        raise SystemExit(
            f"The bench database holds {vehicles} vehicles and {transfers} transfers, not the standard "
            f"{standard.vehicles} and {standard.transfers}: drop it (or point BENCH_DATABASE_URL elsewhere)."
        )
    log(f"Seeding {standard.vehicles} vehicles and {standard.transfers} transfers over {standard.days} days...")
    # The operators' command: its progress bar on a terminal, its summary line, on the harness's stderr.
    call_command(
        "seed_demo", vehicles=standard.vehicles, transfers=standard.transfers, days=standard.days,
        seed=standard.seed, stdout=sys.stderr, stderr=sys.stderr,
    )
    return True


def laid_out_around(standard):
    """The local day a seeded data set was laid out around: its first pickup's day plus ``days // 2``.

    The earliest pickup is a seeded one: the bench's own transfers lie in the far future.
    """
    first = Transfer.objects.aggregate(first=Min("pickup_time"))["first"]
    return timezone.localtime(first).date() + dt.timedelta(days=standard.days // 2)


def _empty_data_set():
    """Empty the tables a load fills: TRUNCATE takes seconds where deleting millions of rows takes minutes."""
    with connection.cursor() as cursor:
        cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for model in DATA_SET_MODELS:
                cursor.execute(f"TRUNCATE TABLE {connection.ops.quote_name(model._meta.db_table)}")
        finally:
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


def api_key():
    """A fresh key for the bench's coordinator client (created on the first run)."""
    try:
        return rotate_api_key(name=CLIENT)
    except NotFound:  # the first run
        return create_api_client(name=CLIENT, role="coordinator")


def _far_start():
    """Where the bench's own transfers begin: past the seeded days, before the horizon."""
    seeded_half = settings.BOOKING_HORIZON_DAYS // 2
    midnight = dt.datetime.combine(timezone.localdate(), dt.time.min, tzinfo=local_zone())
    return midnight + dt.timedelta(days=seeded_half + 5)


def _far_end():
    return timezone.now() + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS - 1)


def availability_params():
    """A future local date and time whose answers come closest to 900 (pax 2) and 180 (pax 12) vehicles."""
    today = timezone.localdate()
    best = None
    for days_ahead in (20, 60, 120, 200, 300):
        for hour in (6, 10, 14, 18, 22):
            pickup = dt.datetime.combine(today + dt.timedelta(days=days_ahead), dt.time(hour), tzinfo=local_zone())
            counts = {pax: selectors.available_vehicles(pickup_at=pickup, pax_count=pax).count() for pax in WANTED}
            miss = sum(abs(counts[pax] - want) / want for pax, want in WANTED.items())
            if best is None or miss < best[0]:
                best = (miss, pickup, counts)
    _, pickup, counts = best
    return pickup, counts


def busy_day():
    """The future local day (within 60 days) with the most transfers, and its transfer ids."""
    start = timezone.now()
    rows = (
        Transfer.objects.filter(pickup_time__gte=start, pickup_time__lt=start + dt.timedelta(days=60))
        .values_list("pickup_time", flat=True)
        .order_by()
    )
    per_day = {}
    for pickup in rows.iterator(chunk_size=10000):
        day = timezone.localtime(pickup).date()
        per_day[day] = per_day.get(day, 0) + 1
    day = max(per_day, key=lambda d: (per_day[d], d))
    ids = list(selectors.transfers_on(day=day).values_list("id", flat=True))
    return day, ids


class SlotGrid:
    """Free (vehicle, pickup) slots in the far future, handed out in order, each once."""

    def __init__(self):
        self.vehicle_ids = list(Vehicle.objects.filter(is_active=True).order_by("id").values_list("id", flat=True))
        self.start = self._first_free()

    @staticmethod
    def _first_free():
        far = _far_start()
        latest = Transfer.objects.filter(pickup_time__gte=far).aggregate(top=Max("pickup_time"))["top"]
        return far if latest is None else latest + SLOT

    def take(self, count):
        """``count`` slots: vehicles in turn, a row of them every SLOT."""
        rows = -(-count // len(self.vehicle_ids))
        if self.start + rows * SLOT > _far_end():
            reclaim_far_future()
            self.start = _far_start()
        slots = [
            (self.vehicle_ids[i % len(self.vehicle_ids)], self.start + (i // len(self.vehicle_ids)) * SLOT)
            for i in range(count)
        ]
        self.start += rows * SLOT
        return slots


def reclaim_far_future():
    """Remove what earlier runs wrote beyond the seeded days (children first: the keys protect)."""
    far = Transfer.objects.filter(pickup_time__gte=_far_start()).values("id")
    with transaction.atomic():
        Notification.objects.filter(transfer_id__in=far).delete()
        IdempotencyRecord.objects.filter(transfer_id__in=far).delete()
        TransferStatusHistory.objects.filter(transfer_id__in=far).delete()
        Transfer.objects.filter(pickup_time__gte=_far_start()).delete()


def insert_pending(slots, user):
    """PENDING transfers (with their ``null -> PENDING`` history row) in ``slots``; their ids."""
    now = timezone.now()
    with transaction.atomic():
        # Past any booking still in flight from the previous wrk row (wrk stops
        # without waiting for its last requests; the service finishes them).
        first = (Transfer.objects.aggregate(top=Max("pk"))["top"] or 0) + IN_FLIGHT_GAP
        ids = list(range(first, first + len(slots)))
        transfers = [
            (pk, vehicle_id, pickup, 1, f"Bench Passenger {pk}", "Palma Airport (PMI)", "Hotel Bench, Palma", user.pk,
             TransferStatus.PENDING, now, now)
            for pk, (vehicle_id, pickup) in zip(ids, slots, strict=True)
        ]
        insert_rows(
            Transfer,
            ("id", "vehicle_id", "pickup_time", "pax_count", "passenger_name", "pickup_location", "dropoff_location",
             "created_by_id", "status", "created_at", "updated_at"),
            transfers,
        )
        insert_rows(
            TransferStatusHistory,
            ("transfer_id", "from_status", "to_status", "changed_at", "changed_by"),
            [(pk, None, TransferStatus.PENDING, now, user.get_username()) for pk in ids],
        )
    return ids


def day_count(day):
    start, end = day_bounds(day)
    return Transfer.objects.filter(pickup_time__gte=start, pickup_time__lt=end).aggregate(n=Count("id"))["n"]


def server_info():
    """The database server's version and the settings that matter for these numbers."""
    names = (
        "innodb_buffer_pool_size", "innodb_flush_log_at_trx_commit", "innodb_log_file_size", "sync_binlog",
        "log_bin", "max_connections", "thread_handling", "transaction_isolation", "tx_isolation",
        "optimizer_switch", "query_cache_type", "query_cache_size", "innodb_autoinc_lock_mode",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        version = cursor.fetchone()[0]
    return {"version": version, "settings": server_settings.global_variables(names)}


def fleet_summary():
    active = Vehicle.objects.filter(is_active=True)
    return {
        "active": active.count(),
        "active_seating_4_plus": active.filter(capacity__gte=4).count(),
        "active_seating_12_plus": active.filter(capacity__gte=12).count(),
    }
