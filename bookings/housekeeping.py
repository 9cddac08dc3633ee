"""Periodic clean-up of records that only matter for a while."""
import datetime as dt

from django.utils import timezone

from bookings.models import IdempotencyRecord
from dmc_transfers.errors import Invalid

# API.md promises a replayed Idempotency-Key answers for at least 24 hours.
IDEMPOTENCY_MIN_RETENTION_HOURS = 24
IDEMPOTENCY_MIN_RETENTION = dt.timedelta(hours=IDEMPOTENCY_MIN_RETENTION_HOURS)
PURGE_BATCH_SIZE = 10_000


def purge_idempotency_records(*, older_than, now=None, on_batch=None):
    """Delete idempotency records created more than ``older_than`` ago; return how many.

    Deletes in batches of primary keys, so a large purge never holds locks on
    the whole table while the API keeps writing new records.
    """
    if older_than < IDEMPOTENCY_MIN_RETENTION:
        hours = IDEMPOTENCY_MIN_RETENTION_HOURS
        raise Invalid.field("older_than", f"Keys are kept at least {hours} hours (API.md); choose {hours} or more.")
    cutoff = (now or timezone.now()) - older_than
    stale = IdempotencyRecord.objects.filter(created_at__lt=cutoff).order_by("pk")
    deleted = 0
    while ids := list(stale.values_list("pk", flat=True)[:PURGE_BATCH_SIZE]):
        IdempotencyRecord.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
        if on_batch is not None:
            on_batch(len(ids))
    return deleted
