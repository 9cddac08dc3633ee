"""Transfers as API.md shows them, read as rows (``dmc_transfers.rows``), histories in one query.

Building TransferSerializer's fields (and its nested history serializer) cost
about a millisecond per response, more than the queries (README,
Performance). ``TransferSerializer`` stays the schema and the reference: the
tests check both give the same representation.
"""
from bookings.api.serializers import TRANSFER_FIELDS, StatusHistorySerializer
from bookings.models import TransferStatusHistory
from dmc_transfers.rows import rows
from dmc_transfers.serializer_fields import represent_datetime

TRANSFER_COLUMNS = tuple(name for name in TRANSFER_FIELDS if name != "status_history")
TRANSFER_DATETIMES = ("pickup_time", "created_at", "updated_at")
HISTORY_FIELDS = ("transfer_id", *StatusHistorySerializer.Meta.fields)


def transfer_representation(transfer):
    """One transfer instance (as a service just wrote it), with its history."""
    row = {name: getattr(transfer, name) for name in TRANSFER_COLUMNS}
    for name in TRANSFER_DATETIMES:
        row[name] = represent_datetime(row[name])
    return with_history([row])[0]


def with_history(transfers):
    """Add each transfer's ``status_history``, oldest first, in one query."""
    histories = {row["id"]: [] for row in transfers}
    if histories:
        changes = TransferStatusHistory.objects.filter(transfer_id__in=list(histories)).order_by("changed_at", "id")
        for change in rows(changes, HISTORY_FIELDS, ("changed_at",)):
            histories[change.pop("transfer_id")].append(change)
    for row in transfers:
        row["status_history"] = histories[row["id"]]
    return transfers

