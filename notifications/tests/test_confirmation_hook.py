"""The TRANSFER_CONFIRMED notice is written after commit, never on rollback, never twice."""
import pytest
from django.db import transaction

from bookings.choices import TransferStatus as S
from bookings.models import Transfer
from bookings.services import change_status
from bookings.tests.factories import TransferFactory
from dmc_transfers.tests.sessions import on_another_connection
from notifications.models import Notification
from notifications.services import confirmation_content, write_confirmation_notification
from notifications.tests.factories import NotificationFactory

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
    def broken(transfer):
        raise RuntimeError("mail template exploded")

    # Both ways of writing it: after the COMMIT in its round trip, and the hook's own.
    monkeypatch.setattr("notifications.services.confirmation_content", broken)
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


def seen_from_another_connection(transfer):
    """The transfer's notices as another session sees them: committed ones only."""
    notices = Notification.objects.filter(transfer=transfer)
    return on_another_connection(lambda: list(notices.values_list("kind", flat=True)))


def test_the_notice_travels_after_the_commit_and_commits_on_its_own(pending, coordinator, django_assert_num_queries):
    with django_assert_num_queries(2) as sent:  # the locks; the writes with COMMIT and, after it, the notice
        change_status(transfer=pending, target=S.CONFIRMED, by=coordinator)
    last = sent.captured_queries[-1]["sql"]
    assert "; COMMIT; INSERT INTO `notifications_notification`" in last
    assert seen_from_another_connection(pending) == ["TRANSFER_CONFIRMED"]
    assert Notification.objects.get().message == write_confirmation_notification(transfer=pending).message


def test_a_notice_written_first_by_the_sweep_stays_the_only_one(pending, coordinator, caplog):
    # The INSERT after the COMMIT is refused by the unique (transfer, kind): the hook finds the row.
    written = NotificationFactory(transfer=pending)
    result = change_status(transfer=pending, target=S.CONFIRMED, by=coordinator)
    assert Notification.objects.get() == written and result.status == S.CONFIRMED
    assert Transfer.objects.get(pk=pending.pk).status == S.CONFIRMED and "the sweep will" not in caplog.text


def test_a_confirmation_rolled_back_to_its_savepoint_writes_no_notice(pending, coordinator):
    class Abort(Exception):
        pass

    other = TransferFactory()
    with transaction.atomic():
        with pytest.raises(Abort), transaction.atomic():
            change_status(transfer=pending, target=S.CONFIRMED, by=coordinator)
            raise Abort
        change_status(transfer=other, target=S.CONFIRMED, by=coordinator)
    assert list(Notification.objects.values_list("transfer_id", flat=True)) == [other.pk]


def test_a_notice_refused_after_the_commit_for_another_reason_is_left_to_the_sweep(
    pending, coordinator, monkeypatch, caplog, django_assert_num_queries
):
    # Tried once: sent again, a lock wait or a lost connection would only be paid twice.
    monkeypatch.setattr(
        "notifications.services.confirmation_content",
        lambda transfer: {**confirmation_content(transfer), "subject": "S" * 999},  # longer than its column
    )
    with django_assert_num_queries(2) as sent:
        result = change_status(transfer=pending, target=S.CONFIRMED, by=coordinator)
    assert sum("INSERT INTO `notifications_notification`" in query["sql"] for query in sent.captured_queries) == 1
    assert Transfer.objects.get(pk=result.pk).status == S.CONFIRMED and not Notification.objects.exists()
    assert "the sweep will" in caplog.text
