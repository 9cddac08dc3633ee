"""What a keyed booking and a confirmation cost, and the shortcuts behind that cost stay correct.

Transactional tests (real BEGIN/COMMIT, on-commit hooks run) against MySQL;
races with real threads, each on its own connection.
"""
import datetime as dt
import json
import threading
from functools import partial

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, transaction

from bookings.api.transfer_reads import transfer_detail, transfer_representation
from bookings.choices import TransferStatus as S
from bookings.locking import lock_vehicle, lock_vehicles
from bookings.models import Transfer, TransferStatusHistory
from bookings.rules import conflict_window
from bookings.services import (
    _booked_if_nothing_refuses,
    _check_capacity,
    amend_transfer,
    book_transfer,
    change_status,
    change_visible_status,
    ensure_vehicle_free,
)
from bookings.tests.factories import TransferFactory
from bookings.tests.threads import run_together, wait_until_waiting
from dmc_transfers import writes
from dmc_transfers.db import LOCK_WAIT_TIMEOUT
from dmc_transfers.errors import Conflict, Invalid
from dmc_transfers.tests.api_fixtures import assert_problem
from fleet.tests.factories import VehicleFactory
from notifications.models import Notification

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration, pytest.mark.timeout(60)]


def post(client, body, key):
    return client.post("/transfers", json.dumps(body), content_type="application/json", headers={"Idempotency-Key": key})


def confirm(client, transfer):
    return client.patch(f"/transfers/{transfer.pk}/status", {"status": "CONFIRMED"}, format="json")


# --- Statement budgets ---------------------------------------------------------------------


# Round trips, as Django logs them: START TRANSACTION travels with a transaction's first
# statement (dmc_transfers/db/base.py), and a row with its history row (dmc_transfers.writes.together).


def test_a_keyed_booking_costs_three_round_trips_on_mariadb(api, coordinator, body, at, django_assert_num_queries):
    client = api(coordinator)
    assert post(client, {**body, "pickup_time": at(days=1).isoformat()}, "warm-up").status_code == 201
    # The key (with user and roles); START TRANSACTION with the transfer inserted from its vehicle's
    # row, locked, where the vehicle is free, and its history row; the key's record with its answer
    # and COMMIT. MySQL keeps the checks' path: the vehicle's lock and busy check come before the
    # INSERTs, in a round trip of their own.
    mariadb = connection.mysql_is_mariadb
    with django_assert_num_queries(3 if mariadb else 4) as sent:
        response = post(client, body, "counted")
    assert response.status_code == 201
    booked = sent.captured_queries[1]["sql"]
    if mariadb:
        assert booked.startswith("START TRANSACTION; INSERT INTO `bookings_transfer`") and "FOR UPDATE; INSERT" in booked
    else:
        assert booked.startswith("START TRANSACTION; SELECT") and "EXISTS (SELECT 1" in booked
        assert sent.captured_queries[2]["sql"].startswith("INSERT INTO")
    last = sent.captured_queries[-1]["sql"]
    assert last.startswith("INSERT INTO `bookings_idempotencyrecord`") and last.endswith("; COMMIT")
    assert response.json() == client.get(response["Location"]).json()


