"""Transfers with their histories in one hand-written statement (``dmc_transfers.sql``).

``GET /transfers/{id}`` is the transfer joined to its history; a page of
``GET /transfers`` is the page's ids (with the total, a window ``COUNT``)
joined to the transfers and their histories. One round trip each, where the
ORM needs two and three. ``TransferSerializer`` stays the reference: the
tests check both give the same representation. A transfer a service has
just written is shown from the instance when the service handed its history
over (``book_transfer`` does), else read back in that one statement.
"""
import functools

from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Window

from bookings.api.representation import HISTORY_COLUMNS, TRANSFER_COLUMNS, TRANSFER_DATETIMES
from bookings.models import Transfer, TransferStatusHistory
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
        history_order = f"{column(history, 'changed_at', 'h')}, {column(history, 'id', 'h')}"
        self.detail = (
            f"SELECT {picked} FROM {table(Transfer)} t {with_history} WHERE {column(Transfer, 'id', 't')} = %s"
        )
        self.owned = f" AND {column(Transfer, 'created_by', 't')} = %s"
        self.detail_order = f" ORDER BY {history_order}"
        # The list's order (``TransferViewSet.get_queryset``): pickup time, then id.
        self.page = (
            f"SELECT p.total, {picked} FROM ({{ids}}) p "
            f"JOIN {table(Transfer)} t ON {column(Transfer, 'id', 't')} = p.id {with_history} "
            f"ORDER BY {column(Transfer, 'pickup_time', 't')}, {column(Transfer, 'id', 't')}, {history_order}"
        )

    def one(self, pk, owner_id):
        if owner_id is None:
            found = fetch_all(self.detail + self.detail_order, [pk])
        else:
            found = fetch_all(self.detail + self.owned + self.detail_order, [pk, owner_id])
        transfers = _assembled(found, skip=0)
        return transfers[0] if transfers else None

    def page_statement(self, queryset, offset, limit):
        ids = queryset.values_list("id").annotate(total=Window(Count("id")))[offset : offset + limit]
        sql, params = ids.query.sql_with_params()
        return self.page.replace("{ids}", sql, 1), params

    def page_of(self, queryset, offset, limit):
        try:
            statement = self.page_statement(queryset, offset, limit)
        except EmptyResultSet:  # a filter no row can match (the ORM decides before asking)
            return [], 0
        found = fetch_all(*statement)
        return _assembled(found, skip=1), (found[0][0] if found else 0)


def _assembled(found, skip):
    """Joined rows (``skip`` leading columns, then transfer, history id, history) as transfers with histories."""
    width = len(TRANSFER_COLUMNS)
    heads, owners, changes = {}, [], []
    for row in found:
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


def visible_transfer(pk, *, owner_id=None):
    """Transfer ``pk`` as an instance, or ``None``; only ``owner_id``'s when given. One hand-written statement."""
    where, params = f"WHERE {column(Transfer, 'pk', 't')} = %s", [pk]
    if owner_id is not None:
        where, params = f"{where} AND {column(Transfer, 'created_by', 't')} = %s", [pk, owner_id]
    return model_read(Transfer).first(where, params)


def transfer_representation(transfer):
    """A transfer a service just wrote, with its history: from the instance when the history was handed over."""
    history = getattr(transfer, "_prefetched_objects_cache", {}).get("status_history")
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
