"""The TRANSFER_CONFIRMED notice is written after commit, never on rollback, never twice."""
import pytest
from django.db import transaction

from bookings.choices import TransferStatus as S
from bookings.services import change_status
from bookings.tests.factories import TransferFactory
from notifications.models import Notification
from notifications.services import write_confirmation_notification

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


@pytest.fixture
def pending(db):
    return TransferFactory(passenger_email="ada@example.com")


def test_written_once_the_change_commits(pending, coordinator):
    change_status(transfer=pending, target=S.CONFIRMED, by=coordinator)
    note = Notification.objects.get(transfer=pending)
    assert note.kind == "TRANSFER_CONFIRMED"
    assert note.recipient == "ada@example.com"
    assert "confirmed" in note.subject and pending.passenger_name in note.message


def test_nothing_written_when_the_change_rolls_back(pending, coordinator):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        change_status(transfer=pending, target=S.CONFIRMED, by=coordinator)
        raise Abort
    pending.refresh_from_db()
    assert pending.status == S.PENDING
    assert not Notification.objects.exists()
    assert pending.status_history.count() == 1


def test_never_written_twice(pending, coordinator):
    change_status(transfer=pending, target=S.CONFIRMED, by=coordinator)
    again = write_confirmation_notification(transfer=pending)
    assert Notification.objects.filter(transfer=pending).count() == 1
    assert again == Notification.objects.get()


def test_a_failing_hook_is_logged_and_the_change_stands(pending, coordinator, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("mail template exploded")

    monkeypatch.setattr("notifications.signals.write_confirmation_notification", broken)
    result = change_status(transfer=pending, target=S.CONFIRMED, by=coordinator)
    result.refresh_from_db()
    assert result.status == S.CONFIRMED
    assert not Notification.objects.exists()
    assert "the sweep will" in caplog.text


def test_an_existing_notice_is_returned_and_the_callers_transaction_goes_on(pending, coordinator):
    change_status(transfer=pending, target=S.CONFIRMED, by=coordinator)
    with transaction.atomic():
        again = write_confirmation_notification(transfer=pending)
        assert Notification.objects.filter(transfer=pending).count() == 1
    assert again == Notification.objects.get()
