"""Real threads for race tests, each on its own database connection."""
import threading

from django.db import connection


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
    """Until another session of this test database runs a statement ``LIKE statement_like`` (and not
    ``LIKE not_like``): in these tests only a lock wait keeps one running long enough to be seen."""
    with connection.cursor() as cursor:
        for _ in range(500):
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.processlist"
                " WHERE db = %s AND command = 'Query' AND info LIKE %s AND info NOT LIKE %s",
                [connection.settings_dict["NAME"], statement_like, not_like],
            )
            if cursor.fetchone()[0]:
                return
            threading.Event().wait(0.02)
    raise AssertionError(f"no session waited in {statement_like}")
