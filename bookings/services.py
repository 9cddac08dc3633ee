"""Use cases that write. One function each, keyword-only, atomic, locked.

The API, the admin and the commands all call these; none repeats a rule.
They raise domain errors (``dmc_transfers.errors``), never HTTP ones.
"""
import datetime as dt
from contextlib import nullcontext
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import signals
from django.utils import timezone

from bookings import selectors
from bookings.choices import BUSY_STATUSES, TransferStatus
from bookings.locking import (
    TransferMoved,
    in_new_transaction,
    is_busy,
    lock_transfer,
    lock_vehicle,
    lock_vehicles,
    lock_visible_transfer,
    locked_if_free,
)
from bookings.models import Transfer, TransferStatusHistory, normalize_flight_number
from bookings.rules import conflict_window, horizon_error
from dmc_transfers.errors import Conflict, Invalid, NotFound, Unreadable
from dmc_transfers.localtime import to_local
from dmc_transfers.sql import MAX_ID
from dmc_transfers.text import clean_text
from dmc_transfers.writes import inserting, together, together_with_commit, updating

NOTE_MAX_LENGTH = 500
DRIVER_NAME_MAX_LENGTH = 120

# Fields a booking or an amendment may set, besides vehicle and pickup time.
DETAIL_FIELDS = (
    "pax_count",
    "passenger_name",
    "passenger_phone",
    "passenger_email",
    "flight_number",
    "pickup_location",
    "dropoff_location",
    "client_reference",
    "estimated_duration_minutes",
    "notes",
)
AMENDABLE_FIELDS = frozenset(("vehicle_id", "pickup_time", "driver_name", *DETAIL_FIELDS))
TEXT_FIELDS = (
    "passenger_name",
    "passenger_phone",
    "passenger_email",
    "pickup_location",
    "dropoff_location",
    "client_reference",
    "driver_name",
    "notes",
)
OPEN_STATUSES = (TransferStatus.PENDING, *BUSY_STATUSES)


def actor_name(by):
    """Who made a change, as the history records it."""
    if by is None:
        return "system"
    return by if isinstance(by, str) else by.get_username()


# --- Checks shared by booking and amending --------------------------------------


def _normalize(transfer):
    for name in TEXT_FIELDS:
        setattr(transfer, name, clean_text(getattr(transfer, name)))
    transfer.flight_number = normalize_flight_number(transfer.flight_number)


def _field_errors(transfer, *, vehicle, check_horizon, now):
    """Every field-level problem of ``transfer`` at once, keyed as the API names fields.

    ``vehicle`` is the transfer's vehicle as the caller locked it, ``None`` if
    there is no such vehicle: the lock's read doubles as the existence check.
    """
    errors = _own_field_errors(transfer, check_horizon=check_horizon, now=now)
    if vehicle is None:
        errors["vehicle_id"] = [f"Vehicle {transfer.vehicle_id} does not exist."]
    return errors