def test_a_refused_booking_costs_the_checks_that_name_the_refusal(api, coordinator, body, django_assert_num_queries):
    TransferFactory(vehicle_id=body["vehicle_id"], pickup_time=body["pickup_time"], status=S.CONFIRMED)
    client = api(coordinator)
    # The key; on MariaDB, START TRANSACTION with the booking's INSERT, which wrote nothing; the
    # vehicle's lock with its busy check, which names the refusal; ROLLBACK. One round trip more
    # than before the booking's INSERT took the checks along (as on MySQL), where every booking that
    # is not refused has one less.
    checks = 2 if connection.mysql_is_mariadb else 1
    with django_assert_num_queries(checks + 2) as sent:
        response = client.post("/transfers", body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "vehicle_unavailable"
    assert "EXISTS (SELECT 1" in sent.captured_queries[checks]["sql"] and not Transfer.objects.filter(status=S.PENDING)


def test_a_confirmation_costs_three_round_trips(api, coordinator, vehicle, at, django_assert_num_queries):
    client = api(coordinator)
    warm_up, counted = TransferFactory(vehicle=vehicle, pickup_time=at()), TransferFactory(pickup_time=at())
    assert confirm(client, warm_up).status_code == 200
    # The key (with user and roles); START TRANSACTION with the transfer's vehicle found, then the
    # vehicle, the transfer and its history locked and the vehicle's busy check; the UPDATE with its
    # history row, COMMIT and the notice (its on-commit hook's INSERT, after the COMMIT). The body's
    # history is what was locked plus the new row.
    with django_assert_num_queries(3) as sent:
        response = confirm(client, counted)
    assert response.status_code == 200
    assert sent.captured_queries[1]["sql"].startswith("START TRANSACTION; SELECT (SELECT x.`vehicle_id`")
    last = sent.captured_queries[2]["sql"]
    assert last.startswith("UPDATE") and "; COMMIT; INSERT INTO `notifications_notification`" in last
    assert [change["to_status"] for change in response.json()["status_history"]] == ["PENDING", "CONFIRMED"]
    assert response.json() == client.get(f"/transfers/{counted.pk}").json()


# --- Booking joins its caller's transaction ------------------------------------------------


def test_the_201_body_is_what_a_read_shows(coordinator_api, body):
    created = post(coordinator_api, {**body, "client_reference": "R-1"}, "read-back")
    assert created.status_code == 201
    assert created.json() == coordinator_api.get(f"/transfers/{created.json()['id']}").json()


def test_a_refused_booking_leaves_the_callers_transaction_usable(booking):
    with transaction.atomic():
        with pytest.raises(Invalid):
            book_transfer(**{**booking, "pax_count": 50})
        book_transfer(**booking)
    assert Transfer.objects.count() == 1


def test_concurrent_keyed_bookings_with_one_reference_create_one(api, integrator, body):
    # Other vehicles, so no vehicle lock serialises them: only the unique index does.
    vehicles = VehicleFactory.create_batch(6)
    clients = [api(integrator) for _ in vehicles]
    bodies = [{**body, "vehicle_id": v.id, "client_reference": "SAME"} for v in vehicles]
    answers = run_together([lambda i=i: post(clients[i], bodies[i], f"key-{i}") for i in range(len(vehicles))])
    assert sorted(a.status_code for a in answers) == [201] + [409] * 5
    for answer in answers:
        if answer.status_code == 409:
            assert_problem(answer, 409, "duplicate_client_reference")
    assert Transfer.objects.filter(client_reference="SAME").count() == 1


def test_a_reference_refused_by_the_unique_index_leaves_the_callers_transaction_usable(booking):
    first_vehicle, second_vehicle = VehicleFactory.create_batch(2)
    booked = threading.Event()

    def first():
        with transaction.atomic():
            book_transfer(**{**booking, "vehicle_id": first_vehicle.id, "client_reference": "SAME"})
            booked.set()
            wait_until_waiting("INSERT INTO `bookings_transfer`%")  # the second passed the reference check: ours is not committed yet

    def second():
        booked.wait(10)
        with transaction.atomic():
            with pytest.raises(Conflict) as refused:
                book_transfer(**{**booking, "vehicle_id": second_vehicle.id, "client_reference": "SAME"})
            return refused.value.code, Transfer.objects.count()

    assert run_together([first, second]) == [None, ("duplicate_client_reference", 1)]


# --- A booking's INSERT takes the vehicle's checks along -------------------------------------


def let_through_by_the_checks(vehicle_id, pax_count, pickup):
    """What ``book_transfer``'s checks say of the vehicle (capacity, active, busy): book or refuse."""
    with transaction.atomic():
        vehicle = lock_vehicle(vehicle_id, busy_at=pickup)
        try:
            _check_capacity(Transfer(pax_count=pax_count), vehicle)
            ensure_vehicle_free(vehicle=vehicle, at=pickup)
        except (Invalid, Conflict):
            return False
    return True


WINDOW = int(conflict_window() / dt.timedelta(minutes=1))
# The vehicle seats 7: (its own fields, the party, another transfer (minutes from the pickup, status)).
VEHICLE_STATES = {
    "all its seats": ({}, 7, None),
    "a seat too few": ({}, 8, None),
    "inactive": ({"is_active": False}, 1, None),
    "confirmed inside the window": ({}, 1, (WINDOW - 1, S.CONFIRMED)),
    "confirmed on the window's edge": ({}, 1, (WINDOW, S.CONFIRMED)),
    "in progress inside the window, before": ({}, 1, (1 - WINDOW, S.IN_PROGRESS)),
    "in progress on the edge, before": ({}, 1, (-WINDOW, S.IN_PROGRESS)),
    "pending at the same time": ({}, 1, (0, S.PENDING)),
    "cancelled at the same time": ({}, 1, (0, S.CANCELLED)),
    "completed at the same time": ({}, 1, (0, S.COMPLETED)),
}


@pytest.mark.parametrize(("fields", "pax_count", "other"), VEHICLE_STATES.values(), ids=VEHICLE_STATES)
def test_a_bookings_insert_books_exactly_what_the_checks_let_through(integrator, at, fields, pax_count, other):
    vehicle = VehicleFactory(capacity=7, **fields)
    if other:
        TransferFactory(vehicle=vehicle, pickup_time=at(minutes=other[0]), status=other[1])
    expected = let_through_by_the_checks(vehicle.id, pax_count, at())
    transfer = Transfer(vehicle_id=vehicle.id, pickup_time=at(), created_by=integrator, pax_count=pax_count,
                        passenger_name="Ada", pickup_location="PMI", dropoff_location="Palma")
    first = TransferStatusHistory(transfer=transfer, to_status=S.PENDING, changed_by="ada")
    with transaction.atomic():
        booked = _booked_if_nothing_refuses(transfer, first, busy_at=at())
    assert booked == (expected and connection.mysql_is_mariadb)  # MySQL keeps the checks' path
    mine = Transfer.objects.filter(created_by=integrator)
    histories = TransferStatusHistory.objects.filter(transfer__in=mine)
    assert mine.count() == int(booked) and histories.count() == int(booked)
    if booked:
        assert (transfer.pk, first.pk, first.transfer_id) == (mine.get().pk, histories.get().pk, transfer.pk)
    else:
        assert transfer.pk is None and first.pk is None and transfer._state.adding


def test_a_booking_the_insert_refused_is_refused_by_the_checks_in_api_orders(booking, vehicle):
    vehicle.is_active = False
    vehicle.save()
    with pytest.raises(Invalid) as refused:  # capacity comes before the vehicle being inactive
        book_transfer(**{**booking, "pax_count": 8})
    assert list(refused.value.errors) == ["pax_count"] and not Transfer.objects.exists()


# --- Its INSERT ... SELECT and the transfer table's AUTO-INC lock ------------------------------
# Under innodb_autoinc_lock_mode=1 (MariaDB's default) an INSERT ... SELECT holds the lock to its end
# (a plain INSERT only while it takes its id), so a wait inside it holds up every other one.


def while_user_is_held(user, waiting, then):
    """``waiting()`` while another transaction holds ``user``'s row (as an admin saving it does), then,
    once it waits for a lock, ``then()``, its session waiting for one a second at most; each on a
    connection of its own. The row is let go once ``then`` has answered: what each returned."""
    holding, done = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            get_user_model().objects.filter(pk=user.pk).update(first_name="Held")
            holding.set()
            done.wait(10)

    def wait():
        holding.wait(10)
        return waiting()

    def act():
        holding.wait(10)
        try:
            wait_until_waiting("%")
            with connection.cursor() as cursor:
                cursor.execute("SET SESSION innodb_lock_wait_timeout = 1")
            return then()
        finally:
            done.set()

    return run_together([hold, wait, act])[1:]


def autoinc_lock_mode():
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@innodb_autoinc_lock_mode")
        return cursor.fetchone()[0]


def test_a_booking_held_up_at_the_auto_increment_lock_is_a_503_to_retry(api, coordinator, integrator, booking, body):
    # As a booking's INSERT ... SELECT (MariaDB) waits for its creator's row while an admin saves
    # the user; on a server in mode 2 (MySQL 8's default) there is no such lock, and the other
    # booking goes through.
    def insert_as_held_user():
        fields = {name: value for name, value in booking.items() if name != "by"}
        with transaction.atomic():
            writes.together(writes.inserting(Transfer(**fields, created_by=coordinator), only_if=("FROM DUAL", [])))

    other = VehicleFactory(capacity=7)
    _, answer = while_user_is_held(
        coordinator, insert_as_held_user, lambda: post(api(integrator), {**body, "vehicle_id": other.id}, "held-up")
    )
    if autoinc_lock_mode() == 2:
        assert answer.status_code == 201
        return
    data = assert_problem(answer, 503, "service_unavailable")
    assert "held by another" in data["detail"] and answer["Retry-After"]
    assert not Transfer.objects.filter(created_by=integrator).exists()


# --- The vehicle lock answers the busy check --------------------------------------------------


def holding_the_vehicle_commits_a_confirmed_transfer(vehicle, pickup_time, action):
    """``action()`` (on its own connection) once another transaction holds ``vehicle``'s lock; that
    one confirms a transfer at ``pickup_time`` and commits only while ``action`` waits for the lock."""
    holding = threading.Event()

    def hold():
        with transaction.atomic():
            lock_vehicles([vehicle.id])
            TransferFactory(vehicle=vehicle, pickup_time=pickup_time, status=S.CONFIRMED)
            holding.set()
            wait_until_waiting("%EXISTS (SELECT 1%FOR UPDATE")

    def act():
        holding.wait(10)
        try:
            action()
        except Conflict as refused:
            return refused.code
        return "accepted"

    return run_together([hold, act])[1]


def test_a_booking_that_waited_for_the_vehicle_sees_what_its_holder_committed(booking, vehicle, at):
    # The busy answer is read after the lock is granted, not when the statement began.
    book = partial(book_transfer, **booking)
    assert holding_the_vehicle_commits_a_confirmed_transfer(vehicle, at(minutes=30), book) == "vehicle_unavailable"
    assert Transfer.objects.filter(vehicle=vehicle).count() == 1


def read_and_changed(transfer, **change):
    return change_status(transfer=transfer, **change)


def found_and_changed(transfer, **change):
    """As the API changes a status: the transfer found by id, locked and read in one round trip."""
    return change_visible_status(transfer.pk, owner_id=None, **change)


BOTH_WAYS = pytest.mark.parametrize("changed", [read_and_changed, found_and_changed], ids=["read first", "found"])


@BOTH_WAYS
def test_a_confirmation_that_waited_for_the_vehicle_sees_what_its_holder_committed(changed, coordinator, vehicle, at):
    pending = TransferFactory(vehicle=vehicle, pickup_time=at())
    confirm_it = partial(changed, pending, target=S.CONFIRMED, by=coordinator)
    assert holding_the_vehicle_commits_a_confirmed_transfer(vehicle, at(minutes=30), confirm_it) == "vehicle_unavailable"
    assert Transfer.objects.get(pk=pending.pk).status == S.PENDING


# --- Confirmation --------------------------------------------------------------------------


def test_a_confirmation_writes_one_notice_about_the_committed_transfer(coordinator_api, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), passenger_email="ada@example.com")
    assert confirm(coordinator_api, transfer).status_code == 200
    note = Notification.objects.get()
    assert (note.transfer_id, note.kind, note.recipient) == (transfer.pk, "TRANSFER_CONFIRMED", "ada@example.com")
    assert vehicle.plate in note.message


