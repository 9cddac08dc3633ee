"""The backend's transactions (dmc_transfers/db/base.py): real ones, opened with their first statement."""
import threading

import pytest
from django.db import DatabaseError, IntegrityError, OperationalError, ProgrammingError, connection, transaction
from django.db.transaction import TransactionManagementError

from dmc_transfers.db import LOCK_WAIT_TIMEOUT, is_lock_error
from dmc_transfers.tests.sessions import on_another_connection
from fleet.models import Vehicle
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def seen_elsewhere():
    """How many vehicles another connection sees (committed ones only: READ COMMITTED)."""
    return on_another_connection(Vehicle.objects.count)


def server_commands(*names):
    """The session's counters of these server commands, in the order named."""
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW SESSION STATUS WHERE Variable_name IN ({', '.join(['%s'] * len(names))})", names)
        found = dict(cursor.fetchall())
    return [int(found[name]) for name in names]


def vehicle_table():
    return connection.ops.quote_name(Vehicle._meta.db_table)


def test_a_transaction_is_invisible_until_it_commits():
    with transaction.atomic():
        VehicleFactory()
        assert seen_elsewhere() == 0
    assert seen_elsewhere() == 1


def test_a_rollback_and_a_savepoint_undo_what_they_should():
    with transaction.atomic():
        kept = VehicleFactory()
        with pytest.raises(RuntimeError), transaction.atomic():
            VehicleFactory()
            raise RuntimeError
        assert list(Vehicle.objects.values_list("pk", flat=True)) == [kept.pk]
        transaction.set_rollback(True)
    assert not Vehicle.objects.exists()


def test_a_transaction_opens_without_touching_autocommit():
    VehicleFactory()  # a connection, warm
    before = server_commands("Com_set_option")
    with transaction.atomic():
        VehicleFactory()
    assert server_commands("Com_set_option") == before
    assert connection.connection.get_autocommit() and connection.get_autocommit()


def test_a_commit_opens_no_transaction_even_on_a_server_set_to_chain_them():
    # completion_type=CHAIN would open one at every COMMIT: the autocommit writes after it would
    # wait for the next transaction's START, invisible to everyone else until then.
    def transaction_then_autocommit_write():
        with transaction.atomic():
            VehicleFactory()
        VehicleFactory()
        return seen_elsewhere()

    with connection.cursor() as cursor:
        cursor.execute("SELECT @@GLOBAL.completion_type")
        (before,) = cursor.fetchone()
        cursor.execute("SET GLOBAL completion_type = 'CHAIN'")
    try:
        assert on_another_connection(transaction_then_autocommit_write) == 2  # a new session: the server's default
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET GLOBAL completion_type = %s", [before])


def test_a_transaction_opens_in_the_round_trip_of_its_first_statement(round_trips):
    begun, committed = server_commands("Com_begin", "Com_commit")
    round_trips.clear()
    with transaction.atomic():
        Vehicle.objects.select_for_update().filter(pk=0).exists()
        VehicleFactory()
    first, second = round_trips  # the COMMIT is the driver's own command
    assert first.startswith(b"START TRANSACTION; SELECT") and b"FOR UPDATE" in first
    assert second.startswith(b"INSERT")
    assert server_commands("Com_begin", "Com_commit") == [begun + 1, committed + 1]


def test_a_transaction_that_sent_nothing_neither_commits_nor_rolls_back(round_trips):
    before = server_commands("Com_begin", "Com_commit", "Com_rollback")
    round_trips.clear()
    with transaction.atomic():
        pass
    with transaction.atomic():
        transaction.set_rollback(True)
    assert round_trips == []
    assert server_commands("Com_begin", "Com_commit", "Com_rollback") == before


def test_the_first_statements_result_is_the_callers(round_trips):
    kept = VehicleFactory(capacity=7)
    round_trips.clear()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT id, capacity FROM {vehicle_table()} WHERE id = %s FOR UPDATE", [kept.pk])
        assert cursor.fetchall() == ((kept.pk, 7),)
        cursor.execute(f"UPDATE {vehicle_table()} SET capacity = 8 WHERE id = %s", [kept.pk])
        assert cursor.rowcount == 1
    assert round_trips[0].startswith(b"START TRANSACTION; SELECT")
    kept.refresh_from_db()
    assert kept.capacity == 8


