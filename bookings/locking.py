"""Row locks that cannot be taken wrongly: only inside a transaction, in id order.

Every writer that touches a vehicle's schedule (booking, confirming,
amending, deactivating) locks the vehicle row first, so two requests for one
vehicle are serialised by the database. Locks are taken vehicles first, then
the transfer, and vehicles in ascending id, so no two writers wait on each
other in opposite orders.
"""
import functools

from django.db import connection, transaction

from bookings import selectors
from bookings.models import Transfer, TransferStatusHistory
from dmc_transfers.sql import MAX_ID, column, fetch_all, for_update, model_read, table, this_connection
from fleet.models import Vehicle


class LockOutsideTransaction(RuntimeError):
    pass


def _require_transaction():
    if not transaction.get_connection().in_atomic_block:
        raise LockOutsideTransaction("Row locks are only held inside transaction.atomic().")


def lock_vehicles(vehicle_ids):
    """Lock the given vehicles (ascending id) and return them by id."""
    _require_transaction()
    ids = sorted({i for i in vehicle_ids if i is not None and 0 < i <= MAX_ID})  # others match no row
    if not ids:
        return {}
    # Hand-written (dmc_transfers/sql.py): every booking and confirmation takes this lock.
    key = column(Vehicle, "id", "t")
    found = model_read(Vehicle)(f"WHERE {key} IN ({', '.join(['%s'] * len(ids))}) ORDER BY {key}{for_update()}", ids)
    return {v.id: v for v in found}


def lock_vehicle(vehicle_id, *, busy_at=None, exclude_transfer_id=None):
    """Lock one vehicle and return it (``None`` if there is none).

    With ``busy_at``, the same statement asks whether the vehicle is busy
    then (``selectors.conflict_condition`` on the locked row): one round trip
    less for every booking and confirmation. The condition is read once the
    row is locked (it depends on the row), and only a holder of this lock
    makes a vehicle busy or free, so the answer holds until commit.
    ``is_busy`` gives it for the same question and asks the database any other.
    """
    if busy_at is None:
        return lock_vehicles([vehicle_id]).get(vehicle_id)
    _require_transaction()
    if not 0 < vehicle_id <= MAX_ID:
        return None
    found = fetch_all(*lock_asking_busy_statement(vehicle_id, busy_at, exclude_transfer_id))
    if not found:
        return None
    vehicle, _ = _locked_vehicle(found[0], (busy_at, exclude_transfer_id))
    return vehicle


def lock_asking_busy_statement(vehicle_id, busy_at, exclude_transfer_id=None):
    """``lock_vehicle``'s statement with the busy check, and its parameters."""
    params = [*selectors.conflict_params(busy_at, exclude_transfer_id), vehicle_id]
    return _lock_asking_busy(exclude_transfer_id is not None), params


@functools.cache
def _lock_asking_busy(excluding):
    key = column(Vehicle, "id", "t")
    return (
        f"SELECT {model_read(Vehicle).columns('t')}, {_busy_check(key, excluding)} "
        f"FROM {table(Vehicle)} t WHERE {key} = %s{for_update()}"
    )


def locked_if_free(vehicle_id, *, seats, at):
    """``(FROM ... WHERE ..., parameters)`` that finds ``vehicle_id``'s row, and locks it, only where
    the vehicle is active, seats ``seats`` and is not busy at ``at``: a booking's ``INSERT ... SELECT``
    (``services.book_transfer``). The conditions of ``_check_capacity`` and ``ensure_vehicle_free``
    in SQL; where it finds nothing, those name the refusal. The busy check is read once the lock is
    granted, as ``lock_vehicle``'s is: a snapshot of its own only under READ COMMITTED (settings; a
    test holds the connection to it), where REPEATABLE READ would read the transaction's first."""
    _require_transaction()
    return _free_vehicle_condition(), [vehicle_id, seats, *selectors.conflict_params(at)]


@functools.cache
def _free_vehicle_condition():
    key = column(Vehicle, "id", "t")
    return (
        f"FROM {table(Vehicle)} t WHERE {key} = %s AND {column(Vehicle, 'is_active', 't')} "
        f"AND {column(Vehicle, 'capacity', 't')} >= %s AND NOT {_busy_check(key, False)}{for_update()}"
    )


def _busy_check(vehicle, excluding, around=None):
    """Whether ``vehicle`` (a column) is busy, as a selected column: ``selectors.conflict_condition``."""
    condition = selectors.conflict_condition(vehicle, alias="c", excluding=excluding, around=around)
    return f"EXISTS (SELECT 1 FROM {table(Transfer)} c WHERE {condition})"