def test_a_refused_confirmation_writes_no_notice(coordinator_api, vehicle, confirmed, at):
    confirmed(at(minutes=30))
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    assert_problem(confirm(coordinator_api, transfer), 409, "vehicle_unavailable")
    assert not Notification.objects.exists()


def test_a_confirmation_from_a_stale_read_checks_the_vehicle_the_transfer_moved_to(coordinator, at):
    old, new = VehicleFactory.create_batch(2)
    stale = TransferFactory(vehicle=old, pickup_time=at())
    amend_transfer(transfer=Transfer.objects.get(pk=stale.pk), by=coordinator, vehicle_id=new.id)
    TransferFactory(vehicle=new, pickup_time=at(minutes=30), status=S.CONFIRMED)
    with pytest.raises(Conflict) as refused:
        change_status(transfer=stale, target=S.CONFIRMED, by=coordinator)
    assert refused.value.code == "vehicle_unavailable"
    assert Transfer.objects.get(pk=stale.pk).status == S.PENDING


def test_a_status_change_from_a_stale_read_follows_its_transfer_off_a_deleted_vehicle(coordinator, at):
    old, new = VehicleFactory.create_batch(2)
    stale = TransferFactory(vehicle=old, pickup_time=at())
    amend_transfer(transfer=Transfer.objects.get(pk=stale.pk), by=coordinator, vehicle_id=new.id)
    old.delete()
    assert change_status(transfer=stale, target=S.CONFIRMED, by=coordinator).vehicle_id == new.id
    assert Transfer.objects.get(pk=stale.pk).status == S.CONFIRMED