def _own_field_errors(transfer, *, check_horizon, now):
    """``_field_errors`` but the vehicle's existence: what the transfer's own fields say."""
    errors = {}
    try:
        transfer.full_clean(
            exclude=["vehicle", "created_by", "status"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if check_horizon and "pickup_time" not in errors:
        problem = horizon_error(transfer.pickup_time, now)
        if problem:
            errors["pickup_time"] = [problem]
    return errors


def _check_capacity(transfer, vehicle):
    if transfer.pax_count > vehicle.capacity:
        raise Invalid.field(
            "pax_count", f"Vehicle {vehicle.id} seats {vehicle.capacity}; {transfer.pax_count} passengers do not fit."
        )


def _check_client_reference(transfer):
    if transfer.client_reference is None:
        return
    taken = Transfer.objects.filter(created_by_id=transfer.created_by_id, client_reference=transfer.client_reference)
    if transfer.pk is not None:
        taken = taken.exclude(pk=transfer.pk)
    if taken.exists():
        raise _duplicate_reference(transfer.client_reference)


def _duplicate_reference(reference):
    return Conflict(
        f"You already have a transfer with client_reference {reference!r}.", code="duplicate_client_reference"
    )


def ensure_vehicle_free(*, vehicle, at, exclude_transfer_id=None):
    """Refuse an inactive vehicle, or one busy within the conflict window of ``at``.

    The caller holds the vehicle's row lock, so the answer stays true until commit.
    """
    if not vehicle.is_active:
        raise Conflict(f"Vehicle {vehicle.id} is inactive.", code="vehicle_unavailable")
    if is_busy(vehicle, at=at, exclude_transfer_id=exclude_transfer_id):
        minutes = int(conflict_window().total_seconds() // 60)
        raise Conflict(
            f"Vehicle {vehicle.id} is already booked within {minutes} minutes of {to_local(at).isoformat()}.",
            code="vehicle_unavailable",
        )


def _change_row(transfer, *, from_status, by, note=None):
    """The history row of ``transfer``'s move from ``from_status`` to its status, to write."""
    return TransferStatusHistory(
        transfer=transfer, from_status=from_status, to_status=transfer.status, changed_by=actor_name(by), note=note
    )


def _save_reference_safely(transfer, *, first_change=None):
    """Save (a new transfer with its ``first_change``); a concurrent twin that won the unique
    (creator, reference) race is a 409.

    Only a reference can collide (the unique index lets NULLs repeat), and
    only then is the save wrapped in a savepoint: Django dooms the enclosing
    transaction when a save fails, and a caller that goes on after the 409
    (the admin re-renders its form) needs that transaction intact.
    """
    if transfer.pk is None:
        new = inserting(transfer)
        save = partial(together, new, inserting(first_change, linked_to=("transfer", new)))
    else:
        save = transfer.save
    if transfer.client_reference is None:
        save()
        return
    try:
        with transaction.atomic():
            save()
    except IntegrityError as exc:
        if "transfer_client_reference_uniq" in str(exc):
            raise _duplicate_reference(transfer.client_reference) from exc
        raise


def _bookable(pickup_time, now):
    """``pickup_time`` if it can be booked ``now``, else ``None``: the field checks refuse it first."""
    if isinstance(pickup_time, dt.datetime) and timezone.is_aware(pickup_time) and not horizon_error(pickup_time, now):
        return pickup_time
    return None


def _joined_transaction():
    """The caller's transaction if there is one (the Idempotency-Key's, the admin's), else a new one.

    Booking refuses only before its first write (a duplicate reference's
    refused INSERT has its own savepoint), so a caller that goes on after a
    refusal finds its transaction as it was: a savepoint around the whole
    booking would cost two round trips for nothing, and ``savepoint=False``
    would doom the caller's transaction on every refusal.
    """
    return nullcontext() if transaction.get_connection().in_atomic_block else transaction.atomic()


# --- Use cases ------------------------------------------------------------------


def book_transfer(*, by, vehicle_id, pickup_time, **details):
    """Book a PENDING transfer and write its ``null -> PENDING`` history row.

    Checked in API.md's order: fields (pickup in the future and within the
    horizon, vehicle exists), capacity, the creator's client_reference, then
    the vehicle is active and not busy (under its row lock).
    """
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"book_transfer() got unexpected fields: {', '.join(sorted(unknown))}")
    transfer = Transfer(vehicle_id=vehicle_id, pickup_time=pickup_time, created_by=by, **details)
    _normalize(transfer)
    first = _change_row(transfer, from_status=None, by=by)
    with _joined_transaction():
        busy_at = _bookable(transfer.pickup_time, timezone.now())
        if not _booked_if_nothing_refuses(transfer, first, busy_at=busy_at):
            vehicle = lock_vehicle(vehicle_id, busy_at=busy_at) if vehicle_id is not None else None
            errors = _field_errors(transfer, vehicle=vehicle, check_horizon=True, now=timezone.now())
            if errors:
                raise Invalid(errors)
            _check_capacity(transfer, vehicle)
            _check_client_reference(transfer)
            ensure_vehicle_free(vehicle=vehicle, at=transfer.pickup_time)
            _save_reference_safely(transfer, first_change=first)
    attach_history(transfer, [first])
    return transfer


# A row written only if the statement before it inserted one.
_IF_INSERTED = ("FROM DUAL WHERE ROW_COUNT() = 1", ())
_SAVE_SIGNALS = (signals.pre_save, signals.post_save)


def _booked_if_nothing_refuses(transfer, first, *, busy_at):
    """Book in one round trip where nothing refuses: the transfer inserted only if its vehicle, locked,
    is active, seats the party and is free (``locking.locked_if_free``), its history row only if the
    transfer was. Whether it booked; if not, nothing was written, and ``book_transfer``'s checks
    follow to name the refusal in API.md's order (the vehicle is still the first lock taken).

    Only where it answers alone: a bookable pickup, fields without a problem, no client_reference
    (checked before the vehicle, and its collision would need a savepoint), stacked statements on
    MariaDB (whose ``INSERT ... SELECT ... FOR UPDATE`` the tests prove; MySQL 8.4, which cannot be
    run here, keeps the checks' path), and no save signal receivers (one would hear of a row that
    may not be written). The pickup is checked against the clock before the statement, which may
    wait for the vehicle and then the creator's row (each at most ``DB_LOCK_WAIT_SECONDS``): a pickup
    seconds away can pass before the commit, as on the checks' path, whose ``INSERT`` can wait too.

    Under ``innodb_autoinc_lock_mode=1`` (MariaDB's default) the statement holds the transfer
    table's AUTO-INC lock to its end, its foreign key's check of the creator's row included: while
    a transaction holds that row (an admin saving the user), the booking waits there and every other
    booking's ``INSERT`` waits for it (error 1467 past the lock wait, a 503). Locking the creator's
    row first instead made a deadlock with a booking on the checks' path (an independent review).
    README, Production recommendations: mode 2.
    """
    connection = transaction.get_connection()
    if (
        busy_at is None
        or transfer.client_reference is not None
        or transfer.vehicle_id is None
        or not 0 < transfer.vehicle_id <= MAX_ID
        or not getattr(connection, "stacks_statements", False)
        or not connection.mysql_is_mariadb
        or any(signal.has_listeners(model) for signal in _SAVE_SIGNALS for model in (Transfer, TransferStatusHistory))
        or _own_field_errors(transfer, check_horizon=True, now=timezone.now())
    ):
        return False
    free = locked_if_free(transfer.vehicle_id, seats=transfer.pax_count, at=busy_at)
    new = inserting(transfer, only_if=free)
    together(new, inserting(first, linked_to=("transfer", new), only_if=_IF_INSERTED))
    return transfer.pk is not None


def attach_history(transfer, changes):
    """Attach ``changes``, in the history's order, as ``transfer``'s whole history.

    A new transfer's whole history is the row just written, a changed one's
    is what its caller read plus the row just written, so whoever shows it
    (the 201 and 200 bodies) needs no query to read it back. A plain
    attribute, not ``status_history``'s prefetch cache: filling that builds
    the relation's queryset, a twentieth of a confirmation's CPU (README,
    Performance), for readers that the API does not have.
    """
    transfer._attached_history = sorted(changes, key=_in_history_order)


def _in_history_order(change):
    # The history's ordering (changed_at, id); a row whose id is still to come (sent with its
    # COMMIT, together_with_commit) is the newest, and its id the largest.
    return change.changed_at, change.pk is None, change.pk


def attached_history(transfer):
    """The history ``attach_history`` gave ``transfer``, else ``None``."""
    attached = getattr(transfer, "_attached_history", None)
    return None if attached is None else list(attached)


def change_status(*, transfer, target, by, driver_name=None, note=None):
    """Move ``transfer`` to ``target`` along the lifecycle and record who did it.

    Inside one transaction: lock vehicle then transfer, re-read, check the
    move is allowed (``invalid_transition`` lists what is), require a driver
    to start, re-check the vehicle on confirmation, transition, save, and
    write exactly one history row. Notifications follow from django-fsm's
    ``post_transition`` signal once the transaction commits.

    When ``transfer`` comes with its history attached (the API reads it
    with the transfer) and its status is still the one read, the changed
    transfer gets that history plus the new row: history rows are written
    only with a status change, and no status comes back once left
    (``test_lifecycle.test_no_status_comes_back_once_left``), so an unchanged status means an
    unchanged history.
    """
    note = _checked_change(target, note)
    # A confirmation asks whether the vehicle is busy at the pickup read
    # before the lock; if an amendment moved it since, the check asks again.
    busy_at = transfer.pickup_time if target == TransferStatus.CONFIRMED else None

    def work(vehicle_id):
        locked = lock_transfer(Transfer, transfer.pk, vehicle_id, busy_at=busy_at)
        if locked is None:
            raise NotFound(f"Transfer {transfer.pk} does not exist.")
        known = attached_history(transfer)
        if known is not None and transfer.status == locked.status:
            attach_history(locked, known)
        return _change_locked(locked, target, by, driver_name, note)

    return in_new_transaction(work, vehicle_id=transfer.vehicle_id)


def change_visible_status(transfer_id, *, owner_id, target, by, driver_name=None, note=None):
    """``change_status`` of transfer ``transfer_id`` where ``owner_id`` sees it (``None``: every
    transfer, as coordinators do); ``None`` where there is no such transfer to see.

    The API's status change: the transfer is found, locked and read with its
    history in one round trip (``locking.lock_visible_transfer``), where
    ``change_status`` starts from a transfer read before.
    """
    note = _checked_change(target, note)

    def work(vehicle_id):
        if vehicle_id is None:
            found = lock_visible_transfer(
                Transfer, transfer_id, owner_id, asking_busy=target == TransferStatus.CONFIRMED
            )
            if found is None:
                return None
            locked, history = found
            if history is not None:
                attach_history(locked, history)
        else:  # it moved to that vehicle after it was found
            locked = lock_transfer(Transfer, transfer_id, vehicle_id)
            if locked is None:
                raise NotFound(f"Transfer {transfer_id} does not exist.")
        return _change_locked(locked, target, by, driver_name, note)

    return in_new_transaction(work)


def _checked_change(target, note):
    """``note`` cleaned, once ``target`` and it pass the checks that need no transfer."""
    if target not in TransferStatus.values:
        raise Invalid.field("status", f"{target!r} is not one of {', '.join(TransferStatus.values)}.")
    note = clean_text(note)
    if note is not None and len(note) > NOTE_MAX_LENGTH:
        raise Invalid.field("note", f"Ensure this field has no more than {NOTE_MAX_LENGTH} characters.")
    return note


def _change_locked(locked, target, by, driver_name, note):
    """The status change of the ``locked`` transfer, inside its transaction; its history, when
    attached, gets the new row."""
    allowed = Transfer.allowed_targets(locked.status)
    if target not in allowed:
        raise Conflict(
            f"A transfer in status {locked.status} cannot become {target}.", code="invalid_transition", allowed=allowed
        )
    # Only CONFIRMED and IN_PROGRESS take a driver; other targets ignore it (API.md).
    driver_name = _driver_name(driver_name) if target in BUSY_STATUSES else None
    if driver_name is not None and len(driver_name) > DRIVER_NAME_MAX_LENGTH:
        raise Invalid.field(
            "driver_name", f"Ensure this field has no more than {DRIVER_NAME_MAX_LENGTH} characters."
        )
    if target == TransferStatus.IN_PROGRESS and driver_name is None:
        raise Invalid.field("driver_name", "A driver name is required to start a transfer.")
    if target == TransferStatus.CONFIRMED:
        ensure_vehicle_free(vehicle=locked.vehicle, at=locked.pickup_time, exclude_transfer_id=locked.pk)
    if driver_name is not None:
        locked.driver_name = driver_name
    from_status = locked.status
    locked.transition_method(target)()
    # Transitions move the status and nothing else (models.py).
    change = _change_row(locked, from_status=from_status, by=by, note=note)
    # The transfer is locked: its UPDATE matches it (together_with_commit).
    together_with_commit(updating(locked, ["status", "driver_name", "updated_at"]), inserting(change))
    known = attached_history(locked)
    if known is not None:
        attach_history(locked, [*known, change])
    return locked


def _driver_name(sent):
    if isinstance(sent, Unreadable):  # not text at all: refused here, in API.md's order
        raise Invalid({"driver_name": sent.messages})
    return clean_text(sent)


def amend_transfer(*, transfer, by, **changes):
    """Change vehicle, pickup time, pax or details of an open transfer.

    The same checks as booking; vehicle and time are re-checked against the
    conflict window whenever either changes, with both vehicles locked in id
    order. Completed and cancelled transfers are history and stay as they are.
    """
    unknown = set(changes) - AMENDABLE_FIELDS
    if unknown:
        raise TypeError(f"amend_transfer() got unexpected fields: {', '.join(sorted(unknown))}")
    return in_new_transaction(partial(_amend_locked, transfer, changes))


def _amend_locked(transfer, changes, vehicle_id):
    """``amend_transfer``'s work, inside its transaction (``vehicle_id``: where it moved, on a retry)."""
    current = vehicle_id
    if current is None:
        current = Transfer.objects.filter(pk=transfer.pk).values_list("vehicle_id", flat=True).first()
    if current is None:
        raise NotFound(f"Transfer {transfer.pk} does not exist.")
    vehicles = lock_vehicles([current, changes.get("vehicle_id", current)])
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.vehicle_id != current:
        raise TransferMoved(transfer.pk, locked.vehicle_id)
    if locked.status not in OPEN_STATUSES:
        raise Conflict(f"A transfer in status {locked.status} cannot be amended.", code="transfer_closed")
    moved_time = "pickup_time" in changes and changes["pickup_time"] != locked.pickup_time
    for name, value in changes.items():
        setattr(locked, name, value)
    _normalize(locked)
    vehicle = vehicles.get(locked.vehicle_id)
    errors = _field_errors(locked, vehicle=vehicle, check_horizon=moved_time, now=timezone.now())
    if errors:
        raise Invalid(errors)
    _check_capacity(locked, vehicle)
    _check_client_reference(locked)
    if moved_time or locked.vehicle_id != current:
        ensure_vehicle_free(vehicle=vehicle, at=locked.pickup_time, exclude_transfer_id=locked.pk)
    locked.vehicle = vehicle
    _save_reference_safely(locked)
    return locked


def set_vehicle_active(*, vehicle, is_active):
    """Activate or deactivate a vehicle; one with confirmed work ahead stays active.

    Deactivating would silently strand passengers, so the coordinator must
    first move or cancel the transfers named in the error.
    """
    with transaction.atomic():
        locked = lock_vehicles([vehicle.pk]).get(vehicle.pk)
        if locked is None:
            raise NotFound(f"Vehicle {vehicle.pk} does not exist.")
        if not is_active and locked.is_active:
            blocking = list(selectors.future_busy_transfers(vehicle_id=locked.pk, now=timezone.now()))
            if blocking:
                listed = ", ".join(
                    f"#{t.pk} ({t.status} at {to_local(t.pickup_time):%Y-%m-%d %H:%M})" for t in blocking[:10]
                )
                more = f" and {len(blocking) - 10} more" if len(blocking) > 10 else ""
                raise Conflict(
                    f"Vehicle {locked.plate} has {len(blocking)} confirmed or in-progress transfer(s) ahead: "
                    f"{listed}{more}. Move or cancel them first.",
                    code="vehicle_has_future_transfers",
                    transfers=[t.pk for t in blocking],
                )
        if locked.is_active != is_active:
            locked.is_active = is_active
            locked.save(update_fields=["is_active", "updated_at"])
    return locked
