"""The transfers table's indexes and the plans they give, on the real server."""
import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from bookings.choices import TransferStatus
from bookings.models import Transfer
from bookings.selectors import busy_transfers, transfers_on
from bookings.tests.factories import UserFactory
from fleet.tests.factories import VehicleFactory

# ANALYZE TABLE commits implicitly on MySQL/MariaDB, so a rolled-back test
# would leave its rows behind for the next ones: flush instead.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def table_indexes():
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW INDEX FROM {Transfer._meta.db_table}")
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
    indexes = {}
    for row in sorted(rows, key=lambda r: (r["Key_name"], r["Seq_in_index"])):
        indexes.setdefault(row["Key_name"], []).append(row["Column_name"])
    return indexes


def test_named_indexes_and_no_redundant_vehicle_index():
    indexes = table_indexes()
    assert indexes["transfer_vehicle_pickup_idx"] == ["vehicle_id", "pickup_time", "status"]
    assert indexes["transfer_pickup_time_idx"] == ["pickup_time"]
    leading_vehicle = [name for name, cols in indexes.items() if cols[0] == "vehicle_id"]
    assert leading_vehicle == ["transfer_vehicle_pickup_idx"]


@pytest.fixture
def schedule():
    """A few thousand transfers over 20 vehicles, so the optimiser has real statistics."""
    vehicles = [VehicleFactory() for _ in range(20)]
    user = UserFactory()
    start = timezone.now().replace(microsecond=0)
    statuses = list(TransferStatus.values)
    Transfer.objects.bulk_create(
        Transfer(
            vehicle=vehicles[i % 20],
            pickup_time=start + dt.timedelta(minutes=37 * i),
            pax_count=1,
            passenger_name="P",
            pickup_location="A",
            dropoff_location="B",
            created_by=user,
            status=statuses[i % 5],
        )
        for i in range(4000)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE TABLE {Transfer._meta.db_table}")
    return vehicles, start


def plan_of(queryset):
    plan = json.loads(queryset.explain(format="json"))
    if isinstance(plan, str):  # MariaDB's EXPLAIN JSON comes back as one JSON string
        plan = json.loads(plan)
    return _tables(plan)


def _tables(node):
    """Every ``table`` entry of an EXPLAIN FORMAT=JSON plan."""
    if isinstance(node, dict):
        found = [node["table"]] if "table" in node else []
        return found + [t for value in node.values() for t in _tables(value)]
    if isinstance(node, list):
        return [t for item in node for t in _tables(item)]
    return []


def test_conflict_check_is_a_range_on_the_composite_index(schedule):
    vehicles, start = schedule
    qs = busy_transfers(vehicle_ids=[vehicles[3].id], at=start + dt.timedelta(days=20))
    [table] = plan_of(qs)
    assert table["key"] == "transfer_vehicle_pickup_idx"
    assert table["access_type"] == "range"


def test_day_list_is_a_range_on_the_pickup_time_index(schedule):
    _, start = schedule
    [table] = plan_of(transfers_on(day=(start + dt.timedelta(days=30)).date()))
    assert table["key"] == "transfer_pickup_time_idx"
    assert table["access_type"] == "range"
