"""Real threads for race tests, each on its own database connection."""
import random
import threading

from django.db import connection, transaction

from bookings.locking import lock_vehicles


def run_together(jobs):
    """Start every job at the same instant; return what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:  # collected and asserted by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def wait_until_waiting(statement_like, *, not_like=""):
    """Until another session of this test database waits for a lock in a statement ``LIKE statement_like``
    (and not ``LIKE not_like``); never this one, whose own query's text matches any pattern that starts with %."""
    with connection.cursor() as cursor:
        for _ in range(60):
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.processlist p"
                " JOIN information_schema.innodb_trx t ON t.trx_mysql_thread_id = p.id AND t.trx_state = 'LOCK WAIT'"
                " WHERE p.db = %s AND p.id <> CONNECTION_ID() AND p.info LIKE %s AND p.info NOT LIKE %s",
                [connection.settings_dict["NAME"], statement_like, not_like],
            )
            if cursor.fetchone()[0]:
                return
            # InnoDB refreshes innodb_trx only once no session has read it for 0.1 s: at random
            # intervals, two pollers on one server cannot keep it from ever going unread.
            threading.Event().wait(random.uniform(0.11, 0.3))
    raise AssertionError(f"no session waited for a lock in {statement_like}")


def while_vehicle_is_held(vehicle_id, action, *, lock_wait_seconds=1):
    """``action()`` on a connection of its own while another transaction holds the vehicle's row, its
    session waiting for a lock at most ``lock_wait_seconds``; ``(the session's configured wait, result)``."""
    holding, done = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            lock_vehicles([vehicle_id])
            holding.set()
            done.wait(10)

    def act():
        holding.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SELECT @@innodb_lock_wait_timeout")
            configured = cursor.fetchone()[0]
            cursor.execute("SET SESSION innodb_lock_wait_timeout = %s", [lock_wait_seconds])
        try:
            return configured, action()
        finally:
            done.set()

    return run_together([hold, act])[1]
