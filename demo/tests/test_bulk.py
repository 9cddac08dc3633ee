"""insert_rows writes each value as the ORM reads it back, however the text and the instants look."""
import datetime as dt
import zoneinfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from bookings.choices import TransferStatus
from bookings.models import Transfer
from demo import bulk
from demo.bulk import insert_rows
from fleet.choices import VehicleType
from fleet.models import Vehicle

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
VEHICLE_FIELDS = ("id", "plate", "vehicle_type", "capacity", "is_active", "created_at", "updated_at")
TRANSFER_FIELDS = (
    "id", "vehicle_id", "pickup_time", "pax_count", "passenger_name", "passenger_phone", "pickup_location",
    "dropoff_location", "created_by_id", "status", "notes", "created_at", "updated_at",
)
AWKWARD_TEXT = [
    "O'Brien \"the elder\"",
    "back\\slash, 100% sure, %s and %(name)s",
    "Zoë Müller 🚐 — 北京",
    "two\nlines\r\tand a tab",
    "'); DROP TABLE bookings_transfer; --",
]


def test_rows_read_back_as_they_were_given(integrator):
    registered = dt.datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=dt.UTC)
    insert_rows(Vehicle, VEHICLE_FIELDS, [
        (9001, "0001-BCD", VehicleType.VAN, 8, True, registered, registered),
        (9002, "0002-BCD", VehicleType.SEDAN, 3, False, registered, registered.astimezone(MADRID)),
    ])
    pickup = dt.datetime(2026, 10, 25, 2, 30, tzinfo=MADRID)  # the hour that repeats, its first time
    rows = [
        (7000 + i, 9001, pickup + dt.timedelta(hours=i), i + 1, text, None if i % 2 else "+34 600 000 000", text, text,
         integrator.pk, TransferStatus.PENDING, text if i % 2 else None, registered, registered)
        for i, text in enumerate(AWKWARD_TEXT)
    ]
    insert_rows(Transfer, TRANSFER_FIELDS, rows)

    vehicles = list(Vehicle.objects.order_by("id").values_list(*VEHICLE_FIELDS))
    assert vehicles == [
        (9001, "0001-BCD", "VAN", 8, True, registered, registered),
        (9002, "0002-BCD", "SEDAN", 3, False, registered, registered),
    ]
    # In UTC, as read back: PEP 495 makes an ambiguous local time unequal to every other zone's.
    in_utc = [tuple(v.astimezone(dt.UTC) if isinstance(v, dt.datetime) else v for v in row) for row in rows]
    assert list(Transfer.objects.order_by("id").values_list(*TRANSFER_FIELDS)) == in_utc
    assert in_utc[0][2] == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)


def test_a_large_load_is_split_into_statements_that_keep_every_row(integrator, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_STATEMENT", 1000)
    moment = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    insert_rows(Vehicle, VEHICLE_FIELDS, [(9001, "0001-BCD", VehicleType.VAN, 8, True, moment, moment)])
    rows = [
        (7000 + i, 9001, moment + dt.timedelta(hours=i), 1, f"Guest {i}", None, "PMI", "Palma", integrator.pk,
         TransferStatus.PENDING, None, moment, moment)
        for i in range(60)
    ]
    before = inserts_sent()
    with CaptureQueriesContext(connection) as logged:
        insert_rows(Transfer, TRANSFER_FIELDS, rows)
    # Each statement stops at the first row past the limit (60 rows of about 150 characters).
    assert inserts_sent() - before >= 7
    assert list(Transfer.objects.order_by("id").values_list(*TRANSFER_FIELDS)) == rows
    # Not in Django's query log: under DEBUG a million-transfer load would keep them all.
    assert len(logged) == 0


def inserts_sent():
    with connection.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS LIKE 'Com_insert'")
        return int(cursor.fetchone()[1])


def test_a_failed_statement_raises_django_s_error(integrator):
    moment = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    row = (9001, "0001-BCD", VehicleType.VAN, 8, True, moment, moment)
    insert_rows(Vehicle, VEHICLE_FIELDS, [row])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Vehicle, VEHICLE_FIELDS, [row])


def test_rows_missing_a_required_column_are_refused():
    with pytest.raises(ValueError, match="Vehicle rows need capacity"):
        insert_rows(Vehicle, ("plate", "vehicle_type", "is_active", "created_at", "updated_at"), [])
