"""Transfers in one hand-written statement each (``dmc_transfers.sql``).

``GET /transfers/{id}`` is the transfer joined to its history; a page of
``GET /transfers`` is the page's ids (with the total, a scalar ``COUNT``)
joined to the transfers, without their histories (API.md lets lists leave
them out; a page of them was half the page's cost, README, Performance).
One round trip each, where the ORM needs two and three. The rows are put in
order here, not by the database: an ``ORDER BY`` over the join costs MariaDB
a temporary table and a sort (a ``LONGTEXT`` column among them), which made
up a third of a page's time. ``TransferSerializer`` and
``TransferListSerializer`` stay the reference: the tests check both give
the same representations. A transfer a service has just written is shown from the
instance when the service attached its history (booking, and a status change
on a transfer read with its history), else read back in that one statement.
"""
import functools
from operator import itemgetter

from django.core.exceptions import EmptyResultSet

from bookings.api.representation import HISTORY_COLUMNS, TRANSFER_COLUMNS, TRANSFER_DATETIMES
from bookings.models import Transfer, TransferStatusHistory
from bookings.services import attach_history, attached_history
from dmc_transfers.rows import as_dicts
from dmc_transfers.serializer_fields import represent_datetime
from dmc_transfers.sql import column, fetch_all, model_read, selected, table


class TransferReads:
    def __init__(self):
        history = TransferStatusHistory
        self.transfers, self.changes = model_read(Transfer), model_read(history)
        picked = (
            f"{selected(Transfer, TRANSFER_COLUMNS, 't', TRANSFER_DATETIMES)}, {column(history, 'id', 'h')}, "
            f"{selected(history, HISTORY_COLUMNS, 'h', ('changed_at',))}"
        )
        with_history = (
            f"FROM {table(Transfer)} t LEFT JOIN {table(history)} h "
            f"ON {column(history, 'transfer', 'h')} = {column(Transfer, 'id', 't')} WHERE {column(Transfer, 'id', 't')} = %s"
        )
        self.detail = f"SELECT {picked} {with_history}"
        self.instances = f"SELECT {self.transfers.columns('t')}, {self.changes.columns('h')} {with_history}"
        self.owned = f" AND {column(Transfer, 'created_by', 't')} = %s"
        self.page = (
            f"SELECT (COUNT), {selected(Transfer, TRANSFER_COLUMNS, 't', TRANSFER_DATETIMES)} FROM (IDS) p "
            f"JOIN {table(Transfer)} t ON {column(Transfer, 'id', 't')} = p.id"
        )

    def _rows_of_one(self, sql, pk, owner_id):
        return fetch_all(sql, [pk]) if owner_id is None else fetch_all(sql + self.owned, [pk, owner_id])

    def one(self, pk, owner_id):
        found = self._rows_of_one(self.detail, pk, owner_id)
        return _with_history(found) if found else None

    def one_instance(self, pk, owner_id):
        found = self._rows_of_one(self.instances, pk, owner_id)
        if not found:
            return None
        width = len(self.transfers.fields)
        transfer = self.transfers.instance(found[0][:width])
        attach_history(transfer, [self.changes.instance(row[width:]) for row in found if row[width] is not None])
        return transfer

    def page_statement(self, queryset, offset, limit):
        """The page's statement: the total counts ``queryset``'s rows, the page is its ids from ``offset``."""
        sql, params = queryset.values_list("id").query.sql_with_params()
        count = f"SELECT COUNT(*) FROM ({sql}) c"
        ids = f"{sql} LIMIT {int(limit)} OFFSET {int(offset)}"
        return self.page.replace("(COUNT)", f"({count})", 1).replace("(IDS)", f"({ids})", 1), (*params, *params)

    def page_of(self, queryset, offset, limit):
        try:
            statement = self.page_statement(queryset, offset, limit)
        except EmptyResultSet:  # a filter no row can match (the ORM decides before asking)
            return [], 0
        found = fetch_all(*statement)
        # The list's order: pickup time (the stored UTC text sorts as the instants do), then id.
        rows = (row[1:] for row in sorted(found, key=itemgetter(1 + _PICKUP, 1 + _ID)))
        return as_dicts(rows, TRANSFER_COLUMNS, TRANSFER_DATETIMES), (found[0][0] if found else 0)


_PICKUP, _ID = TRANSFER_COLUMNS.index("pickup_time"), TRANSFER_COLUMNS.index("id")
# Where a detail row (transfer, history id, history) has its history's order: changed_at, id.
_CHANGED, _CHANGE_ID = len(TRANSFER_COLUMNS) + 1 + HISTORY_COLUMNS.index("changed_at"), len(TRANSFER_COLUMNS)


def _with_history(found):
    """A transfer's rows joined to its history (one row of NULLs for none) as its representation."""
    width = len(TRANSFER_COLUMNS)
    changes = sorted((row for row in found if row[width] is not None), key=itemgetter(_CHANGED, _CHANGE_ID))
    [transfer] = as_dicts([found[0][:width]], TRANSFER_COLUMNS, TRANSFER_DATETIMES)
    transfer["status_history"] = as_dicts((row[width + 1 :] for row in changes), HISTORY_COLUMNS, ("changed_at",))
    return transfer


@functools.cache
def transfer_reads():
    return TransferReads()


def transfer_detail(pk, *, owner_id=None):
    """Transfer ``pk`` with its history, or ``None``; only ``owner_id``'s when given."""
    return transfer_reads().one(pk, owner_id)


def transfer_page(queryset, offset, limit):
    """``(transfers, total)``: ``limit`` transfers of ``queryset`` from ``offset``, and how many it holds."""
    return transfer_reads().page_of(queryset, offset, limit)


def visible_transfer(pk, *, owner_id=None):
    """Transfer ``pk`` as an instance with its history attached, or ``None``; only ``owner_id``'s when given."""
    return transfer_reads().one_instance(pk, owner_id)


def transfer_representation(transfer):
    """A transfer a service just wrote, with its history: from the instance when the history was attached."""
    history = attached_history(transfer)
    if history is None:
        return transfer_detail(transfer.pk)
    row = _fields_of(transfer, TRANSFER_COLUMNS, TRANSFER_DATETIMES)
    row["status_history"] = [_fields_of(change, HISTORY_COLUMNS, ("changed_at",)) for change in history]
    return row


def _fields_of(instance, names, datetimes):
    row = {name: getattr(instance, name) for name in names}
    for name in datetimes:
        row[name] = represent_datetime(row[name])
    return row
