import datetime as dt

import pytest

from bookings.api.transfer_reads import transfer_detail, transfer_representation, visible_transfer
from bookings.choices import TransferStatus as S
from bookings.models import Transfer
from bookings.services import attached_history, change_status, change_visible_status
from bookings.tests.factories import TransferFactory
from dmc_transfers.errors import Conflict, Invalid
from dmc_transfers.sql import MAX_ID
from notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def history(transfer):
    return list(transfer.status_history.values_list("from_status", "to_status", "changed_by", "note"))


def test_confirm_writes_one_history_row_with_who_and_note(coordinator, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    result = change_status(transfer=transfer, target=S.CONFIRMED, by=coordinator, note="  called the hotel ")
    result.refresh_from_db()
    assert result.status == S.CONFIRMED
    assert history(result)[-1] == ("PENDING", "CONFIRMED", "coordinator", "called the hotel")
    assert len(history(result)) == 2


def test_full_lifecycle_chains_history(coordinator, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    change_status(transfer=transfer, target=S.CONFIRMED, by=coordinator, driver_name="Marta")
    change_status(transfer=transfer, target=S.IN_PROGRESS, by=coordinator, driver_name="Pere")
    done = change_status(transfer=transfer, target=S.COMPLETED, by=coordinator, driver_name="ignored")
    done.refresh_from_db()
    assert done.driver_name == "Pere"
    assert [(f, t) for f, t, *_ in history(done)] == [
        (None, "PENDING"), ("PENDING", "CONFIRMED"), ("CONFIRMED", "IN_PROGRESS"), ("IN_PROGRESS", "COMPLETED")
    ]


def test_driver_name_sent_with_confirm_is_stored(coordinator, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    assert change_status(transfer=transfer, target=S.CONFIRMED, by=coordinator, driver_name=" Marta ").driver_name == "Marta"


@pytest.mark.parametrize("source,target", [
    ("PENDING", "PENDING"), ("PENDING", "IN_PROGRESS"), ("PENDING", "COMPLETED"),
    ("CONFIRMED", "CONFIRMED"), ("CONFIRMED", "PENDING"), ("CONFIRMED", "COMPLETED"),
    ("IN_PROGRESS", "CANCELLED"), ("COMPLETED", "CANCELLED"), ("CANCELLED", "PENDING"),
])
def test_forbidden_moves_are_invalid_transitions_listing_the_allowed(coordinator, vehicle, at, source, target):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), status=source, driver_name="Marta")
    with pytest.raises(Conflict) as exc:
        change_status(transfer=transfer, target=target, by=coordinator, driver_name="Marta")
    assert exc.value.code == "invalid_transition"
    from bookings.models import Transfer
    assert exc.value.extra["allowed"] == Transfer.allowed_targets(source)
    transfer.refresh_from_db()
    assert transfer.status == source
    assert len(history(transfer)) == transfer.status_history.count()


@pytest.mark.parametrize("driver_name", [None, "", "   "])
def test_starting_needs_a_driver_name(coordinator, vehicle, at, driver_name):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), status=S.CONFIRMED, driver_name="Old")
    with pytest.raises(Invalid) as exc:
        change_status(transfer=transfer, target=S.IN_PROGRESS, by=coordinator, driver_name=driver_name)
    assert list(exc.value.errors) == ["driver_name"]
    transfer.refresh_from_db()
    assert transfer.status == S.CONFIRMED


