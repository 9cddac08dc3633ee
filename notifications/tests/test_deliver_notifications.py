"""deliver_notifications: sweep, send once across workers, retry with backoff, stop cleanly."""
import datetime as dt
import io
import threading

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from bookings.choices import TransferStatus as S
from bookings.tests.factories import TransferFactory, TransferStatusHistoryFactory, UserFactory
from fleet.tests.factories import VehicleFactory
from notifications.delivery import backoff
from notifications.models import Notification
from notifications.tests.email_backends import RecordingBackend
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.integration
BACKENDS = "notifications.tests.email_backends."


def deliver(*args):
    out = io.StringIO()
    call_command("deliver_notifications", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


@pytest.fixture
def recorded(settings):
    settings.EMAIL_BACKEND = BACKENDS + "RecordingBackend"
    RecordingBackend.sent = []
    return RecordingBackend.sent


@pytest.mark.django_db
def test_sweep_writes_the_missing_notice_and_sends_it():
    confirmed = TransferFactory(status=S.CONFIRMED, passenger_email="ada@example.com")
    cancelled_after_confirming = TransferFactory(status=S.CANCELLED, passenger_email=None)
    TransferStatusHistoryFactory(transfer=cancelled_after_confirming, from_status=S.PENDING, to_status=S.CONFIRMED)
    never_confirmed = TransferFactory(status=S.PENDING)

    assert deliver("--once") == "Swept 2, sent 2, retried 0, failed 0."

    assert {m.to[0] for m in mail.outbox} == {"ada@example.com", "operations@dmc.example"}
    assert Notification.objects.filter(transfer=confirmed, status="SENT", attempts=1).exists()
    assert Notification.objects.filter(transfer=cancelled_after_confirming, status="SENT").exists()
    assert not Notification.objects.filter(transfer=never_confirmed).exists()
    assert deliver("--once") == "Swept 0, sent 0, retried 0, failed 0."


@pytest.mark.django_db
def test_only_due_pending_notices_are_sent(recorded):
    due = NotificationFactory(recipient="due@example.com")
    NotificationFactory(recipient="later@example.com", next_attempt_at=timezone.now() + dt.timedelta(minutes=5))
    NotificationFactory(recipient="done@example.com", status="SENT")
    NotificationFactory(recipient="gave-up@example.com", status="FAILED")

    assert deliver("--once") == "Swept 0, sent 1, retried 0, failed 0."

    assert recorded == ["due@example.com"]
    due.refresh_from_db()
    assert (due.status, due.attempts, due.last_error) == ("SENT", 1, None)


@pytest.mark.django_db
def test_a_failing_backend_retries_with_backoff_then_fails(settings):
    settings.EMAIL_BACKEND = BACKENDS + "FailingBackend"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    notice = NotificationFactory()

    for attempt in (1, 2):
        before = timezone.now()
        assert deliver("--once") == "Swept 0, sent 0, retried 1, failed 0."
        notice.refresh_from_db()
        assert (notice.status, notice.attempts) == ("PENDING", attempt)
        assert notice.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
        assert before + backoff(attempt) <= notice.next_attempt_at <= timezone.now() + backoff(attempt)
        assert deliver("--once") == "Swept 0, sent 0, retried 0, failed 0."  # not due yet
        Notification.objects.filter(pk=notice.pk).update(next_attempt_at=timezone.now())  # time passes

    assert deliver("--once") == "Swept 0, sent 0, retried 0, failed 1."
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("FAILED", 3)
    assert "Connection unexpectedly closed" in notice.last_error
    assert deliver("--once") == "Swept 0, sent 0, retried 0, failed 0."


@pytest.mark.unit
def test_backoff_doubles_up_to_a_cap():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(30) == dt.timedelta(hours=6)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_send_each_notice_exactly_once(recorded):
    vehicle, creator = VehicleFactory(), UserFactory()
    for n in range(200):
        NotificationFactory(
            transfer=TransferFactory(vehicle=vehicle, created_by=creator, status=S.CONFIRMED),
            recipient=f"passenger{n}@example.com",
        )
    start = threading.Barrier(2)
    outputs, errors = [], []

    def worker():
        try:
            start.wait()
            outputs.append(deliver("--once", "--batch", "7"))
        except Exception as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(recorded) == 200
    assert len(set(recorded)) == 200
    assert sum(int(out.split("sent ")[1].split(",")[0]) for out in outputs) == 200
    assert Notification.objects.filter(status="SENT", attempts=1).count() == 200


@pytest.mark.django_db(transaction=True)
def test_sigterm_finishes_the_current_notice_and_exits_cleanly(settings):
    settings.EMAIL_BACKEND = BACKENDS + "TerminatingBackend"
    RecordingBackend.sent = []
    for n in range(3):
        NotificationFactory(recipient=f"p{n}@example.com")

    assert deliver("--batch", "10") == "Swept 0, sent 1, retried 0, failed 0."

    assert Notification.objects.filter(status="SENT").count() == 1
    # The rest of the claimed batch was handed back, due at once for the next worker.
    assert Notification.objects.filter(status="PENDING", next_attempt_at__lte=timezone.now()).count() == 2


def test_batch_must_be_positive():
    with pytest.raises(CommandError, match="'0' must be at least 1"):
        call_command("deliver_notifications", "--once", "--batch", "0")