def test_a_failed_first_statement_is_the_callers_error_and_the_session_returns_to_autocommit():
    # NULL into a NOT NULL column: an error the backend maps to IntegrityError.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {vehicle_table()} (plate) VALUES (NULL)")
    VehicleFactory()  # outside any transaction: committed at once
    assert seen_elsewhere() == 1
    assert connection.connection.get_autocommit() and connection.get_autocommit()


def test_a_batch_as_first_statement_opens_the_transaction_too():
    VehicleFactory()  # a connection, warm
    rows = [(f"BATCH-{i}", "SEDAN", 4, True) for i in range(3)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {vehicle_table()} (plate, vehicle_type, capacity, is_active, created_at, updated_at) "
            "VALUES (%s, %s, %s, %s, NOW(), NOW())",
            rows,
        )
        assert seen_elsewhere() == 1
    assert seen_elsewhere() == 4


def test_a_first_statement_that_never_reached_the_server_leaves_the_transaction_to_the_next():
    VehicleFactory()  # a connection, warm
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        with connection.cursor() as cursor, pytest.raises(ProgrammingError):
            cursor.execute("SELECT %s, %s", [1])  # too few arguments: refused before anything is sent
        VehicleFactory()
        assert seen_elsewhere() == 1  # inside the transaction, not committed on its own
        1 / 0
    assert seen_elsewhere() == 1


def test_a_procedure_as_first_statement_opens_the_transaction_too():
    VehicleFactory()  # a connection, warm
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE PROCEDURE add_vehicle_for_test() INSERT INTO {vehicle_table()} "
            "(plate, vehicle_type, capacity, is_active, created_at, updated_at) VALUES ('PROC-1', 'SEDAN', 4, 1, NOW(), NOW())"
        )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.callproc("add_vehicle_for_test")
            assert seen_elsewhere() == 1
        assert seen_elsewhere() == 2
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP PROCEDURE IF EXISTS add_vehicle_for_test")


# --- A last write sent with the COMMIT (send_with_commit) ----------------------------------


def add_vehicle(plate):
    """``INSERT`` a vehicle plated ``plate``, as ``send_with_commit`` takes it."""
    return (
        f"INSERT INTO {vehicle_table()} (plate, vehicle_type, capacity, is_active, created_at, updated_at) "
        "VALUES (%s, 'SEDAN', 4, 1, NOW(), NOW())",
        [plate],
    )


def plates():
    return sorted(Vehicle.objects.values_list("plate", flat=True))


def test_a_last_write_travels_with_the_commit(round_trips):
    VehicleFactory(plate="FIRST")  # a connection, warm
    begun, committed = server_commands("Com_begin", "Com_commit")
    round_trips.clear()
    with transaction.atomic():
        VehicleFactory(plate="SECOND")
        connection.send_with_commit(*add_vehicle("LAST"))
        assert len(round_trips) == 1  # the second's INSERT; the last write waits
    assert len(round_trips) == 2
    assert round_trips[1].startswith(b"INSERT") and b"'LAST'" in round_trips[1] and round_trips[1].endswith(b"; COMMIT")
    assert server_commands("Com_begin", "Com_commit") == [begun + 1, committed + 1]
    assert plates() == ["FIRST", "LAST", "SECOND"] and seen_elsewhere() == 3


def test_a_statement_after_a_last_write_sends_it_first_so_the_transaction_reads_it(round_trips):
    VehicleFactory(plate="FIRST")  # a connection, warm
    round_trips.clear()
    with transaction.atomic():
        connection.send_with_commit(*add_vehicle("LAST"))
        assert plates() == ["FIRST", "LAST"]
        assert seen_elsewhere() == 1  # written in the transaction, not committed
    # The COMMIT goes alone, as the driver's own command.
    assert [sent.split()[0] for sent in round_trips] == [b"START", b"SELECT"]
    assert round_trips[0].startswith(b"START TRANSACTION; INSERT") and not round_trips[0].endswith(b"COMMIT")
    assert seen_elsewhere() == 2


