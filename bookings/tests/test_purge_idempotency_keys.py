"""purge_idempotency_keys: old records go, recent ones (and the 24 h promise) stay."""
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bookings.housekeeping import purge_idempotency_records
from bookings.models import IdempotencyRecord
from bookings.tests.factories import IdempotencyRecordFactory
from dmc_transfers.errors import Invalid

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def aged(hours):
    return IdempotencyRecordFactory(created_at=timezone.now() - dt.timedelta(hours=hours))


def purge(*args):
    out = io.StringIO()
    call_command("purge_idempotency_keys", *args, stdout=out)
    return out.getvalue()


def test_deletes_only_records_older_than_the_default_48_hours():
    old, older = aged(49), aged(24 * 30)
    recent = aged(47)
    assert purge() == "Deleted 2 idempotency key(s) older than 48 hours.\n"
    assert list(IdempotencyRecord.objects.all()) == [recent]
    assert old.transfer.pk and older.transfer.pk  # the transfers themselves are untouched


def test_older_than_is_in_hours():
    aged(30)
    keep = aged(20)
    assert purge("--older-than", "24") == "Deleted 1 idempotency key(s) older than 24 hours.\n"
    assert list(IdempotencyRecord.objects.all()) == [keep]


def test_less_than_24_hours_is_refused():
    aged(30)
    with pytest.raises(CommandError, match="argument --older-than: '23' must be at least 24"):
        purge("--older-than", "23")
    with pytest.raises(Invalid, match="Invalid input") as refused:
        purge_idempotency_records(older_than=dt.timedelta(hours=23, minutes=59))
    assert refused.value.errors == {"older_than": ["Keys are kept at least 24 hours (API.md); choose 24 or more."]}
    assert IdempotencyRecord.objects.count() == 1


def test_a_non_number_is_refused():
    with pytest.raises(CommandError, match="'two days' is not a whole number"):
        purge("--older-than", "two days")