def _locked_vehicle(row, busy_question=None):
    """The vehicle a lock statement read at the start of ``row``, and the rest of the row. With
    ``busy_question`` (pickup, excluded transfer), the column after it answers whether it is busy then."""
    vehicles = model_read(Vehicle)
    width = len(vehicles.fields)
    vehicle = vehicles.instance(row[:width])
    if busy_question is None:
        return vehicle, row[width:]
    vehicle.busy_answers = {busy_question: bool(row[width])}
    return vehicle, row[width + 1 :]


def is_busy(vehicle, *, at, exclude_transfer_id=None):
    """Whether the locked ``vehicle`` is busy at ``at``: as ``lock_vehicle`` read it, when it asked that, else now."""
    known = getattr(vehicle, "busy_answers", {}).get((at, exclude_transfer_id))
    if known is not None:
        return known
    return selectors.vehicle_is_busy(vehicle_id=vehicle.id, at=at, exclude_transfer_id=exclude_transfer_id)


class TransferMoved(Exception):
    """The transfer changed vehicle between reading it and locking that vehicle."""

    def __init__(self, transfer_id, vehicle_id):
        super().__init__(transfer_id)
        # Where the locked transfer was found: the next attempt locks that vehicle.
        self.vehicle_id = vehicle_id


def lock_transfer(model, transfer_id, vehicle_id=None, *, busy_at=None):
    """Lock a transfer and its vehicle, vehicle first, in one statement; ``None`` if it is gone.

    With ``busy_at``, the same statement asks whether the vehicle is busy
    then with another transfer (as ``lock_vehicle`` does).

    ``vehicle_id`` is the transfer's vehicle as the caller last read it; it
    is read here, without a lock, when the caller has none. The statement
    joins the transfer to *that* vehicle by their ids, in that order
    (``STRAIGHT_JOIN``: MariaDB locks the rows of a join in its join order,
    which a test holds it to), and the transfer's vehicle is checked once
    both are locked. If an amendment moved it in between, we hold the wrong
    vehicle, and locking the right one now could break the id order and
    deadlock: ``TransferMoved`` is raised instead, so the caller's
    transaction ends (releasing the locks) and ``in_new_transaction`` starts
    it again.
    """
    _require_transaction()
    if vehicle_id is None:
        vehicle_id = _vehicle_of(model, transfer_id)
        if vehicle_id is None:
            return None
    if not (0 < vehicle_id <= MAX_ID and 0 < transfer_id <= MAX_ID):
        return None
    asking = busy_at is not None
    params = selectors.conflict_params(busy_at, transfer_id) if asking else []
    found = fetch_all(_lock_with_vehicle(model, asking), [*params, transfer_id, vehicle_id])
    if not found:  # no such transfer, or the vehicle it was read on is gone: it moved, and that one was deleted
        moved_to = _vehicle_of(model, transfer_id)
        if moved_to is None:
            return None
        raise TransferMoved(transfer_id, moved_to)
    vehicle, rest = _locked_vehicle(found[0], (busy_at, transfer_id) if asking else None)
    transfer = model_read(model).instance(rest)
    if transfer.vehicle_id != vehicle_id:
        raise TransferMoved(transfer_id, transfer.vehicle_id)
    transfer.vehicle = vehicle
    return transfer


def _vehicle_of(model, transfer_id, owner_id=None):
    found = model.objects.filter(pk=transfer_id)
    if owner_id is not None:
        found = found.filter(created_by_id=owner_id)
    return found.values_list("vehicle_id", flat=True).first()


