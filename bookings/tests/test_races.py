"""Races with real threads, each on its own connection and transaction."""
import threading

import pytest
from django.db import connection, transaction

from bookings.choices import BUSY_STATUSES
from bookings.choices import TransferStatus as S
from bookings.locking import lock_vehicles
from bookings.models import Transfer
from bookings.rules import is_within_window
from bookings.services import amend_transfer, book_transfer, change_status
from bookings.tests.factories import TransferFactory
from bookings.tests.threads import run_together, wait_until_waiting
from dmc_transfers.errors import Conflict
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration, pytest.mark.timeout(60)]


def busy_pairs(vehicle):
    busy = list(Transfer.objects.filter(vehicle=vehicle, status__in=BUSY_STATUSES).order_by("pickup_time"))
    return [(a.pk, b.pk) for a, b in zip(busy, busy[1:]) if is_within_window(a.pickup_time, b.pickup_time)]


def test_ten_conflicting_confirmations_exactly_one_wins(coordinator, vehicle, at):
    transfers = [TransferFactory(vehicle=vehicle, pickup_time=at(10 * i)) for i in range(10)]
    results = run_together(
        [lambda t=t: change_status(transfer=t, target=S.CONFIRMED, by=coordinator) for t in transfers]
    )
    wins = [r for r in results if isinstance(r, Transfer)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(losses) == 9, results
    assert {r.code for r in losses} == {"vehicle_unavailable"}
    assert Transfer.objects.filter(status=S.CONFIRMED).count() == 1
    assert Transfer.objects.get(status=S.CONFIRMED).status_history.count() == 2


def test_amendments_and_confirmations_into_one_slot_never_double_book(coordinator, vehicle, at):
    elsewhere = VehicleFactory()
    pending = [TransferFactory(vehicle=vehicle, pickup_time=at(15 * i)) for i in range(4)]
    same_vehicle = [TransferFactory(vehicle=vehicle, pickup_time=at(days=2 + i), status="CONFIRMED") for i in range(3)]
    other_vehicle = [TransferFactory(vehicle=elsewhere, pickup_time=at(days=2 + i), status="CONFIRMED") for i in range(3)]
    jobs = [lambda t=t: change_status(transfer=t, target=S.CONFIRMED, by=coordinator) for t in pending]
    jobs += [lambda t=t, i=i: amend_transfer(transfer=t, by=coordinator, pickup_time=at(20 * i)) for i, t in enumerate(same_vehicle)]
    jobs += [
        lambda t=t, i=i: amend_transfer(transfer=t, by=coordinator, vehicle_id=vehicle.id, pickup_time=at(5 + 20 * i))
        for i, t in enumerate(other_vehicle)
    ]
    results = run_together(jobs)
    assert all(isinstance(r, (Transfer, Conflict)) for r in results), results
    assert sum(isinstance(r, Transfer) for r in results) >= 1
    assert busy_pairs(vehicle) == []
    assert busy_pairs(elsewhere) == []


def test_concurrent_bookings_with_one_client_reference_create_one(integrator, vehicle, at):
    def book(i):
        return book_transfer(
            by=integrator, vehicle_id=vehicle.id, pickup_time=at(i), pax_count=1, passenger_name="P",
            pickup_location="A", dropoff_location="B", client_reference="SAME",
        )

    results = run_together([lambda i=i: book(i) for i in range(6)])
    assert sum(isinstance(r, Transfer) for r in results) == 1
    assert {r.code for r in results if isinstance(r, Conflict)} == {"duplicate_client_reference"}
    assert Transfer.objects.filter(client_reference="SAME").count() == 1


def wait_for_lock_wait(*, besides=None):
    """Until another session waits in a ``FOR UPDATE`` that does not lock vehicle ``besides``."""
    wait_until_waiting("%FOR UPDATE", not_like=f"%`fleet_vehicle`.`id` IN ({besides.id})%" if besides else "")


def test_amendment_that_waited_while_its_transfer_moved_vehicle_follows_it(coordinator, vehicle, at):
    elsewhere = VehicleFactory()
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    locked, moved = threading.Event(), threading.Event()

    def move_under_lock():
        # What a concurrent amendment does: hold the vehicle, move the transfer, commit.
        try:
            with transaction.atomic():
                lock_vehicles([vehicle.id])
                locked.set()
                moved.wait(30)
                Transfer.objects.filter(pk=transfer.pk).update(vehicle=elsewhere)
        finally:
            connection.close()

    mover = threading.Thread(target=move_under_lock)
    mover.start()
    locked.wait(30)
    results = []

    def amend():
        try:
            results.append(amend_transfer(transfer=transfer, by=coordinator, pickup_time=at(30)))
        finally:
            connection.close()

    amender = threading.Thread(target=amend)
    amender.start()
    wait_for_lock_wait()
    moved.set()
    mover.join(30)
    amender.join(30)
    transfer.refresh_from_db()
    assert (transfer.vehicle_id, transfer.pickup_time) == (elsewhere.id, at(30))
    assert results and results[0].vehicle_id == elsewhere.id


def test_status_change_whose_transfer_moved_to_a_lower_vehicle_does_not_deadlock(coordinator, at):
    """C reads T's vehicle (high), waits for it while A moves T to low; D holds low and then wants high.

    Locking low while still holding high would close the cycle C -> D -> C;
    C must let go of high and start again.
    """
    low, high = VehicleFactory(), VehicleFactory()
    transfer = TransferFactory(vehicle=high, pickup_time=at())
    steps = {name: threading.Event() for name in ("a_holds", "a_commit", "d_holds", "d_go")}
    results = {}

    def in_thread(name, work):
        def run():
            try:
                results[name] = work()
            except Exception as exc:  # asserted below
                results[name] = exc
            finally:
                connection.close()
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def mover():  # A: moves T from high to low, as an amendment does, held open at will
        with transaction.atomic():
            lock_vehicles([high.id])
            steps["a_holds"].set()
            steps["a_commit"].wait(30)
            with connection.cursor() as cursor:  # D holds low: skip the FK check's lock on it
                cursor.execute("SET SESSION foreign_key_checks = 0")
            Transfer.objects.filter(pk=transfer.pk).update(vehicle=low)

    def other_writer():  # D: holds low, later wants high too (in id order, as everyone does)
        with transaction.atomic():
            lock_vehicles([low.id])
            steps["d_holds"].set()
            steps["d_go"].wait(30)
            lock_vehicles([high.id])
        return "done"

    threads = [in_thread("D", other_writer), in_thread("A", mover)]
    steps["d_holds"].wait(30)
    steps["a_holds"].wait(30)
    threads.append(in_thread("C", lambda: change_status(transfer=transfer, target=S.CANCELLED, by=coordinator)))
    wait_for_lock_wait()  # C waits for high
    steps["a_commit"].set()
    wait_for_lock_wait(besides=high)  # C found T moved and now wants low
    steps["d_go"].set()
    for thread in threads:
        thread.join(30)
    assert results["D"] == "done" and isinstance(results["C"], Transfer), results
    transfer.refresh_from_db()
    assert (transfer.vehicle_id, transfer.status) == (low.id, S.CANCELLED)


def test_locking_no_vehicle_locks_nothing_and_a_missing_one_is_absent(vehicle):
    from django.db import transaction

    with transaction.atomic():
        assert lock_vehicles([]) == {}
        assert lock_vehicles([vehicle.id + 1000, vehicle.id, vehicle.id]) == {vehicle.id: vehicle}
