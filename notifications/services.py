"""Writing the confirmation notice. Delivery lives in ``delivery.py``."""
from contextlib import nullcontext

from django.conf import settings
from django.db import IntegrityError, transaction

from dmc_transfers.localtime import to_local
from dmc_transfers.writes import insert
from notifications.choices import NotificationKind
from notifications.models import Notification


def confirmation_content(transfer):
    """Recipient, subject and message of a TRANSFER_CONFIRMED notice."""
    pickup = to_local(transfer.pickup_time)
    recipient = transfer.passenger_email or settings.NOTIFICATIONS_FALLBACK_EMAIL
    subject = f"Your transfer on {pickup:%d %b %Y at %H:%M} is confirmed"
    lines = [
        f"Dear {transfer.passenger_name},",
        "",
        "your transfer is confirmed:",
        f"  Pickup:   {pickup:%A %d %B %Y, %H:%M} ({pickup:%Z})",
        f"  From:     {transfer.pickup_location}",
        f"  To:       {transfer.dropoff_location}",
        f"  Vehicle:  {transfer.vehicle.get_vehicle_type_display()} {transfer.vehicle.plate}",
        f"  Passengers: {transfer.pax_count}",
    ]
    if transfer.flight_number:
        lines.append(f"  Flight:   {transfer.flight_number}")
    if transfer.client_reference:
        lines.append(f"  Reference: {transfer.client_reference}")
    return {"recipient": recipient, "subject": subject, "message": "\n".join(lines) + "\n"}


def write_confirmation_notification(*, transfer):
    """Write the transfer's TRANSFER_CONFIRMED notice once; return it (new or existing).

    Safe to call from the on-commit hook and from the delivery sweep at the
    same time: the unique (transfer, kind) constraint lets only one row in,
    so the INSERT is tried first and a refusal means the row exists.
    """
    try:
        with _contained():
            return insert(confirmation_notification(transfer))
    except IntegrityError:
        return Notification.objects.get(transfer=transfer, kind=NotificationKind.TRANSFER_CONFIRMED)


def confirmation_notification(transfer):
    """The transfer's TRANSFER_CONFIRMED notice, unsaved."""
    return Notification(transfer=transfer, kind=NotificationKind.TRANSFER_CONFIRMED, **confirmation_content(transfer))


def _contained():
    """A savepoint inside a caller's transaction, which a refused INSERT would otherwise doom.

    In autocommit (the on-commit hook) the INSERT is a transaction of its
    own: wrapping it in ``atomic()`` would only add round trips.
    """
    return transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()
