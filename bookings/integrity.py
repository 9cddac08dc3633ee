"""Booking invariants: no double-booked vehicle, every history a full chain."""
from django.db.models import F, OuterRef, Q, Subquery, Window
from django.db.models.functions import Lag, RowNumber

from bookings.choices import BUSY_STATUSES, TransferStatus
from bookings.models import IdempotencyRecord, Transfer, TransferStatusHistory
from bookings.rules import is_within_window
from dmc_transfers.integrity import Violation

NAME_DOUBLE_BOOKED = "double_booked_vehicle"
NAME_HISTORY = "broken_history"
NAME_IDEMPOTENCY = "dangling_idempotency_record"


def _in_range(queryset, start, end, prefix=""):
    if start is not None:
        queryset = queryset.filter(**{f"{prefix}pickup_time__gte": start})
    if end is not None:
        queryset = queryset.filter(**{f"{prefix}pickup_time__lt": end})
    return queryset


def double_booked_vehicles(*, start=None, end=None):
    """Busy transfers of one vehicle closer than the window (adjacent pairs suffice)."""
    busy = _in_range(Transfer.objects.filter(status__in=BUSY_STATUSES), start, end)
    previous = busy.annotate(
        prev_id=Window(Lag("id"), partition_by=F("vehicle_id"), order_by=[F("pickup_time").asc(), F("id").asc()]),
        prev_pickup=Window(
            Lag("pickup_time"), partition_by=F("vehicle_id"), order_by=[F("pickup_time").asc(), F("id").asc()]
        ),
    ).values_list("vehicle_id", "id", "pickup_time", "prev_id", "prev_pickup")
    for vehicle_id, transfer_id, pickup, prev_id, prev_pickup in previous.iterator(chunk_size=5000):
        if prev_id is not None and is_within_window(prev_pickup, pickup):
            yield Violation(
                NAME_DOUBLE_BOOKED,
                f"vehicle {vehicle_id}: transfers {prev_id} ({prev_pickup.isoformat()}) and "
                f"{transfer_id} ({pickup.isoformat()}) are both busy within the conflict window",
            )


def broken_histories(*, start=None, end=None):
    """Each history starts ``null -> PENDING``, chains, and ends at the current status."""
    order = [F("changed_at").asc(), F("id").asc()]
    rows = _in_range(TransferStatusHistory.objects.all(), start, end, prefix="transfer__").annotate(
        position=Window(RowNumber(), partition_by=F("transfer_id"), order_by=order),
        prev_to=Window(Lag("to_status"), partition_by=F("transfer_id"), order_by=order),
    )
    bad_start = Q(position=1) & (Q(from_status__isnull=False) | ~Q(to_status=TransferStatus.PENDING))
    bad_link = Q(position__gt=1) & (Q(from_status__isnull=True) | ~Q(from_status=F("prev_to")))
    for transfer_id, position, from_status, to_status, prev_to in (
        rows.filter(bad_start | bad_link).values_list("transfer_id", "position", "from_status", "to_status", "prev_to")
    ):
        expected = "null -> PENDING" if position == 1 else f"{prev_to} -> ..."
        yield Violation(
            NAME_HISTORY,
            f"transfer {transfer_id}: history row {position} is {from_status or 'null'} -> {to_status}, "
            f"expected {expected}",
        )
    transfers = _in_range(Transfer.objects.all(), start, end)
    for transfer_id in transfers.filter(status_history__isnull=True).values_list("id", flat=True):
        yield Violation(NAME_HISTORY, f"transfer {transfer_id}: has no history at all")
    last = TransferStatusHistory.objects.filter(transfer=OuterRef("pk")).order_by("-changed_at", "-id")
    ended = transfers.annotate(last_status=Subquery(last.values("to_status")[:1])).filter(last_status__isnull=False)
    for transfer_id, last_status, status in ended.exclude(last_status=F("status")).values_list(
        "id", "last_status", "status"
    ):
        yield Violation(NAME_HISTORY, f"transfer {transfer_id}: history ends at {last_status} but it is {status}")


def dangling_idempotency_records(*, start=None, end=None):
    """Every remembered answer points at the transfer it created (records live ~48 h: few)."""
    records = IdempotencyRecord.objects.all()
    if start is not None or end is not None:
        records = _in_range(records, start, end, prefix="transfer__")
    for record_id, key, transfer_id, body in records.values_list("id", "key", "transfer_id", "response_body").iterator():
        answered = body.get("id") if isinstance(body, dict) else None
        if transfer_id is None or answered != transfer_id:
            yield Violation(
                NAME_IDEMPOTENCY,
                f"idempotency record {record_id} (key {key!r}) points at transfer {transfer_id}, its answer at {answered}",
            )