def test_a_last_write_sent_early_is_undone_by_the_rollback_and_its_error_is_the_statements():
    VehicleFactory(plate="TAKEN")
    with transaction.atomic():
        connection.send_with_commit(*add_vehicle("UNDONE"))
        assert plates() == ["TAKEN", "UNDONE"]
        transaction.set_rollback(True)
    assert plates() == ["TAKEN"]
    with pytest.raises(IntegrityError), transaction.atomic():
        connection.send_with_commit(*add_vehicle("TAKEN"))  # the plate is unique
        Vehicle.objects.count()  # sends the write first: its error is raised here
    assert plates() == ["TAKEN"] and connection.connection.get_autocommit()


def test_a_last_write_that_fails_when_sent_early_fails_the_commit_even_if_its_error_was_caught():
    VehicleFactory(plate="TAKEN")
    with pytest.raises(IntegrityError), transaction.atomic():
        VehicleFactory(plate="UNDONE")
        connection.send_with_commit(*add_vehicle("TAKEN"))  # the plate is unique
        with pytest.raises(IntegrityError), transaction.atomic():  # its SAVEPOINT sends the write first
            VehicleFactory(plate="OPTIONAL")
        assert plates() == ["TAKEN", "UNDONE"]  # the write is not sent again
    assert plates() == ["TAKEN"] and connection.connection.get_autocommit()
    with transaction.atomic():  # nothing left over for the next transaction's commit
        VehicleFactory(plate="NEXT")
    assert plates() == ["NEXT", "TAKEN"]


def test_a_follow_up_that_fails_when_sent_early_fails_the_statement_and_the_commit():
    def fail(results):
        raise DatabaseError("a check that failed")

    with pytest.raises(DatabaseError, match="a check that failed"), transaction.atomic():
        connection.send_with_commit(*add_vehicle("UNDONE"), then=fail)
        with pytest.raises(DatabaseError, match="a check that failed"):
            Vehicle.objects.count()
    assert plates() == []


def test_a_write_that_a_follow_up_sends_for_the_commit_goes_before_the_savepoint_too():
    def and_another(results):
        connection.send_with_commit(*add_vehicle("FOLLOW-UP"))

    with transaction.atomic():
        connection.send_with_commit(*add_vehicle("FIRST"), then=and_another)
        with pytest.raises(RuntimeError), transaction.atomic():
            raise RuntimeError  # undoes the savepoint only
    assert plates() == ["FIRST", "FOLLOW-UP"]


def test_a_batch_sends_a_waiting_last_write_first():
    with transaction.atomic():
        connection.send_with_commit(*add_vehicle("WAITING"))
        with connection.cursor() as cursor:
            cursor.executemany(add_vehicle("")[0], [["BATCH 1"], ["BATCH 2"]])
        connection.send_with_commit(*add_vehicle("LAST"))
    in_order = Vehicle.objects.order_by("pk").values_list("plate", flat=True)
    assert list(in_order) == ["WAITING", "BATCH 1", "BATCH 2", "LAST"]


def test_a_last_write_that_cannot_be_sent_early_rolls_the_transaction_back():
    VehicleFactory(plate="FIRST")
    with pytest.raises(UnicodeEncodeError), transaction.atomic():
        VehicleFactory(plate="UNDONE")
        connection.send_with_commit(*add_vehicle("\ud800"))  # no UTF-8 for a lone surrogate
        with pytest.raises(UnicodeEncodeError):
            Vehicle.objects.count()
    with transaction.atomic():  # left open, this START TRANSACTION would commit it
        VehicleFactory(plate="NEXT")
    assert plates() == ["FIRST", "NEXT"]


