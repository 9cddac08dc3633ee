"""Notification invariant: every transfer ever confirmed has exactly one TRANSFER_CONFIRMED notice."""
from django.db.models import Count, Exists, OuterRef, Q

from bookings.choices import TransferStatus
from bookings.models import Transfer, TransferStatusHistory
from dmc_transfers.integrity import Violation
from notifications.choices import NotificationKind


NAME = "confirmation_notification"


def confirmation_notifications(*, start=None, end=None):
    transfers = Transfer.objects.all()
    if start is not None:
        transfers = transfers.filter(pickup_time__gte=start)
    if end is not None:
        transfers = transfers.filter(pickup_time__lt=end)
    ever_confirmed = TransferStatusHistory.objects.filter(transfer=OuterRef("pk"), to_status=TransferStatus.CONFIRMED)
    counted = transfers.annotate(
        ever_confirmed=Exists(ever_confirmed),
        notices=Count("notifications", filter=Q(notifications__kind=NotificationKind.TRANSFER_CONFIRMED)),
    )
    wrong = counted.filter(Q(ever_confirmed=True) & ~Q(notices=1) | Q(ever_confirmed=False, notices__gt=0))
    for transfer_id, confirmed, notices in wrong.values_list("id", "ever_confirmed", "notices").iterator():
        expected = 1 if confirmed else 0
        yield Violation(
            NAME, f"transfer {transfer_id}: {notices} TRANSFER_CONFIRMED notification(s), expected {expected}"
        )
