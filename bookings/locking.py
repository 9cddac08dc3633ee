"""Row locks that cannot be taken wrongly: only inside a transaction, in id order.

Every writer that touches a vehicle's schedule (booking, confirming,
amending, deactivating) locks the vehicle row first, so two requests for one
vehicle are serialised by the database. Locks are taken vehicles first, then
the transfer, and vehicles in ascending id, so no two writers wait on each
other in opposite orders.
"""
from django.db import transaction

from fleet.models import Vehicle


class LockOutsideTransaction(RuntimeError):
    pass


def _require_transaction():
    if not transaction.get_connection().in_atomic_block:
        raise LockOutsideTransaction("Row locks are only held inside transaction.atomic().")


def lock_vehicles(vehicle_ids):
    """Lock the given vehicles (ascending id) and return them by id."""
    _require_transaction()
    ids = sorted(set(vehicle_ids))
    return {v.id: v for v in Vehicle.objects.select_for_update().filter(id__in=ids).order_by("id")}


class TransferMoved(Exception):
    """The transfer changed vehicle between reading it and locking that vehicle."""


def lock_transfer(model, transfer_id):
    """Lock a transfer and its vehicle, vehicle first; ``None`` if it is gone.

    The vehicle id is read without a lock and re-checked once the transfer is
    locked. If an amendment moved it in between, we hold the wrong vehicle,
    and locking the right one now could break the id order and deadlock:
    ``TransferMoved`` is raised instead, so the caller's transaction ends
    (releasing the lock) and ``in_new_transaction`` starts it again.
    """
    _require_transaction()
    vehicle_id = model.objects.filter(pk=transfer_id).values_list("vehicle_id", flat=True).first()
    if vehicle_id is None:
        return None
    vehicle = lock_vehicles([vehicle_id])[vehicle_id]
    # No select_related here: FOR UPDATE on a join locks the joined vehicle
    # too, which would be the new one, out of order, if the transfer moved.
    transfer = model.objects.select_for_update().get(pk=transfer_id)
    if transfer.vehicle_id != vehicle_id:
        raise TransferMoved(transfer_id)
    transfer.vehicle = vehicle
    return transfer


def in_new_transaction(work):
    """``work()`` in a transaction of its own, started again whenever the transfer moved under it."""
    while True:
        try:
            with transaction.atomic():
                return work()
        except TransferMoved:
            continue
