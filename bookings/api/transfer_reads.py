"""Transfers with their histories in one hand-written statement (``dmc_transfers.sql``).

``GET /transfers/{id}`` is the transfer joined to its history; a page of
``GET /transfers`` is the page's ids (with the total, a scalar ``COUNT``)
joined to the transfers and their histories. One round trip each, where the
ORM needs two and three. The rows are put in order here, not by the
database: an ``ORDER BY`` over the join costs MariaDB a temporary table and
a sort, which made up a third of a page's time (README, Performance).
``TransferSerializer`` stays the reference: the tests check both give the
same representation. A transfer a service has just written is shown from the
instance when the service handed its history over (``book_transfer`` does),
else read back in that one statement.
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
        picked = (
            f"{selected(Transfer, TRANSFER_COLUMNS, 't', TRANSFER_DATETIMES)}, {column(history, 'id', 'h')}, "
            f"{selected(history, HISTORY_COLUMNS, 'h', ('changed_at',))}"
        )
        with_history = (
            f"LEFT JOIN {table(history)} h ON {column(history, 'transfer', 'h')} = {column(Transfer, 'id', 't')}"
        )
        self.detail = (
            f"SELECT {picked} FROM {table(Transfer)} t {with_history} WHERE {column(Transfer, 'id', 't')} = %s"
        )
        self.owned = f" AND {column(Transfer, 'created_by', 't')} = %s"
        self.page = (
            f"SELECT (COUNT), {picked} FROM (IDS) p "
            f"JOIN {table(Transfer)} t ON {column(Transfer, 'id', 't')} = p.id {with_history}"
        )

    def one(self, pk, owner_id):
        if owner_id is None:
            found = fetch_all(self.detail, [pk])
        else:
            found = fetch_all(self.detail + self.owned, [pk, owner_id])
        transfers = _assembled(found, skip=0)
        return transfers[0] if transfers else None

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
        return _assembled(found, skip=1), (found[0][0] if found else 0)


# Where _assembled finds the sort keys in a joined row, after its ``skip`` leading columns.
_PICKUP, _ID = TRANSFER_COLUMNS.index("pickup_time"), TRANSFER_COLUMNS.index("id")
_CHANGED = len(TRANSFER_COLUMNS) + 1 + HISTORY_COLUMNS.index("changed_at")
_CHANGE_ID = len(TRANSFER_COLUMNS)


def _in_order(found, skip):
    """Rows as the list's and the history's orders want them: pickup time, id; then changed_at, id.

    The datetimes are the stored UTC text, which sorts as the instants do. A
    transfer without history has a single row, so its NULLs are never compared.
    """
    return sorted(found, key=itemgetter(skip + _PICKUP, skip + _ID, skip + _CHANGED, skip + _CHANGE_ID))


def _assembled(found, skip):
    """Joined rows (``skip`` leading columns, then transfer, history id, history) as transfers with histories."""
    width = len(TRANSFER_COLUMNS)
    heads, owners, changes = {}, [], []
    for row in _in_order(found, skip):
        pk = row[skip]
        if pk not in heads:
            heads[pk] = row[skip : skip + width]
        if row[skip + width] is not None:  # LEFT JOIN: a transfer without history has one row of NULLs
            owners.append(pk)
            changes.append(row[skip + width + 1 :])
    transfers = as_dicts(heads.values(), TRANSFER_COLUMNS, TRANSFER_DATETIMES)
    histories = {pk: [] for pk in heads}
    for pk, change in zip(owners, as_dicts(changes, HISTORY_COLUMNS, ("changed_at",)), strict=True):
        histories[pk].append(change)
    for transfer, history in zip(transfers, histories.values(), strict=True):
        transfer["status_history"] = history
    return transfers


@functools.cache
def transfer_reads():
    return TransferReads()


def transfer_detail(pk, *, owner_id=None):
    """Transfer ``pk`` with its history, or ``None``; only ``owner_id``'s when given."""
    return transfer_reads().one(pk, owner_id)


def transfer_page(queryset, offset, limit):
    """``(transfers, total)``: ``limit`` transfers of ``queryset`` from ``offset``, and how many it holds."""
    return transfer_reads().page_of(queryset, offset, limit)


class InstanceRead:
    """A transfer with its history as model instances, in one statement: the transfer ``LEFT JOIN`` its history."""

    def __init__(self):
        self.transfers, self.changes = model_read(Transfer), model_read(TransferStatusHistory)
        self.sql = (
            f"SELECT {self.transfers.columns('t')}, {self.changes.columns('h')} FROM {table(Transfer)} t "
            f"LEFT JOIN {table(TransferStatusHistory)} h "
            f"ON {column(TransferStatusHistory, 'transfer', 'h')} = {column(Transfer, 'id', 't')} "
            f"WHERE {column(Transfer, 'id', 't')} = %s"
        )
        self.owned = f" AND {column(Transfer, 'created_by', 't')} = %s"

    def __call__(self, pk, owner_id):
        found = fetch_all(self.sql, [pk]) if owner_id is None else fetch_all(self.sql + self.owned, [pk, owner_id])
        if not found:
            return None
        width = len(self.transfers.fields)
        transfer = self.transfers.instance(found[0][:width])
        changes = [self.changes.instance(row[width:]) for row in found if row[width] is not None]
        attach_history(transfer, sorted(changes, key=lambda change: (change.changed_at, change.id)))
        return transfer


@functools.cache
def instance_read():
    return InstanceRead()


def visible_transfer(pk, *, owner_id=None):
    """Transfer ``pk`` as an instance with its history attached, or ``None``; only ``owner_id``'s when given."""
    return instance_read()(pk, owner_id)


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
