"""The database server settings README recommends for production, applied for a run.

The benchmark measures the service as production should run it, so what
README's *Production recommendations* change on the server is changed here
too, for the run only: the server's own values come back afterwards, even
when the run fails. A setting the server does not have (MySQL has no query
cache) or that this user may not change is left alone and said so.
"""
import contextlib

from django.db import DatabaseError, connection

# The API key lookup asks for the query cache (dmc_transfers.sql.QUERY_CACHE_HINT); nothing else does.
RECOMMENDED = {"query_cache_type": "DEMAND"}


def global_variables(names):
    """The server's global values of the variables ``names`` it has, by name."""
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({', '.join(['%s'] * len(names))})", names)
        return dict(cursor.fetchall())


def _set(name, value):
    with connection.cursor() as cursor:
        cursor.execute(f"SET GLOBAL {name} = %s", [value])


@contextlib.contextmanager
def recommended(log):
    """Apply ``RECOMMENDED`` where the server has it; yields those in effect for the run (name: value).

    A session takes the global values when it connects: Django's connection
    is closed once they are set, so this process's next one has them too.
    """
    before = global_variables(list(RECOMMENDED))
    replaced = {}  # name: the server's own value, to put back
    try:
        for name, value in RECOMMENDED.items():
            if name not in before:
                log(f"  the server has no {name}: measured without it")
            elif before[name] != value:
                try:
                    _set(name, value)
                except DatabaseError as exc:
                    log(f"  could not set {name} = {value} ({exc}): measured without it")
                else:
                    replaced[name] = before[name]
        connection.close()
        yield {name: value for name, value in RECOMMENDED.items() if name in replaced or before.get(name) == value}
    finally:
        _put_back(replaced, log)


def _put_back(replaced, log):
    """The server's own values, each on its own, from a fresh session: the run may have ended with a broken one."""
    connection.close()
    for name, value in replaced.items():
        try:
            _set(name, value)
        except DatabaseError as exc:
            log(f"  could not put {name} back ({exc}): run SET GLOBAL {name} = '{value}' on the server")
    connection.close()