def lock_visible_transfer(model, transfer_id, owner_id=None, *, asking_busy=False):
    """Find transfer ``transfer_id`` as ``owner_id`` sees it (``None``: everyone's) and lock it as
    ``lock_transfer`` does, in one round trip: ``(transfer, its history)``, ``None`` if there is none.

    ``lock_transfer`` needs the transfer's vehicle first, which took a read of
    its own. Here the lock statement is sent with one that finds the vehicle,
    ``SELECT (a plain read of the transfer) INTO @variable``: a consistent
    read, which locks nothing (``SET @variable = (...)`` would lock the
    transfer, before its vehicle), so the vehicle is still locked first, and
    the lock statement checks the transfer's vehicle as ``lock_transfer``'s
    does (``TransferMoved`` if it moved in between). With ``asking_busy`` it
    asks whether the vehicle is busy at the pickup of the transfer it locked
    (``is_busy`` then knows). The history comes with the transfer, read (and
    locked) under the transfer's lock, which every status change, the only
    writer of history, holds. Where statements cannot be stacked (SQLite),
    the vehicle is read first and the history is ``None``.

    Only under READ COMMITTED (settings; a test holds the connection to it):
    the busy check is a plain read, and under REPEATABLE READ the first
    statement's read would fix the transaction's snapshot before the wait
    for the vehicle, so a transfer its holder confirmed meanwhile would go
    unseen. Under READ COMMITTED each statement reads what has committed.
    """
    _require_transaction()
    if not 0 < transfer_id <= MAX_ID:
        return None
    connection = this_connection()
    if not getattr(connection, "stacks_statements", False):
        vehicle_id = _vehicle_of(model, transfer_id, owner_id)
        locked = None if vehicle_id is None else lock_transfer(model, transfer_id, vehicle_id)
        return None if locked is None else (locked, None)
    owned = owner_id is not None
    busy_params = [*selectors.busy_params_around(), transfer_id] if asking_busy else []
    params = [transfer_id, *([owner_id] if owned else []), *busy_params, transfer_id]
    with connection.cursor() as cursor:
        cursor.execute(_lock_visible(model, owned, asking_busy), params)
        cursor.nextset()  # from the vehicle found to the lock statement's rows
        found = cursor.fetchall()
    if not found:  # not this user's, no such transfer, or it moved off a vehicle deleted since
        moved_to = _vehicle_of(model, transfer_id, owner_id)
        if moved_to is None:
            return None
        raise TransferMoved(transfer_id, moved_to)
    vehicle, rest = _locked_vehicle(found[0])
    busy, rest = (bool(rest[0]), rest[1:]) if asking_busy else (None, rest)
    transfers, changes = model_read(model), model_read(TransferStatusHistory)
    transfer = transfers.instance(rest[: len(transfers.fields)])
    if transfer.vehicle_id != vehicle.id:
        raise TransferMoved(transfer_id, transfer.vehicle_id)
    if asking_busy:
        vehicle.busy_answers = {(transfer.pickup_time, transfer_id): busy}
    transfer.vehicle = vehicle
    width = len(changes.fields)
    history = [changes.instance(row[-width:]) for row in found if row[-width] is not None]
    return transfer, history


@functools.cache
def _lock_visible(model, owned, asking_busy):
    """``lock_visible_transfer``'s statements: the vehicle found; the vehicle, the transfer and its history locked."""
    history, vehicle, transfer = TransferStatusHistory, column(Vehicle, "id", "v"), column(model, "pk", "t")
    owner = f" AND {column(model, 'created_by', 'x')} = %s" if owned else ""
    busy = f", {_busy_check(vehicle, True, around=column(model, 'pickup_time', 't'))}" if asking_busy else ""
    return (
        f"SELECT (SELECT {column(model, 'vehicle', 'x')} FROM {table(model)} x "
        f"WHERE {column(model, 'pk', 'x')} = %s{owner}) INTO {_FOUND_VEHICLE}; "
        f"SELECT STRAIGHT_JOIN {model_read(Vehicle).columns('v')}{busy}, {model_read(model).columns('t')}, "
        f"{model_read(history).columns('h')} FROM {table(Vehicle)} v JOIN {table(model)} t ON {transfer} = %s "
        f"LEFT JOIN {table(history)} h ON {column(history, 'transfer', 'h')} = {transfer} "
        f"WHERE {vehicle} = {_FOUND_VEHICLE}{for_update()}"
    )


_FOUND_VEHICLE = "@dmc_found_vehicle"  # this session's; every lock_visible_transfer sets it first (NULL: none found)


@functools.cache
def _lock_with_vehicle(model, asking_busy):
    """``lock_transfer``'s statement: the vehicle (and whether it is busy), then the transfer, both locked."""
    key = column(Vehicle, "id", "v")
    busy = f", {_busy_check(key, excluding=True)}" if asking_busy else ""
    in_order = "STRAIGHT_JOIN " if connection.vendor == "mysql" else ""
    return (
        f"SELECT {in_order}{model_read(Vehicle).columns('v')}{busy}, {model_read(model).columns('t')} "
        f"FROM {table(Vehicle)} v JOIN {table(model)} t ON {column(model, 'pk', 't')} = %s "
        f"WHERE {key} = %s{for_update()}"
    )


def in_new_transaction(work, *, vehicle_id=None):
    """``work(vehicle_id)`` in a transaction of its own, started again whenever the transfer moved under it.

    ``vehicle_id`` is the transfer's vehicle as the caller last read it
    (``None``: not known); after a move, the one the transfer moved to.
    """
    while True:
        try:
            with transaction.atomic():
                return work(vehicle_id)
        except TransferMoved as moved:
            vehicle_id = moved.vehicle_id