def test_a_confirmation_from_a_stale_read_checks_the_pickup_time_it_was_moved_to(coordinator, vehicle, at):
    # The lock answers for the pickup read before it (free); the transfer is then busy where it is now.
    stale = TransferFactory(vehicle=vehicle, pickup_time=at())
    amend_transfer(transfer=Transfer.objects.get(pk=stale.pk), by=coordinator, pickup_time=at(days=1))
    TransferFactory(vehicle=vehicle, pickup_time=at(days=1, minutes=30), status=S.CONFIRMED)
    with pytest.raises(Conflict) as refused:
        change_status(transfer=stale, target=S.CONFIRMED, by=coordinator)
    assert refused.value.code == "vehicle_unavailable"
    assert Transfer.objects.get(pk=stale.pk).status == S.PENDING


def test_transactions_read_committed_data_as_the_busy_checks_need():
    # locking.lock_visible_transfer: under REPEATABLE READ, the read before its lock would fix the
    # snapshot its busy check reads, and a transfer confirmed while it waited would go unseen.
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@SESSION.tx_isolation")
        assert cursor.fetchone()[0] == "READ-COMMITTED"


@pytest.mark.parametrize("busy_there", [True, False], ids=["busy there", "free there"])
def test_a_transfer_that_moves_between_being_found_and_locked_is_followed_to_its_vehicle(coordinator, at, busy_there):
    old, new = VehicleFactory.create_batch(2)
    pending = TransferFactory(vehicle=old, pickup_time=at())
    if busy_there:
        TransferFactory(vehicle=new, pickup_time=at(minutes=30), status=S.CONFIRMED)
    holding = threading.Event()

    def hold_and_move():
        with transaction.atomic():
            lock_vehicles([old.id, new.id])
            holding.set()
            wait_until_waiting("%= @dmc_found_vehicle FOR UPDATE")  # found on the old vehicle, waiting for it
            Transfer.objects.filter(pk=pending.pk).update(vehicle=new)

    def confirm_it():
        holding.wait(10)
        try:
            return found_and_changed(pending, target=S.CONFIRMED, by=coordinator)
        except Conflict as refused:
            return refused.code

    # Free on the old vehicle; on the new one, as the test has it.
    moved, answer = run_together([hold_and_move, confirm_it])
    if busy_there:
        assert answer == "vehicle_unavailable"
        assert Transfer.objects.get(pk=pending.pk).status == S.PENDING
        return
    # Locked again on its new vehicle, without its history: the answer reads it back, whole.
    assert (answer.status, answer.vehicle_id) == (S.CONFIRMED, new.id)
    assert [change["to_status"] for change in transfer_representation(answer)["status_history"]] == [
        S.PENDING, S.CONFIRMED
    ]
    assert transfer_representation(answer) == transfer_detail(pending.pk)


