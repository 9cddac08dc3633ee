"""Reads: availability and day lists. No side effects."""
import datetime as dt
import functools

from django.db import connection
from django.db.models import Q

from bookings.choices import BUSY_STATUSES, TransferStatus
from bookings.models import Transfer
from bookings.rules import conflict_window, window_bounds
from dmc_transfers.localtime import day_bounds
from dmc_transfers.sql import column, fetch_all, table
from fleet.models import Vehicle


def busy_transfers(*, vehicle_ids=None, at, exclude_transfer_id=None):
    """Transfers that make a vehicle busy at ``at`` (``|pickup_time - at| < window``)."""
    start, end = window_bounds(at)
    qs = Transfer.objects.filter(pickup_time__gt=start, pickup_time__lt=end, status__in=BUSY_STATUSES)
    if vehicle_ids is not None:
        qs = qs.filter(vehicle_id__in=vehicle_ids)
    if exclude_transfer_id is not None:
        qs = qs.exclude(pk=exclude_transfer_id)
    return qs


@functools.cache
def busy_condition(alias, around=None):
    """``busy_transfers``' rule as SQL on transfers aliased ``alias``; ``busy_params(at)`` fills it.

    With ``around``, SQL naming the instant (a column of an outer query: the
    pickup of a transfer a statement locks, not known before it runs), the
    window is taken around that, on MySQL; ``busy_params_around()`` fills it.
    """
    pickup = column(Transfer, "pickup_time", alias)
    statuses = ", ".join(["%s"] * len(BUSY_STATUSES))
    start, end = ("%s", "%s") if around is None else (f"{around} - {_WINDOW}", f"{around} + {_WINDOW}")
    return f"{pickup} > {start} AND {pickup} < {end} AND {column(Transfer, 'status', alias)} IN ({statuses})"


_WINDOW = "INTERVAL %s MICROSECOND"  # a DATETIME stored in UTC moves as the aware instant does


def busy_params(at):
    start, end = (connection.ops.adapt_datetimefield_value(value) for value in window_bounds(at))
    return [start, end, *BUSY_STATUSES]


def busy_params_around():
    window = conflict_window() // dt.timedelta(microseconds=1)
    return [window, window, *BUSY_STATUSES]


@functools.cache
def conflict_condition(vehicle, *, alias="t", excluding=False, around=None):
    """``busy_transfers`` of one vehicle as a ``WHERE`` condition on transfers aliased ``alias``;
    ``vehicle`` is the SQL that names the vehicle (a placeholder, bound first, or a column of an
    outer query); ``excluding``: but one transfer; ``around``: as ``busy_condition``'s.
    ``conflict_params`` fill it (with ``around``, ``busy_params_around()`` and the excluded id).
    A range on the composite (vehicle, pickup_time, status) index."""
    sql = f"{column(Transfer, 'vehicle', alias)} = {vehicle} AND {busy_condition(alias, around)}"
    return f"{sql} AND {column(Transfer, 'pk', alias)} <> %s" if excluding else sql


def conflict_params(at, exclude_transfer_id=None):
    params = busy_params(at)
    return params if exclude_transfer_id is None else [*params, exclude_transfer_id]


@functools.cache
def _conflict_sql(excluding):
    return f"SELECT 1 FROM {table(Transfer)} t WHERE {conflict_condition('%s', excluding=excluding)} LIMIT 1"


def conflict_statement(*, vehicle_id, at, exclude_transfer_id=None):
    """``busy_transfers`` of one vehicle, hand-written (``dmc_transfers.sql``); booking and
    confirming ask it with the vehicle's lock (``locking.lock_vehicle``), amending on its own."""
    return _conflict_sql(exclude_transfer_id is not None), [vehicle_id, *conflict_params(at, exclude_transfer_id)]


def vehicle_is_busy(*, vehicle_id, at, exclude_transfer_id=None):
    return bool(fetch_all(*conflict_statement(vehicle_id=vehicle_id, at=at, exclude_transfer_id=exclude_transfer_id)))


def available_vehicles(*, pickup_at, pax_count):
    """Active vehicles seating ``pax_count`` that are not busy at ``pickup_at``.

    One query: the busy vehicle ids come from a single range read of the
    window on the ``pickup_time`` index (on MariaDB far cheaper than probing
    the composite index once per vehicle). Smallest capacity first, then id.
    """
    busy_ids = busy_transfers(at=pickup_at).values("vehicle_id")
    return (
        Vehicle.objects.filter(is_active=True, capacity__gte=pax_count)
        .exclude(id__in=busy_ids)
        .order_by("capacity", "id")
    )


def transfers_on(*, day=None, statuses=None, vehicle_id=None, client_reference=None, queryset=None):
    """Transfers whose pickup falls on local ``day`` (all days when ``None``), by pickup then id."""
    qs = Transfer.objects.all() if queryset is None else queryset
    if day is not None:
        start, end = day_bounds(day)
        qs = qs.filter(pickup_time__gte=start, pickup_time__lt=end)
    if statuses:
        qs = qs.filter(status__in=statuses)
    if vehicle_id is not None:
        qs = qs.filter(vehicle_id=vehicle_id)
    if client_reference is not None:
        qs = qs.filter(client_reference=client_reference)
    return qs.order_by("pickup_time", "id")


def future_busy_transfers(*, vehicle_id, now):
    """Work that blocks deactivating a vehicle: confirmed from ``now`` on, or under way."""
    upcoming = Q(status=TransferStatus.CONFIRMED, pickup_time__gte=now)
    return Transfer.objects.filter(upcoming | Q(status=TransferStatus.IN_PROGRESS), vehicle_id=vehicle_id).order_by(
        "pickup_time", "id"
    )
