"""Confirmations reach this app through django-fsm's ``post_transition`` signal."""
import logging
from functools import partial

from django.db import DatabaseError, IntegrityError
from django.dispatch import receiver
from django_fsm.signals import post_transition

from bookings.choices import TransferStatus
from bookings.models import Transfer
from dmc_transfers.writes import insert_on_commit
from notifications.models import Notification
from notifications.services import confirmation_notification, write_confirmation_notification

logger = logging.getLogger(__name__)


def _write_after_commit(transfer, failed=None):
    # The change is committed already; a failure here must not undo or fail
    # it. The delivery sweep writes whatever this hook could not. ``failed``:
    # the error of the INSERT sent after the COMMIT. A duplicate is the row
    # the sweep wrote first, which the write finds; anything else (a lock wait,
    # a lost connection) would only be paid again.
    try:
        if failed is not None and not isinstance(failed, IntegrityError):
            raise failed
        write_confirmation_notification(transfer=transfer)
    except DatabaseError as exc:  # an outage, not a bug: no traceback
        logger.warning(
            "Could not write the confirmation notification of transfer %s (%s); the sweep will.", transfer.pk, exc
        )
    except Exception:
        logger.exception("Could not write the confirmation notification of transfer %s; the sweep will.", transfer.pk)


@receiver(post_transition, sender=Transfer, dispatch_uid="notifications.on_transfer_confirmed")
def on_transfer_confirmed(sender, instance, target, **kwargs):
    # An unsaved transfer (a pure lifecycle check) has nothing to notify about.
    # The instance is the one change_status saved, its locked vehicle attached:
    # what commits is what the notice says, with no need to read it back. The
    # notice's INSERT may travel after the COMMIT, in its round trip; where it
    # cannot, the hook writes it as before (and what an error there means,
    # _write_after_commit decides).
    if target == TransferStatus.CONFIRMED and instance.pk is not None:
        insert_on_commit(
            Notification,
            partial(confirmation_notification, instance),
            otherwise=partial(_write_after_commit, instance),
        )
