import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from bookings.models import IdempotencyRecord
from bookings.services import book_transfer, change_status
from bookings.tests.factories import IdempotencyRecordFactory, TransferFactory, TransferStatusHistoryFactory
from dmc_transfers.integrity import find_violations
from notifications.tests.factories import NotificationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def checks_failing():
    return sorted({v.check for v in find_violations()})


def test_consistent_data_passes(booking, coordinator, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        transfer = book_transfer(**booking)
        change_status(transfer=transfer, target="CONFIRMED", by=coordinator)
        change_status(transfer=transfer, target="IN_PROGRESS", by=coordinator, driver_name="Marta")
        book_transfer(**{**booking, "pickup_time": booking["pickup_time"] + dt.timedelta(minutes=180)})
    assert find_violations() == []
    call_command("check_integrity")
    assert "No violations found." in capsys.readouterr().out


def test_double_booking_is_found(vehicle, at):
    a = TransferFactory(vehicle=vehicle, pickup_time=at(), status="CONFIRMED")
    b = TransferFactory(vehicle=vehicle, pickup_time=at(119), status="IN_PROGRESS")
    NotificationFactory(transfer=a)
    NotificationFactory(transfer=b)
    TransferFactory(vehicle=vehicle, pickup_time=at(120 + 119), status="PENDING")
    violations = find_violations()
    assert [v.check for v in violations] == ["double_booked_vehicle"]
    assert f"transfers {a.pk}" in violations[0].detail and str(b.pk) in violations[0].detail


def test_exactly_a_window_apart_is_fine(vehicle, at):
    for minutes in (0, 120):
        NotificationFactory(transfer=TransferFactory(vehicle=vehicle, pickup_time=at(minutes), status="CONFIRMED"))
    assert find_violations() == []


def test_history_that_does_not_end_at_the_status_is_found(vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), status="CANCELLED")
    TransferStatusHistoryFactory(transfer=transfer, from_status="CANCELLED", to_status="PENDING")
    assert checks_failing() == ["broken_history"]


def test_history_with_a_gap_is_found(vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), history=False)
    TransferStatusHistoryFactory(transfer=transfer, from_status=None, to_status="CONFIRMED")
    assert "broken_history" in checks_failing()


def test_missing_or_extra_notification_is_found(vehicle, at):
    TransferFactory(vehicle=vehicle, pickup_time=at(), status="CONFIRMED")
    NotificationFactory(transfer=TransferFactory(vehicle=vehicle, pickup_time=at(days=1)))
    violations = find_violations()
    assert [v.check for v in violations] == ["confirmation_notification"] * 2


def test_idempotency_record_pointing_elsewhere_is_found():
    record = IdempotencyRecordFactory()
    IdempotencyRecord.objects.filter(pk=record.pk).update(response_body={"id": record.transfer_id + 1000})
    assert checks_failing() == ["dangling_idempotency_record"]


def test_command_prints_violations_and_fails(vehicle, at, capsys):
    TransferFactory(vehicle=vehicle, pickup_time=at(), status="CONFIRMED")
    with pytest.raises(CommandError, match="1 violation"):
        call_command("check_integrity")
    assert "[confirmation_notification]" in capsys.readouterr().out


def test_date_range_limits_the_check(vehicle, at):
    TransferFactory(vehicle=vehicle, pickup_time=at(), status="CONFIRMED")
    later = (at() + dt.timedelta(days=2)).date().isoformat()
    call_command("check_integrity", date_from=later, date_to=later)
    with pytest.raises(CommandError, match="not a date"):
        call_command("check_integrity", date_from="tomorrow")
