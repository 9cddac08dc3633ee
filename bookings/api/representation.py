"""Transfers as API.md shows them, read with ``.values()``, histories in one query.

Building TransferSerializer's fields (and its nested history serializer) cost
about a millisecond per response, more than the queries (README,
Performance). ``TransferSerializer`` stays the schema and the reference: the
tests check both give the same representation.
"""
from bookings.api.serializers import TRANSFER_FIELDS, StatusHistorySerializer
from bookings.models import TransferStatusHistory
from dmc_transfers.serializer_fields import represent_datetime

TRANSFER_COLUMNS = tuple(name for name in TRANSFER_FIELDS if name != "status_history")
HISTORY_FIELDS = tuple(StatusHistorySerializer.Meta.fields)
TRANSFER_DATETIMES = ("pickup_time", "created_at", "updated_at")


def transfer_representation(transfer):
    """One transfer instance (as a service just wrote it), with its history."""
    return with_history([{name: getattr(transfer, name) for name in TRANSFER_COLUMNS}])[0]


def with_history(rows):
    """Complete rows of ``TRANSFER_COLUMNS`` in place: local times, and each history oldest first."""
    histories = {row["id"]: [] for row in rows}
    changes = (
        TransferStatusHistory.objects.filter(transfer_id__in=list(histories))
        .order_by("changed_at", "id")
        .values("transfer_id", *HISTORY_FIELDS)
    )
    for change in changes:
        change["changed_at"] = represent_datetime(change["changed_at"])
        histories[change.pop("transfer_id")].append(change)
    for row in rows:
        for name in TRANSFER_DATETIMES:
            row[name] = represent_datetime(row[name])
        row["status_history"] = histories[row["id"]]
    return rows
