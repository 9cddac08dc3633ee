"""The dispatch board page: rows, blocks, days, filters, errors and its query budget."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.choices import TransferStatus as S
from bookings.tests.factories import TransferFactory
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

BOARD = reverse("admin:bookings_dispatch")
MADRID = ZoneInfo("Europe/Madrid")
DAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def madrid(settings):
    settings.TIME_ZONE = "Europe/Madrid"


def local(day, hour, minute=0):
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=MADRID)


def rows_of(response):
    return {row.vehicle.plate: [block.transfer.pk for block in row.blocks] for row in response.context["rows"]}


def test_one_row_per_active_vehicle_plus_inactive_ones_with_work(back_office):
    van = VehicleFactory(plate="VAN-1")
    VehicleFactory(plate="IDLE-1")
    retired = VehicleFactory(plate="OLD-1", is_active=False)
    VehicleFactory(plate="OLD-2", is_active=False)
    morning = TransferFactory(vehicle=van, pickup_time=local(DAY, 8, 30), status=S.CONFIRMED)
    evening = TransferFactory(vehicle=retired, pickup_time=local(DAY, 20), status=S.CANCELLED)
    TransferFactory(vehicle=van, pickup_time=local(DAY, 0) - dt.timedelta(minutes=1))  # yesterday
    response = back_office.get(f"{BOARD}?date=2026-06-01")
    assert response.status_code == 200
    assert rows_of(response) == {"IDLE-1": [], "OLD-1": [evening.pk], "VAN-1": [morning.pk]}
    html = response.content.decode()
    assert reverse("admin:bookings_transfer_change", args=[morning.pk]) in html
    assert 'class="board-block status-CONFIRMED"' in html
    assert "Monday 01 June 2026" in html


def test_block_position_is_local_time_in_percent(back_office):
    van = VehicleFactory(plate="VAN-1")
    TransferFactory(vehicle=van, pickup_time=local(DAY, 6), estimated_duration_minutes=90)
    response = back_office.get(f"{BOARD}?date=2026-06-01")
    [block] = response.context["rows"][0].blocks
    assert (block.left, block.width) == (25.0, 6.25)
    assert 'style="left: 25.0%; width: 6.25%; --lane: 0"' in response.content.decode()


@pytest.mark.parametrize("day,hours", [("2026-03-29", 23), ("2026-10-25", 25), ("2026-06-01", 24)])
def test_dst_days_have_their_real_number_of_hours(back_office, day, hours):
    response = back_office.get(f"{BOARD}?date={day}")
    assert len(response.context["marks"]) == hours
    assert f"--hours: {hours}" in response.content.decode()


def test_today_is_the_default_with_previous_and_next_links(back_office):
    response = back_office.get(BOARD)
    today = timezone.localdate()
    assert response.context["day"] == today
    html = response.content.decode()
    assert f"?date={today - dt.timedelta(days=1):%Y-%m-%d}" in html
    assert f"?date={today + dt.timedelta(days=1):%Y-%m-%d}" in html


@pytest.mark.parametrize(
    "value,message",
    [
        ("2026-13-01", "Enter the date as YYYY-MM-DD, e.g. 2025-03-30."),
        ("tomorrow", "Enter the date as YYYY-MM-DD, e.g. 2025-03-30."),
        ("9999-12-31", "Pick a date between 2000-01-01 and 2199-12-31."),
    ],
)
def test_bad_date_is_a_message_not_an_error_page(back_office, value, message):
    response = back_office.get(BOARD, {"date": value}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(BOARD, 302)]
    assert [str(m) for m in response.context["messages"]] == [message]
    assert response.context["day"] == timezone.localdate()


def test_filters_by_vehicle_type_and_vehicles_with_work(back_office):
    van = VehicleFactory(plate="VAN-1", vehicle_type="VAN")
    VehicleFactory(plate="VAN-2", vehicle_type="VAN")
    coach = VehicleFactory(plate="COACH-1", vehicle_type="COACH", capacity=50)
    TransferFactory(vehicle=van, pickup_time=local(DAY, 9))
    TransferFactory(vehicle=coach, pickup_time=local(DAY, 9))
    response = back_office.get(BOARD, {"date": "2026-06-01", "vehicle_type": "VAN"})
    assert set(rows_of(response)) == {"VAN-1", "VAN-2"}
    response = back_office.get(BOARD, {"date": "2026-06-01", "busy_only": "on"})
    assert set(rows_of(response)) == {"VAN-1", "COACH-1"}
    assert response.context["filters"] == "busy_only=on"  # kept on the previous/next links


def test_board_renders_in_constant_queries(back_office, constant_queries):
    first = VehicleFactory()
    TransferFactory(vehicle=first, pickup_time=local(DAY, 9))

    def add_rows():
        for n in range(40):
            vehicle = VehicleFactory(is_active=n % 5 != 0)
            TransferFactory(vehicle=vehicle, pickup_time=local(DAY, n % 24, 15), status=S.CONFIRMED)
            TransferFactory(vehicle=vehicle, pickup_time=local(DAY, n % 24, 45))

    constant_queries(lambda: back_office.get(BOARD, {"date": "2026-06-01"}), add_rows)


def test_board_needs_a_back_office_user(client, integrator):
    client.force_login(integrator)
    assert client.get(BOARD).status_code == 302
