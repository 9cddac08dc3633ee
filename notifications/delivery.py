"""Delivering notifications: write what the on-commit hook missed, then send.

Several workers may run at once. Each claims a batch of due notices with
``select_for_update(skip_locked=True)`` in a short transaction and pushes
their ``next_attempt_at`` one lease ahead, so no other worker sees them;
the e-mails are then sent outside any transaction, one outcome at a time.
"""
import datetime as dt
import logging
import time
from dataclasses import dataclass, fields

from django.conf import settings
from django.core.mail import send_mail
from django.db import close_old_connections, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from bookings.choices import TransferStatus
from bookings.models import Transfer, TransferStatusHistory
from notifications.choices import NotificationKind, NotificationStatus
from notifications.models import Notification
from notifications.services import write_confirmation_notification

logger = logging.getLogger(__name__)

BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)
# Far longer than one send may take (EMAIL_TIMEOUT), so a claim never lapses
# while its e-mail is still being handed over.
CLAIM_LEASE = dt.timedelta(minutes=10)
POLL_SECONDS = 5
# The sweep reads every confirmation ever made; a running worker repeats it
# now and then rather than on every poll.
SWEEP_EVERY_SECONDS = 300
LAST_ERROR_MAX_LENGTH = 2000
SWEEP_BATCH = 1000


@dataclass
class DeliveryCounts:
    swept: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __iadd__(self, other):
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self

    def __str__(self):
        return ", ".join(f"{field.name} {getattr(self, field.name)}" for field in fields(self))


def backoff(attempts):
    """Wait before retry number ``attempts``: 1, 2, 4, 8 ... minutes, at most 6 hours."""
    return min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_CAP)


def transfers_missing_confirmation():
    """Ids of transfers ever confirmed (the history is the durable record) without their notice.

    Read from the history side: one pass over the confirmations probing the
    unique (transfer, kind) index, seconds on millions of rows, where asking
    the same of every transfer takes a minute on MariaDB.
    """
    noticed = Notification.objects.filter(transfer_id=OuterRef("transfer_id"), kind=NotificationKind.TRANSFER_CONFIRMED)
    confirmations = TransferStatusHistory.objects.filter(to_status=TransferStatus.CONFIRMED).exclude(Exists(noticed))
    return sorted(set(confirmations.values_list("transfer_id", flat=True)))


def sweep_missing_notifications():
    """Write the TRANSFER_CONFIRMED notice of every transfer that lacks one; return how many.

    The unique (transfer, kind) constraint makes racing the on-commit hook
    or another worker harmless.
    """
    missing = transfers_missing_confirmation()
    for start in range(0, len(missing), SWEEP_BATCH):
        for transfer in Transfer.objects.filter(pk__in=missing[start : start + SWEEP_BATCH]).select_related("vehicle"):
            write_confirmation_notification(transfer=transfer)
    if missing:
        logger.warning("Wrote %s missing confirmation notification(s).", len(missing))
    return len(missing)


def due_notifications(now):
    return Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=now)


def claim_due(*, batch, now=None):
    """Lease up to ``batch`` due notices to this worker, oldest due first."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = list(
            due_notifications(now).select_for_update(skip_locked=True).order_by("next_attempt_at", "id")[:batch]
        )
        Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(next_attempt_at=now + CLAIM_LEASE)
    return claimed


def release(notifications):
    """Hand claimed but unsent notices back, due at once (a worker stopping early)."""
    Notification.objects.filter(pk__in=[n.pk for n in notifications], status=NotificationStatus.PENDING).update(
        next_attempt_at=timezone.now()
    )


def deliver(notification):
    """Send one claimed notice; record SENT, a retry with backoff, or FAILED. Return the counts."""
    notification.attempts += 1
    try:
        send_mail(
            notification.subject, notification.message, settings.DEFAULT_FROM_EMAIL, [notification.recipient]
        )
    except Exception as exc:  # whatever the backend raises, the notice is retried, not lost
        notification.last_error = f"{type(exc).__name__}: {exc}"[:LAST_ERROR_MAX_LENGTH]
        if notification.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            notification.status = NotificationStatus.FAILED
            outcome = DeliveryCounts(failed=1)
            logger.error("Notification %s failed for good: %s", notification.pk, notification.last_error)
        else:
            notification.next_attempt_at = timezone.now() + backoff(notification.attempts)
            outcome = DeliveryCounts(retried=1)
            logger.warning("Notification %s will be retried: %s", notification.pk, notification.last_error)
    else:
        notification.status = NotificationStatus.SENT
        outcome = DeliveryCounts(sent=1)
    notification.save(update_fields=["attempts", "status", "next_attempt_at", "last_error", "updated_at"])
    return outcome


def deliver_due(*, batch, should_stop=lambda: False, on_outcome=None):
    """Send every notice due now, ``batch`` claimed at a time, until none is left or asked to stop.

    On a stop the current notice is finished and the rest of the batch released.
    """
    counts = DeliveryCounts()
    while not should_stop():
        claimed = claim_due(batch=batch)
        if not claimed:
            break
        for position, notification in enumerate(claimed):
            if should_stop():
                release(claimed[position:])
                break
            outcome = deliver(notification)
            counts += outcome
            if on_outcome is not None:
                on_outcome(outcome)
    return counts


def run_worker(*, batch, stop):
    """Sweep and deliver until ``stop`` (a ``threading.Event``) is set; return the totals."""
    counts = DeliveryCounts()
    last_sweep = None
    while not stop.is_set():
        # A long-lived process must drop connections the server has closed.
        close_old_connections()
        if last_sweep is None or time.monotonic() - last_sweep >= SWEEP_EVERY_SECONDS:
            counts.swept += sweep_missing_notifications()
            last_sweep = time.monotonic()
        counts += deliver_due(batch=batch, should_stop=stop.is_set)
        stop.wait(POLL_SECONDS)
    return counts
