import pytest
from django.db import connection

from dmc_transfers.tests.live_service import collect_static


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """collectstatic once per run, for the live gunicorn servers (DEBUG=false serves from STATIC_ROOT)."""
    root = tmp_path_factory.mktemp("static")
    collect_static(root)
    return root


@pytest.fixture
def round_trips():
    """Statements sent to the server, one per round trip, as the driver sends them."""
    sent = []
    connection.ensure_connection()
    driver = connection.connection
    query = driver.query
    driver.query = lambda sql: sent.append(sql) or query(sql)
    yield sent
    driver.query = query  # the driver's attributes cannot be deleted, only set
