"""The backend's transactions (dmc_transfers/db/base.py): real ones, opened in one round trip."""
import threading

import pytest
from django.db import connection, transaction

from fleet.models import Vehicle
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def seen_elsewhere():
    """How many vehicles another connection sees (committed ones only: READ COMMITTED)."""
    found = []

    def count():
        try:
            found.append(Vehicle.objects.count())
        finally:
            connection.close()

    thread = threading.Thread(target=count)
    thread.start()
    thread.join(10)
    return found[0]


def server_commands(name):
    with connection.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS LIKE %s", [name])
        return int(cursor.fetchone()[1])


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
