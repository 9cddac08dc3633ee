"""Transfers as API.md shows them, read as rows (``dmc_transfers.rows``), histories in one query.

Building TransferSerializer's fields (and its nested history serializer) cost
about a millisecond per response, more than the queries (README,
Performance). ``TransferSerializer`` stays the schema and the reference: the
tests check both give the same representation.
"""
import functools

from bookings.api.serializers import TRANSFER_FIELDS, StatusHistorySerializer
from bookings.models import Transfer, TransferStatusHistory
from dmc_transfers.rows import as_dicts, represent_stored, row_query, rows
from dmc_transfers.serializer_fields import represent_datetime
from dmc_transfers.sql import column, fetch_all, stored_text, table

TRANSFER_COLUMNS = tuple(name for name in TRANSFER_FIELDS if name != "status_history")
TRANSFER_DATETIMES = ("pickup_time", "created_at", "updated_at")
HISTORY_FIELDS = ("transfer_id", *StatusHistorySerializer.Meta.fields)


def transfer_row_query(queryset):
    """``queryset`` as row tuples, to paginate; ``transfer_rows`` completes them."""
    return row_query(queryset, TRANSFER_COLUMNS, TRANSFER_DATETIMES)


def transfer_rows(tuples):
    """Transfers from ``transfer_row_query`` tuples, each with its history."""
    return with_history(as_dicts(tuples, TRANSFER_COLUMNS, TRANSFER_DATETIMES))


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


class DetailRead:
    """``GET /transfers/{id}`` in one statement (``dmc_transfers.sql``): the transfer joined to its history."""

    def __init__(self):
        history_fields = StatusHistorySerializer.Meta.fields

        def selected(model, names, alias, datetimes):
            return [stored_text(column(model, n, alias)) if n in datetimes else column(model, n, alias) for n in names]

        picked = [
            *selected(Transfer, TRANSFER_COLUMNS, "t", TRANSFER_DATETIMES),
            column(TransferStatusHistory, "id", "h"),
            *selected(TransferStatusHistory, history_fields, "h", ("changed_at",)),
        ]
        self.history_fields = history_fields
        self.sql = (
            f"SELECT {', '.join(picked)} FROM {table(Transfer)} t LEFT JOIN {table(TransferStatusHistory)} h "
            f"ON {column(TransferStatusHistory, 'transfer', 'h')} = {column(Transfer, 'id', 't')} "
            f"WHERE {column(Transfer, 'id', 't')} = %s"
        )
        self.owned = f" AND {column(Transfer, 'created_by', 't')} = %s"
        self.order = f" ORDER BY {column(TransferStatusHistory, 'changed_at', 'h')}, {column(TransferStatusHistory, 'id', 'h')}"

    def __call__(self, pk, owner_id):
        if owner_id is None:
            found = fetch_all(self.sql + self.order, [pk])
        else:
            found = fetch_all(self.sql + self.owned + self.order, [pk, owner_id])
        if not found:
            return None
        width = len(TRANSFER_COLUMNS)
        transfer = as_dicts([found[0][:width]], TRANSFER_COLUMNS, TRANSFER_DATETIMES)[0]
        history = []
        for row in found:
            if row[width] is not None:  # LEFT JOIN: a transfer without history has one row of NULLs
                change = dict(zip(self.history_fields, row[width + 1 :], strict=True))
                change["changed_at"] = represent_stored(change["changed_at"])
                history.append(change)
        transfer["status_history"] = history
        return transfer


@functools.cache
def _detail_read():
    return DetailRead()


def transfer_detail(pk, *, owner_id=None):
    """Transfer ``pk`` with its history, or ``None``; only ``owner_id``'s when given."""
    return _detail_read()(pk, owner_id)
