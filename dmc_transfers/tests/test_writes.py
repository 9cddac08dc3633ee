"""The hand-written INSERT and UPDATE (dmc_transfers/writes.py) write what ``save()`` writes."""
import datetime as dt

import MySQLdb
import pytest
from django.db import DatabaseError, IntegrityError, InterfaceError, transaction
from django.db.models import signals
from django.utils import timezone

from bookings.choices import TransferStatus
from bookings.models import Transfer, TransferStatusHistory
from bookings.tests.factories import TransferFactory
from dmc_transfers.tests.sessions import on_another_connection
from dmc_transfers.writes import (
    insert,
    insert_on_commit,
    inserting,
    together,
    together_with_commit,
    update,
    updating,
)
from fleet.models import Vehicle
from fleet.tests.factories import VehicleFactory
from notifications.models import Notification

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

STAMPS = {"created_at", "updated_at", "changed_at", "next_attempt_at"}


def stored(instance):
    """The row as the database holds it, read back through the ORM, without its id and timestamps."""
    row = type(instance).objects.filter(pk=instance.pk).values().get()
    return {name: value for name, value in row.items() if name != "id" and name not in STAMPS}


def transfer_like(integrator, vehicle, pickup_time):
    return Transfer(
        vehicle=vehicle,
        pickup_time=pickup_time,
        pax_count=2,
        passenger_name="Ada Lovelace",
        passenger_email="ada@example.com",
        flight_number="IB3456",
        pickup_location="PMI",
        dropoff_location="Palma",
        notes="Child seat ✓",
        created_by=integrator,
    )


def test_a_transfer_inserted_by_hand_is_the_row_save_writes(integrator):
    vehicle = VehicleFactory()
    before = timezone.now()
    pickup = timezone.now() + dt.timedelta(days=3)
    by_orm, by_hand = transfer_like(integrator, vehicle, pickup), transfer_like(integrator, vehicle, pickup)
    by_orm.save()
    assert insert(by_hand) is by_hand
    assert by_hand.pk == Transfer.objects.latest("id").pk and not by_hand._state.adding
    assert stored(by_hand) == stored(by_orm)
    fresh = Transfer.objects.get(pk=by_hand.pk)
    assert before <= fresh.created_at == by_hand.created_at <= timezone.now()
    assert fresh.updated_at == by_hand.updated_at


@pytest.mark.parametrize(
    "make",
    [
        lambda transfer: TransferStatusHistory(transfer=transfer, to_status="PENDING", changed_by="ada", note="é"),
        lambda transfer: Notification(
            transfer=transfer, kind="TRANSFER_CONFIRMED", recipient="a@example.com", subject="S", message="Dear Ada,\n"
        ),
    ],
    ids=["history", "notice"],
)
def test_history_and_notice_rows_by_hand_are_the_rows_save_writes(make):
    by_orm, by_hand = make(TransferFactory()), make(TransferFactory())  # a notice per transfer and kind
    by_orm.save()
    insert(by_hand)
    assert by_hand.pk is not None and not by_hand._state.adding
    assert {**stored(by_hand), "transfer_id": None} == {**stored(by_orm), "transfer_id": None}


def test_an_update_by_hand_writes_the_named_columns_and_touches_updated_at():
    transfer = TransferFactory(passenger_name="Ada")
    was = transfer.updated_at
    Transfer.objects.filter(pk=transfer.pk).update(status=TransferStatus.CONFIRMED)  # as a transition would
    transfer.refresh_from_db()
    transfer.driver_name, transfer.passenger_name = "Joan", "Not written"
    update(transfer, ["status", "driver_name", "updated_at"])
    fresh = Transfer.objects.get(pk=transfer.pk)
    assert (fresh.status, fresh.driver_name, fresh.passenger_name) == (TransferStatus.CONFIRMED, "Joan", "Ada")
    assert fresh.updated_at == transfer.updated_at > was