@BOTH_WAYS
@pytest.mark.parametrize("target", [S.CONFIRMED, S.CANCELLED])
def test_a_status_change_locks_the_vehicle_before_the_transfer(changed, coordinator, vehicle, at, target):
    """One statement locks both; while it waits for a transfer another transaction holds, it already
    holds the vehicle, as locking in order means."""
    pending = TransferFactory(vehicle=vehicle, pickup_time=at())
    holding, probed = threading.Event(), threading.Event()

    def hold_the_transfer():
        with transaction.atomic():
            list(Transfer.objects.select_for_update().filter(pk=pending.pk))
            holding.set()
            probed.wait(10)

    def change():
        holding.wait(10)
        return changed(pending, target=target, by=coordinator).status

    def probe_the_vehicle():
        holding.wait(10)
        wait_until_waiting("%`bookings_transfer` t ON%FOR UPDATE")
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT id FROM fleet_vehicle WHERE id = %s FOR UPDATE NOWAIT", [vehicle.id])
            return "vehicle free"
        except OperationalError as exc:
            return "vehicle held" if exc.args[0] == LOCK_WAIT_TIMEOUT else exc
        finally:
            probed.set()

    assert run_together([hold_the_transfer, change, probe_the_vehicle]) == [None, target, "vehicle held"]
