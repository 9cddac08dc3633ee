"""Tests that change the database server's global settings take turns, across test processes."""
import contextlib

from django.db import connection

LOCK = "dmc_transfers.tests.server_globals"
WAIT_SECONDS = 120


@contextlib.contextmanager
def server_globals_turn():
    """Hold a server-wide named lock for the block, so processes running tests at once (``pytest -n``)
    never change server globals together, nor save one another's value as the server's own.

    On a connection of its own (the code under test may close Django's), to
    no database in particular (the test database may not exist yet).
    """
    params = {k: v for k, v in connection.get_connection_params().items() if k not in ("db", "database")}
    own = connection.get_new_connection(params)
    try:
        cursor = own.cursor()
        cursor.execute("SELECT GET_LOCK(%s, %s)", [LOCK, WAIT_SECONDS])
        if cursor.fetchone()[0] != 1:
            raise RuntimeError(f"another test process held {LOCK} for {WAIT_SECONDS} s")
        yield
    finally:
        own.close()  # releases the lock


def set_global(name, value):
    """``SET GLOBAL``; Django's connection is closed, so its next session starts with the value."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET GLOBAL {name} = %s", [value])
    connection.close()


def global_value(name, scope="VARIABLES"):
    """A server global (``SHOW GLOBAL VARIABLES``, or ``STATUS``) by name; ``None`` where the server has none."""
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW GLOBAL {scope} LIKE %s", [name])
        found = cursor.fetchone()
    return None if found is None else found[1]