def test_an_update_of_a_vanished_row_fails_as_save_does():
    transfer = TransferFactory()
    gone = Transfer.objects.get(pk=transfer.pk)
    TransferStatusHistory.objects.filter(transfer=transfer).delete()
    Transfer.objects.filter(pk=transfer.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        update(gone, ["driver_name"])


def test_the_save_signals_are_sent():
    transfer = TransferFactory()
    heard = []

    def pre(sender, instance, update_fields, **kwargs):
        heard.append(("pre", sender, update_fields))

    def post(sender, instance, created, update_fields, **kwargs):
        heard.append(("post", sender, created, update_fields, instance.pk is not None))

    signals.pre_save.connect(pre, sender=TransferStatusHistory)
    signals.post_save.connect(post, sender=TransferStatusHistory)
    signals.pre_save.connect(pre, sender=Transfer)
    signals.post_save.connect(post, sender=Transfer)
    try:
        insert(TransferStatusHistory(transfer=transfer, to_status="PENDING", changed_by="ada"))
        update(transfer, ["driver_name"])
    finally:
        for model in (TransferStatusHistory, Transfer):
            signals.pre_save.disconnect(pre, sender=model)
            signals.post_save.disconnect(post, sender=model)
    assert heard == [
        ("pre", TransferStatusHistory, None),
        ("post", TransferStatusHistory, True, None, True),
        ("pre", Transfer, frozenset({"driver_name"})),
        ("post", Transfer, False, frozenset({"driver_name"}), True),
    ]


# --- Several writes in one round trip ---------------------------------------------------


def first_change(transfer):
    return TransferStatusHistory(transfer=transfer, to_status="PENDING", changed_by="ada", note="é")


def test_a_transfer_and_its_first_history_row_together_are_the_rows_save_writes(integrator, round_trips):
    vehicle, pickup = VehicleFactory(), timezone.now() + dt.timedelta(days=3)
    by_orm = transfer_like(integrator, vehicle, pickup)
    by_orm.save()
    first_change(by_orm).save()
    transfer = transfer_like(integrator, vehicle, pickup)
    change = first_change(transfer)
    round_trips.clear()
    new = inserting(transfer)
    together(new, inserting(change, linked_to=("transfer", new)))
    assert len(round_trips) == 1
    assert transfer.pk == Transfer.objects.latest("id").pk and not transfer._state.adding
    assert change.transfer_id == transfer.pk and not change._state.adding
    assert stored(transfer) == stored(by_orm)
    assert stored(change) == {**stored(by_orm.status_history.get()), "transfer_id": transfer.pk}


def test_an_update_and_a_history_row_together_are_one_round_trip(round_trips):
    transfer = TransferFactory(passenger_name="Ada")
    transfer.driver_name = "Joan"
    change = TransferStatusHistory(transfer=transfer, from_status="PENDING", to_status="CONFIRMED", changed_by="ada")
    round_trips.clear()
    together(updating(transfer, ["driver_name", "updated_at"]), inserting(change))
    assert len(round_trips) == 1
    assert Transfer.objects.get(pk=transfer.pk).driver_name == "Joan"
    assert TransferStatusHistory.objects.get(pk=change.pk).to_status == "CONFIRMED"


def test_together_an_update_of_a_vanished_row_fails_and_its_transaction_keeps_nothing():
    gone = TransferFactory()
    TransferStatusHistory.objects.filter(transfer=gone).delete()
    Transfer.objects.filter(pk=gone.pk).delete()
    other = TransferFactory()
    change = TransferStatusHistory(transfer=other, from_status="PENDING", to_status="CONFIRMED", changed_by="ada")
    with pytest.raises(DatabaseError, match="did not affect any rows"), transaction.atomic():
        together(updating(gone, ["driver_name"]), inserting(change))
    assert not TransferStatusHistory.objects.filter(transfer=other, to_status="CONFIRMED").exists()


def test_together_a_later_statements_error_is_its_own(integrator):
    transfer = transfer_like(integrator, VehicleFactory(), timezone.now() + dt.timedelta(days=3))
    new = inserting(transfer)
    unstatused = TransferStatusHistory(transfer=transfer, to_status=None, changed_by="ada")  # NOT NULL
    with pytest.raises(IntegrityError), transaction.atomic():
        together(new, inserting(unstatused, linked_to=("transfer", new)))
    assert not Transfer.objects.filter(passenger_name="Ada Lovelace").exists()


def test_together_finishes_its_steps_once_every_result_is_read(integrator):
    # A post_save receiver that queries would otherwise read, and drop, the results still waiting.
    earlier = TransferFactory()
    for _ in range(3):  # history ids ahead of transfer ids: a stale id cannot pass for the right one
        TransferStatusHistory.objects.create(transfer=earlier, to_status="PENDING", changed_by="ada")
    transfer = transfer_like(integrator, VehicleFactory(), timezone.now() + dt.timedelta(days=3))
    change = first_change(transfer)

    def query(**kwargs):
        Transfer.objects.count()

    signals.post_save.connect(query, sender=Transfer, weak=False)
    try:
        new = inserting(transfer)
        together(new, inserting(change, linked_to=("transfer", new)))
    finally:
        signals.post_save.disconnect(query, sender=Transfer)
    assert change.pk == TransferStatusHistory.objects.get(transfer=transfer).pk != transfer.pk


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_writes_go_one_at_a_time(round_trips):
    transfer = TransferFactory()
    change = TransferStatusHistory(transfer=transfer, from_status="PENDING", to_status="CONFIRMED", changed_by="ada")
    round_trips.clear()
    together(updating(transfer, ["driver_name"]), inserting(change))
    assert [sql.split()[0] for sql in round_trips] == [b"UPDATE", b"INSERT"]


# --- Writes with the COMMIT ----------------------------------------------------------------


def confirmed_with_history():
    transfer = TransferFactory(passenger_name="Ada")
    transfer.driver_name = "Joan"
    change = TransferStatusHistory(transfer=transfer, from_status="PENDING", to_status="CONFIRMED", changed_by="ada")
    return transfer, change


@pytest.mark.django_db(transaction=True)
def test_writes_together_with_the_commit_are_its_round_trip_and_finished_once_it_committed(round_trips):
    transfer, change = confirmed_with_history()
    round_trips.clear()
    with transaction.atomic():
        together_with_commit(updating(transfer, ["driver_name", "updated_at"]), inserting(change))
        assert not round_trips and change.pk is None  # not sent yet
    [sent] = round_trips
    assert sent.startswith(b"START TRANSACTION; UPDATE") and sent.endswith(b"; COMMIT") and b"; INSERT" in sent
    assert change.pk == TransferStatusHistory.objects.get(to_status="CONFIRMED").pk and not change._state.adding
    assert Transfer.objects.get(pk=transfer.pk).driver_name == "Joan"


@pytest.mark.django_db(transaction=True)
def test_writes_waiting_for_the_commit_go_first_when_the_transaction_reads_and_are_finished_then():
    transfer, change = confirmed_with_history()
    with transaction.atomic():
        together_with_commit(updating(transfer, ["driver_name", "updated_at"]), inserting(change))
        assert Transfer.objects.get(pk=transfer.pk).driver_name == "Joan"
        assert change.pk == TransferStatusHistory.objects.get(to_status="CONFIRMED").pk
    assert Transfer.objects.get(pk=transfer.pk).driver_name == "Joan"


@pytest.mark.django_db(transaction=True)
def test_a_failed_write_with_the_commit_undoes_the_transaction_and_finishes_nothing():
    transfer, change = confirmed_with_history()
    change.to_status = None  # NOT NULL: the second statement fails, after the UPDATE ran
    with pytest.raises(IntegrityError), transaction.atomic():
        together_with_commit(updating(transfer, ["driver_name", "updated_at"]), inserting(change))
    assert change.pk is None and Transfer.objects.get(pk=transfer.pk).driver_name is None


@pytest.mark.django_db(transaction=True)
def test_with_a_post_save_receiver_writes_go_at_once_inside_the_transaction(round_trips):
    # save() runs post_save inside the transaction: after the COMMIT would be too late.
    transfer, change = confirmed_with_history()
    heard = []

    def post(sender, instance, **kwargs):
        heard.append((sender, transaction.get_connection().in_atomic_block))

    signals.post_save.connect(post, sender=TransferStatusHistory)
    try:
        with transaction.atomic():
            round_trips.clear()
            together_with_commit(updating(transfer, ["driver_name", "updated_at"]), inserting(change))
            assert len(round_trips) == 1 and not round_trips[0].endswith(b"COMMIT")
    finally:
        signals.post_save.disconnect(post, sender=TransferStatusHistory)
    assert heard == [(TransferStatusHistory, True)]


def test_writes_with_the_commit_in_a_test_cases_transaction_go_at_once():
    transfer, change = confirmed_with_history()
    together_with_commit(updating(transfer, ["driver_name", "updated_at"]), inserting(change))
    assert change.pk == TransferStatusHistory.objects.get(to_status="CONFIRMED").pk


# --- A hook's write after the COMMIT ----------------------------------------------------------


def plates_seen_elsewhere():
    """The vehicles' plates another session sees: committed rows only."""
    return on_another_connection(lambda: list(Vehicle.objects.order_by("plate").values_list("plate", flat=True)))


def vehicle(plate):
    return Vehicle(plate=plate, vehicle_type="VAN", capacity=7)


class Hook:
    """What ``insert_on_commit`` is given: the row to build, and the hook's own way of writing it."""

    def __init__(self, plate):
        self.plate, self.built, self.otherwise_ran, self.error = plate, None, False, None

    def build(self):
        self.built = vehicle(self.plate)
        return self.built

    def otherwise(self, error):
        self.otherwise_ran, self.error = True, error
        Vehicle.objects.get_or_create(plate=self.plate, defaults={"vehicle_type": "VAN", "capacity": 7})


def on_commit(hook):
    insert_on_commit(Vehicle, hook.build, otherwise=hook.otherwise)


@pytest.mark.django_db(transaction=True)
def test_a_hooks_insert_follows_the_commit_in_its_round_trip_and_commits_on_its_own(round_trips):
    hook = Hook("AFTER-1")
    with transaction.atomic():
        insert(vehicle("FIRST-1"))
        on_commit(hook)
        round_trips.clear()
    [sent] = round_trips
    assert sent.startswith(b"COMMIT; INSERT INTO `fleet_vehicle`")
    assert plates_seen_elsewhere() == ["AFTER-1", "FIRST-1"]  # committed, as another session sees it
    assert hook.built.pk == Vehicle.objects.get(plate="AFTER-1").pk and not hook.otherwise_ran


@pytest.mark.django_db(transaction=True)
def test_a_hooks_insert_follows_writes_sent_with_the_commit(round_trips):
    transfer, change = confirmed_with_history()
    hook = Hook("AFTER-2")
    round_trips.clear()
    with transaction.atomic():
        together_with_commit(updating(transfer, ["driver_name", "updated_at"]), inserting(change))
        on_commit(hook)
    [sent] = round_trips
    assert sent.startswith(b"START TRANSACTION; UPDATE") and b"; COMMIT; INSERT INTO `fleet_vehicle`" in sent
    assert change.pk is not None and hook.built.pk is not None and not hook.otherwise_ran


@pytest.mark.django_db(transaction=True)
def test_a_failed_insert_after_the_commit_is_its_hooks_and_the_next_hook_writes_its_own(round_trips):
    VehicleFactory(plate="TAKEN-1")
    refused, next_one = Hook("TAKEN-1"), Hook("AFTER-3")
    with transaction.atomic():
        insert(vehicle("FIRST-3"))
        on_commit(refused)
        on_commit(next_one)
        round_trips.clear()
    # The server stopped at the duplicate plate: the COMMIT stands, each hook wrote its row its own way.
    assert round_trips[0].startswith(b"COMMIT; INSERT") and round_trips[0].count(b"INSERT") == 2
    assert refused.otherwise_ran and next_one.otherwise_ran and refused.built.pk is None
    assert isinstance(refused.error, IntegrityError) and next_one.error is None  # its own: not sent
    assert plates_seen_elsewhere() == ["AFTER-3", "FIRST-3", "TAKEN-1"]


@pytest.mark.django_db(transaction=True)
def test_a_hook_whose_row_cannot_be_built_writes_it_its_own_way_after_the_commit():
    hook = Hook("AFTER-4")
    hook.build = lambda: 1 / 0
    with transaction.atomic():
        insert(vehicle("FIRST-4"))
        on_commit(hook)
    assert hook.otherwise_ran and plates_seen_elsewhere() == ["AFTER-4", "FIRST-4"]


@pytest.mark.django_db(transaction=True)
def test_a_hook_rolled_back_with_its_savepoint_writes_nothing():
    hook = Hook("AFTER-5")
    with transaction.atomic():
        insert(vehicle("FIRST-5"))
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            on_commit(hook)
            1 / 0
    assert plates_seen_elsewhere() == ["FIRST-5"] and hook.built is None and not hook.otherwise_ran


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_no_hooks_insert():
    hook = Hook("AFTER-6")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        insert(vehicle("FIRST-6"))
        on_commit(hook)
        1 / 0
    assert plates_seen_elsewhere() == [] and hook.built is None


@pytest.mark.django_db(transaction=True)
def test_with_a_save_signal_receiver_the_hook_writes_its_row_its_own_way(round_trips):
    hook, heard = Hook("AFTER-7"), []

    def pre(sender, instance, **kwargs):
        heard.append(instance.plate)

    try:
        with transaction.atomic():
            insert(vehicle("FIRST-7"))
            on_commit(hook)
            signals.pre_save.connect(pre, sender=Vehicle)  # after the hook was registered: asked at the commit
            round_trips.clear()
    finally:
        signals.pre_save.disconnect(pre, sender=Vehicle)
    assert hook.otherwise_ran and hook.built is None and not any(b"COMMIT; INSERT" in sql for sql in round_trips)
    assert heard == ["AFTER-7"]


@pytest.mark.django_db(transaction=True)
def test_outside_autocommit_a_hooks_insert_waits_for_its_hook(round_trips):
    # After a COMMIT the session would open a transaction that nobody commits: the hook writes it.
    hook = Hook("AFTER-8")
    transaction.set_autocommit(False)
    try:
        with transaction.atomic():
            insert(vehicle("FIRST-8"))
            on_commit(hook)
        round_trips.clear()
        transaction.commit()
    finally:
        transaction.set_autocommit(True)
    assert not any(b"COMMIT; INSERT" in sql for sql in round_trips) and hook.built is None


@pytest.mark.django_db(transaction=True)
def test_an_error_reading_the_insert_after_the_commit_is_its_hooks_never_the_commits(monkeypatch):
    # The driver raises InterfaceError, not a DatabaseError, for a result it cannot read.
    read = MySQLdb.cursors.BaseCursor.nextset
    failures = [MySQLdb.InterfaceError(0, "")]

    def nextset(cursor):
        if failures:
            raise failures.pop()
        return read(cursor)

    hook = Hook("AFTER-9")
    with transaction.atomic():
        insert(vehicle("FIRST-9"))
        on_commit(hook)
        monkeypatch.setattr(MySQLdb.cursors.BaseCursor, "nextset", nextset)
    assert isinstance(hook.error, InterfaceError) and plates_seen_elsewhere() == ["AFTER-9", "FIRST-9"]