def test_a_last_write_goes_before_a_savepoint_and_stays_when_the_savepoint_is_rolled_back():
    with transaction.atomic():
        connection.send_with_commit(*add_vehicle("BEFORE"))
        with pytest.raises(RuntimeError), transaction.atomic():
            VehicleFactory(plate="UNDONE")
            raise RuntimeError
        assert plates() == ["BEFORE"]
    assert plates() == ["BEFORE"] and seen_elsewhere() == 1


def test_a_transaction_of_a_last_write_alone_is_one_round_trip(round_trips):
    VehicleFactory(plate="FIRST")  # a connection, warm
    round_trips.clear()
    with transaction.atomic():
        connection.send_with_commit(*add_vehicle("LAST"))
    assert round_trips == [b"START TRANSACTION; " + round_trips[0].split(b"; ", 1)[1]]
    assert round_trips[0].endswith(b"; COMMIT") and seen_elsewhere() == 2


def test_a_failed_last_write_is_the_commits_error_and_undoes_the_transaction():
    VehicleFactory(plate="TAKEN")
    rolled_back = server_commands("Com_rollback")[0]
    sent = False
    with pytest.raises(IntegrityError), transaction.atomic():
        VehicleFactory(plate="UNDONE")
        connection.send_with_commit(*add_vehicle("TAKEN"))  # the plate is unique
        sent = True
    assert sent  # the error came with the commit
    assert plates() == ["TAKEN"] and seen_elsewhere() == 1
    assert server_commands("Com_rollback") == [rolled_back + 1]
    assert connection.connection.get_autocommit() and connection.get_autocommit()
    with transaction.atomic():  # the connection goes on as before
        connection.send_with_commit(*add_vehicle("NEXT"))
    assert plates() == ["NEXT", "TAKEN"]


def test_a_rolled_back_transaction_never_sends_its_last_write(round_trips):
    VehicleFactory(plate="FIRST")  # a connection, warm
    round_trips.clear()
    with transaction.atomic():
        VehicleFactory(plate="UNDONE")
        connection.send_with_commit(*add_vehicle("NEVER"))
        transaction.set_rollback(True)
    with transaction.atomic():
        connection.send_with_commit(*add_vehicle("NEVER EITHER"))
        transaction.set_rollback(True)
    assert not any(b"NEVER" in sent for sent in round_trips)
    with transaction.atomic():  # nothing left over for the next transaction's commit
        VehicleFactory(plate="NEXT")
    assert plates() == ["FIRST", "NEXT"]


def test_a_last_write_runs_at_once_in_a_savepoint_or_when_another_follows_it(round_trips):
    with transaction.atomic():
        with transaction.atomic():
            connection.send_with_commit(*add_vehicle("IN A SAVEPOINT"))
            assert plates() == ["IN A SAVEPOINT"]
        round_trips.clear()
        connection.send_with_commit(*add_vehicle("EARLIER"))
        connection.send_with_commit(*add_vehicle("LATER"))
        assert seen_elsewhere() == 0
    assert [b"'EARLIER'" in sent for sent in round_trips] == [True, False]
    assert b"'LATER'" in round_trips[1] and round_trips[1].endswith(b"; COMMIT")
    assert plates() == ["EARLIER", "IN A SAVEPOINT", "LATER"]
    connection.send_with_commit(*add_vehicle("NO TRANSACTION"))  # autocommit
    assert seen_elsewhere() == 4


def test_a_waiting_last_write_goes_before_one_in_a_savepoint(round_trips):
    with transaction.atomic():
        connection.send_with_commit(*add_vehicle("WAITING"))
        round_trips.clear()
        with transaction.atomic():
            connection.send_with_commit(*add_vehicle("IN A SAVEPOINT"))
    assert [sent.split()[0] for sent in round_trips[:3]] == [b"START", b"SAVEPOINT", b"INSERT"]
    assert round_trips[0].startswith(b"START TRANSACTION; INSERT") and b"'WAITING'" in round_trips[0]
    assert b"'IN A SAVEPOINT'" in round_trips[2]
    assert plates() == ["IN A SAVEPOINT", "WAITING"]


