"""manifest: one local day's run sheet, grouped by vehicle, in a constant number of queries."""
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from bookings.choices import TransferStatus as S
from bookings.tests.factories import TransferFactory
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

MADRID = ZoneInfo("Europe/Madrid")
DAY = "2026-03-29"  # Europe/Madrid skips 02:00-03:00: a 23-hour day


def local(*args):
    return dt.datetime(*args, tzinfo=MADRID)


@pytest.fixture
def sheet(settings):
    settings.TIME_ZONE = "Europe/Madrid"
    van = VehicleFactory(plate="2222-VAN", vehicle_type="VAN", capacity=8)
    sedan = VehicleFactory(plate="1111-SED", vehicle_type="SEDAN", capacity=3)

    def transfer(vehicle, when, name, **kwargs):
        return TransferFactory(vehicle=vehicle, pickup_time=when, passenger_name=name, **kwargs)

    transfer(van, local(2026, 3, 28, 23, 59), "Day Before")  # 22:59 UTC on the 28th
    transfer(van, local(2026, 3, 29, 0, 10), "Just After Midnight", flight_number="FR1234", pax_count=5)
    transfer(sedan, local(2026, 3, 29, 23, 50), "Late Arrival", driver_name="Joan", status=S.CONFIRMED)
    transfer(van, local(2026, 3, 29, 9, 0), "Morning Run", status=S.CANCELLED)
    transfer(van, local(2026, 3, 29, 18, 30), "Evening Run", status=S.COMPLETED, driver_name="Marta")
    transfer(sedan, local(2026, 3, 30, 0, 0), "Day After")  # 22:00 UTC on the 29th


def manifest(*args):
    out = io.StringIO()
    call_command("manifest", "--date", DAY, *args, stdout=out)
    return out.getvalue()


def test_table_holds_the_local_day_grouped_by_vehicle(sheet, django_assert_num_queries):
    with django_assert_num_queries(1):
        out = manifest()
    assert out == (
        "Run sheet for Sunday 29 March 2026 (Europe/Madrid): 3 transfer(s) on 2 vehicle(s)\n"
        "\n"
        "1111-SED · Sedan · 3 seats\n"
        "  TIME   FLIGHT  PASSENGER            PAX  FROM            TO                DRIVER  STATUS\n"
        "  23:50  -       Late Arrival           2  PMI Terminal A  Hotel Sol, Palma  Joan    CONFIRMED\n"
        "\n"
        "2222-VAN · Van · 8 seats\n"
        "  TIME   FLIGHT  PASSENGER            PAX  FROM            TO                DRIVER  STATUS\n"
        "  00:10  FR1234  Just After Midnight    5  PMI Terminal A  Hotel Sol, Palma  -       PENDING\n"
        "  18:30  -       Evening Run            2  PMI Terminal A  Hotel Sol, Palma  Marta   COMPLETED\n"
    )


def test_csv_with_cancelled_included(sheet):
    assert manifest("--format", "csv", "--include-cancelled") == (
        "vehicle,time,flight,passenger,pax,from,to,driver,status\n"
        "1111-SED,23:50,-,Late Arrival,2,PMI Terminal A,\"Hotel Sol, Palma\",Joan,CONFIRMED\n"
        "2222-VAN,00:10,FR1234,Just After Midnight,5,PMI Terminal A,\"Hotel Sol, Palma\",-,PENDING\n"
        "2222-VAN,09:00,-,Morning Run,2,PMI Terminal A,\"Hotel Sol, Palma\",-,CANCELLED\n"
        "2222-VAN,18:30,-,Evening Run,2,PMI Terminal A,\"Hotel Sol, Palma\",Marta,COMPLETED\n"
    )


def test_one_vehicle_by_its_plate(sheet, django_assert_num_queries):
    with django_assert_num_queries(2):
        out = manifest("--vehicle", " 1111-sed ", "--format", "csv")
    assert out.splitlines()[1:] == [
        '1111-SED,23:50,-,Late Arrival,2,PMI Terminal A,"Hotel Sol, Palma",Joan,CONFIRMED'
    ]


def test_an_empty_day_says_so(sheet):
    out = io.StringIO()
    call_command("manifest", "--date", "2026-04-02", stdout=out)
    assert out.getvalue() == "Run sheet for Thursday 02 April 2026 (Europe/Madrid): 0 transfer(s) on 0 vehicle(s)\n"


def test_unknown_plate_is_an_error(sheet):
    with pytest.raises(CommandError, match="No vehicle has plate '9999-XXX'."):
        manifest("--vehicle", "9999-xxx")


@pytest.mark.parametrize("bad", ["2026-02-30", "29/03/2026", "tomorrow"])
def test_bad_date_is_an_error(bad):
    with pytest.raises(CommandError, match="is not a date in the form YYYY-MM-DD"):
        call_command("manifest", "--date", bad)


def test_bad_format_is_an_error():
    with pytest.raises(CommandError, match="invalid choice: 'pdf'"):
        call_command("manifest", "--date", DAY, "--format", "pdf")