def test_invalid_transition_is_checked_before_driver_name(coordinator, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    with pytest.raises(Conflict):
        change_status(transfer=transfer, target=S.IN_PROGRESS, by=coordinator)


def test_unknown_status_and_long_note_are_field_errors(coordinator, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    with pytest.raises(Invalid) as exc:
        change_status(transfer=transfer, target="confirmed", by=coordinator)
    assert list(exc.value.errors) == ["status"]
    with pytest.raises(Invalid) as exc:
        change_status(transfer=transfer, target=S.CONFIRMED, by=coordinator, note="x" * 501)
    assert list(exc.value.errors) == ["note"]


def found_and_changed(transfer, **change):
    """``change_visible_status``, as the API calls it for a coordinator: found by id with its lock."""
    return change_visible_status(transfer.pk, owner_id=None, **change)


def read_and_changed(transfer, **change):
    return change_status(transfer=transfer, **change)


BOTH_WAYS = pytest.mark.parametrize("changed", [read_and_changed, found_and_changed], ids=["read first", "found"])
WINDOW, TICK = dt.timedelta(minutes=120), dt.timedelta(microseconds=1)


@BOTH_WAYS
@pytest.mark.parametrize(
    "offset,free", [(-WINDOW, True), (TICK - WINDOW, False), (WINDOW - TICK, False), (WINDOW, True)]
)
def test_confirm_rechecks_the_window(changed, coordinator, vehicle, at, confirmed, offset, free):
    # To the microsecond: the found transfer's window is worked out by the database (INTERVAL).
    confirmed(at() + offset)
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    if free:
        changed(transfer, target=S.CONFIRMED, by=coordinator)
    else:
        with pytest.raises(Conflict) as exc:
            changed(transfer, target=S.CONFIRMED, by=coordinator)
        assert exc.value.code == "vehicle_unavailable"
        transfer.refresh_from_db()
        assert transfer.status == S.PENDING


def test_confirm_refuses_an_inactive_vehicle(coordinator, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    vehicle.is_active = False
    vehicle.save()
    with pytest.raises(Conflict) as exc:
        change_status(transfer=transfer, target=S.CONFIRMED, by=coordinator)
    assert exc.value.code == "vehicle_unavailable"


def test_cancel_does_not_recheck_the_vehicle(integrator, vehicle, at, confirmed):
    confirmed(at())
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(10))
    vehicle.is_active = False
    vehicle.save()
    assert change_status(transfer=transfer, target=S.CANCELLED, by=integrator).status == S.CANCELLED


def test_confirmation_writes_its_notification_on_commit(coordinator, vehicle, at, django_capture_on_commit_callbacks):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), passenger_email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change_status(transfer=transfer, target=S.CONFIRMED, by=coordinator)
        assert not Notification.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()
    note = Notification.objects.get()
    assert (note.transfer_id, note.kind, note.recipient, note.status) == (
        transfer.pk, "TRANSFER_CONFIRMED", "ada@example.com", "PENDING"
    )


def test_no_notification_for_other_changes(coordinator, vehicle, at, django_capture_on_commit_callbacks):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    with django_capture_on_commit_callbacks(execute=True):
        change_status(transfer=transfer, target=S.CANCELLED, by=coordinator)
    assert not Notification.objects.exists()


def test_recipient_falls_back_to_operations(coordinator, vehicle, at, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATIONS_FALLBACK_EMAIL = "ops@dmc.test"
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), passenger_email=None)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(transfer=transfer, target=S.CONFIRMED, by=coordinator)
    assert Notification.objects.get().recipient == "ops@dmc.test"


@pytest.mark.parametrize("target,source", [(S.CANCELLED, S.PENDING), (S.COMPLETED, S.IN_PROGRESS)])
def test_driver_name_is_ignored_by_other_targets_even_when_too_long(coordinator, vehicle, at, target, source):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), status=source, driver_name="Marta")
    changed = change_status(transfer=transfer, target=target, by=coordinator, driver_name="x" * 200)
    changed.refresh_from_db()
    assert (changed.status, changed.driver_name) == (target, "Marta")


def test_a_change_answers_with_the_history_it_was_read_with_plus_its_row(coordinator, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    read = visible_transfer(transfer.pk)
    changed = change_status(transfer=read, target=S.CONFIRMED, by=coordinator, note="ok")
    assert [h.to_status for h in attached_history(changed)] == [S.PENDING, S.CONFIRMED]
    assert transfer_representation(changed) == transfer_detail(transfer.pk)


@pytest.mark.parametrize("earlier", [[], [S.CONFIRMED]], ids=["first change", "second change"])
def test_a_found_transfer_answers_with_the_history_locked_with_it_plus_its_row(coordinator, vehicle, at, earlier):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    for target in earlier:
        change_status(transfer=Transfer.objects.get(pk=transfer.pk), target=target, by=coordinator)
    changed = found_and_changed(transfer, target=S.CANCELLED, by=coordinator)
    assert [h.to_status for h in attached_history(changed)] == [S.PENDING, *earlier, S.CANCELLED]
    assert transfer_representation(changed) == transfer_detail(transfer.pk)


def test_a_transfer_is_found_only_where_its_owner_looks(integrator, other_integrator, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), created_by=other_integrator)
    for transfer_id in (transfer.pk, transfer.pk + 1000, MAX_ID):  # another's, none, the largest id
        assert change_visible_status(transfer_id, owner_id=integrator.pk, target=S.CANCELLED, by=integrator) is None
    assert Transfer.objects.get(pk=transfer.pk).status == S.PENDING
    mine = change_visible_status(transfer.pk, owner_id=other_integrator.pk, target=S.CANCELLED, by=other_integrator)
    assert Transfer.objects.get(pk=mine.pk).status == S.CANCELLED


def test_a_change_after_another_reads_the_history_back(coordinator, vehicle, at):
    # Read, then someone else confirms: the read's history is one row short.
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    stale = visible_transfer(transfer.pk)
    change_status(transfer=Transfer.objects.get(pk=transfer.pk), target=S.CONFIRMED, by=coordinator)
    changed = change_status(transfer=stale, target=S.CANCELLED, by=coordinator)
    assert attached_history(changed) is None
    shown = transfer_representation(changed)
    assert [h["to_status"] for h in shown["status_history"]] == [S.PENDING, S.CONFIRMED, S.CANCELLED]
    assert shown == transfer_detail(transfer.pk)