def test_a_failed_last_write_alone_is_rolled_back_too(round_trips):
    VehicleFactory(plate="TAKEN")
    rolled_back = server_commands("Com_rollback")[0]
    round_trips.clear()
    with pytest.raises(IntegrityError), transaction.atomic():
        connection.send_with_commit(*add_vehicle("TAKEN"))
    [sent] = round_trips  # the ROLLBACK is the driver's own command
    assert sent.startswith(b"START TRANSACTION; INSERT") and sent.endswith(b"; COMMIT")
    assert server_commands("Com_rollback") == [rolled_back + 1]
    assert connection.connection.get_autocommit() and plates() == ["TAKEN"]


def test_a_last_write_that_cannot_be_sent_rolls_the_transaction_back():
    VehicleFactory(plate="FIRST")
    with pytest.raises(UnicodeEncodeError), transaction.atomic():
        VehicleFactory(plate="UNDONE")
        connection.send_with_commit(*add_vehicle("\ud800"))  # no UTF-8 for a lone surrogate
    # Left open, the next START TRANSACTION would commit it.
    with transaction.atomic():
        VehicleFactory(plate="NEXT")
    assert plates() == ["FIRST", "NEXT"]


def test_a_last_write_is_refused_in_a_transaction_marked_for_rollback():
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic(savepoint=False):
            VehicleFactory(plate="UNDONE")
            raise RuntimeError
        with pytest.raises(TransactionManagementError):
            connection.send_with_commit(*add_vehicle("NEVER"))
    assert plates() == []


@pytest.mark.django_db(transaction=False)
def test_a_last_write_in_a_test_cases_transaction_runs_at_once():
    # That transaction is never committed: a write kept for its commit would never run.
    connection.send_with_commit(*add_vehicle("AT ONCE"))
    assert plates() == ["AT ONCE"]


def test_a_last_write_that_swallows_the_commit_is_an_error_and_undone():
    sql, params = add_vehicle("COMMENTED")
    with pytest.raises(DatabaseError, match="COMMIT's result went missing"), transaction.atomic():
        VehicleFactory(plate="UNDONE")
        connection.send_with_commit(f"{sql} -- the COMMIT after this is a comment", params)
    with transaction.atomic():  # left open, this START TRANSACTION would commit it
        VehicleFactory(plate="NEXT")
    assert plates() == ["NEXT"]


def test_a_follow_up_that_fails_after_the_commit_is_logged_and_the_commit_stands(caplog):
    ran = []

    def fail(results):
        raise DatabaseError("a check that failed too late")

    with transaction.atomic():
        connection.send_with_commit(*add_vehicle("LAST"), then=fail)
        transaction.on_commit(lambda: ran.append("hook"))
    assert ran == ["hook"] and plates() == ["LAST"] and seen_elsewhere() == 1
    assert "follow-up failed" in caplog.text
    with transaction.atomic():  # nothing left over for the next transaction's commit
        VehicleFactory(plate="NEXT")
    assert ran == ["hook"]


def test_a_last_write_that_waits_too_long_for_a_lock_is_the_commits_error_and_undoes_the_transaction():
    holding, done = threading.Event(), threading.Event()

    def hold_the_plate():  # an insert of the same plate, not yet committed: the unique key's lock
        try:
            with transaction.atomic():
                VehicleFactory(plate="HELD")
                holding.set()
                done.wait(10)
                transaction.set_rollback(True)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_plate)
    holder.start()
    try:
        holding.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION innodb_lock_wait_timeout = 1")
        with pytest.raises(OperationalError) as waited, transaction.atomic():
            VehicleFactory(plate="UNDONE")
            connection.send_with_commit(*add_vehicle("HELD"))
    finally:
        done.set()
        holder.join(10)
    assert is_lock_error(waited.value, codes=(LOCK_WAIT_TIMEOUT,))
    assert plates() == [] and connection.connection.get_autocommit()
    with transaction.atomic():  # nothing left over, the connection goes on
        connection.send_with_commit(*add_vehicle("HELD"))
    assert plates() == ["HELD"] and seen_elsewhere() == 1
    connection.close()  # the next test's connection waits as configured
