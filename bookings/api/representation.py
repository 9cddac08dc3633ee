"""Transfers as API.md shows them, read as rows (``dmc_transfers.rows``), histories in one query.

Building TransferSerializer's fields (and its nested history serializer) cost
about a millisecond per response, more than the queries (README,
Performance). ``TransferSerializer`` stays the schema and the reference: the
tests check both give the same representation.
"""
import functools

from bookings.api.serializers import TRANSFER_FIELDS, StatusHistorySerializer
from bookings.models import TransferStatusHistory
from dmc_transfers.rows import as_dicts
from dmc_transfers.serializer_fields import represent_datetime
from dmc_transfers.sql import column, fetch_all, stored_text, table

TRANSFER_COLUMNS = tuple(name for name in TRANSFER_FIELDS if name != "status_history")
TRANSFER_DATETIMES = ("pickup_time", "created_at", "updated_at")
HISTORY_COLUMNS = tuple(StatusHistorySerializer.Meta.fields)
HISTORY_FIELDS = ("transfer_id", *HISTORY_COLUMNS)


def transfer_representation(transfer):
    """One transfer instance (as a service just wrote it), with its history.

    A history the service handed over as prefetched (``book_transfer`` does:
    the one row it wrote) is shown as it is, without a query.
    """
    row = {name: getattr(transfer, name) for name in TRANSFER_COLUMNS}
    for name in TRANSFER_DATETIMES:
        row[name] = represent_datetime(row[name])
    history = getattr(transfer, "_prefetched_objects_cache", {}).get("status_history")
    if history is None:
        return with_history([row])[0]
    row["status_history"] = [_history_row(change) for change in history]
    return row


def _history_row(change):
    row = {name: getattr(change, name) for name in HISTORY_COLUMNS}
    row["changed_at"] = represent_datetime(row["changed_at"])
    return row


@functools.cache
def _history_statement():
    """The histories of some transfers, oldest first, hand-written (``dmc_transfers.sql``); ``{ids}`` to fill."""
    history = TransferStatusHistory
    picked = [stored_text(column(history, n)) if n == "changed_at" else column(history, n) for n in HISTORY_FIELDS]
    return (
        f"SELECT {', '.join(picked)} FROM {table(history)} WHERE {column(history, 'transfer')} IN ({{ids}}) "
        f"ORDER BY {column(history, 'changed_at')}, {column(history, 'id')}"
    )


def with_history(transfers):
    """Add each transfer's ``status_history``, oldest first, in one query."""
    histories = {row["id"]: [] for row in transfers}
    if histories:
        sql = _history_statement().replace("{ids}", ", ".join(["%s"] * len(histories)))
        for change in as_dicts(fetch_all(sql, list(histories)), HISTORY_FIELDS, ("changed_at",)):
            histories[change.pop("transfer_id")].append(change)
    for row in transfers:
        row["status_history"] = histories[row["id"]]
    return transfers

