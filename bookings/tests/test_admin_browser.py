"""The back office in headless Chromium (Debian's, never a downloaded one) against a live server."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from bookings.choices import TransferStatus as S
from bookings.roles import COORDINATORS
from bookings.tests.factories import TransferFactory
from fleet.tests.factories import VehicleFactory
from notifications.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
MADRID = ZoneInfo("Europe/Madrid")
PASSWORD = "dispatch-2-the-airport"
HISTORY_COLUMNS = ("from_status", "to_status", "changed_by")
SCREENSHOTS = django_settings.BASE_DIR / "build" / "screenshots"


@pytest.fixture
def browser_page(live_server, settings, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # the test makes meanwhile are plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.TIME_ZONE = "Europe/Madrid"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.set_default_timeout(10_000)
        yield page
        browser.close()


@pytest.fixture
def logged_in(browser_page, live_server, make_user):
    """A coordinator logged in through the admin's login form."""
    make_user("marta", role=COORDINATORS, is_staff=True, password=PASSWORD)
    page = browser_page
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "marta")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("text=Dispatch board")
    return page


def local(day, hour, minute=0):
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=MADRID)


def test_confirm_then_start_with_a_driver_and_see_the_history(logged_in, live_server):
    page = logged_in
    transfer = TransferFactory(
        pickup_time=timezone.now().replace(microsecond=0) + dt.timedelta(days=2), passenger_email="ada@example.com"
    )
    page.goto(f"{live_server.url}/admin/bookings/transfer/{transfer.pk}/change/")
    page.click("button.transition-CONFIRMED")
    page.wait_for_selector(f"text=Transfer #{transfer.pk} is now confirmed.")
    assert page.inner_text(".field-status_badge .readonly") == "Confirmed"

    page.fill("input[name=driver_name]", "Marta Ruiz")
    page.click("button.transition-IN_PROGRESS")
    page.wait_for_selector(f"text=Transfer #{transfer.pk} is now in progress.")
    assert page.inner_text(".field-status_badge .readonly") == "In progress"
    assert page.input_value("#id_driver_name") == "Marta Ruiz"

    rows = page.locator("#status_history-group tr.has_original")
    history = [
        tuple(rows.nth(n).locator(f"td.field-{name}").inner_text().strip() for name in HISTORY_COLUMNS)
        for n in range(rows.count())
    ]
    assert history == [
        ("-", "Pending", "factory"), ("Pending", "Confirmed", "marta"), ("Confirmed", "In progress", "marta"),
    ]
    assert "ada@example.com" in page.inner_text("#notifications-group")

    transfer.refresh_from_db()
    assert (transfer.status, transfer.driver_name) == (S.IN_PROGRESS, "Marta Ruiz")
    assert list(transfer.status_history.values_list("to_status", "changed_by"))[-2:] == [
        (S.CONFIRMED, "marta"), (S.IN_PROGRESS, "marta"),
    ]
    assert Notification.objects.filter(transfer=transfer).count() == 1


def test_dispatch_board_blocks_sit_in_their_vehicle_rows_and_hours(logged_in, live_server):
    page = logged_in
    day = dt.date(2026, 6, 1)
    vans = [VehicleFactory(plate=f"VAN-{n}") for n in range(1, 6)]
    coach = VehicleFactory(plate="COACH-1", vehicle_type="COACH", capacity=50)
    plans = [
        (vans[0], 6, 30, S.COMPLETED, None), (vans[0], 10, 0, S.IN_PROGRESS, 90),
        (vans[0], 15, 15, S.CONFIRMED, None), (vans[1], 7, 45, S.CONFIRMED, 60),
        (vans[1], 8, 15, S.PENDING, None), (vans[2], 12, 0, S.CANCELLED, None),
        (vans[2], 13, 0, S.CONFIRMED, None), (vans[3], 21, 30, S.PENDING, 240),
        (coach, 9, 0, S.CONFIRMED, 180), (coach, 17, 30, S.PENDING, None),
    ]
    transfers = [
        TransferFactory(
            vehicle=vehicle, pickup_time=local(day, hour, minute), status=status, estimated_duration_minutes=minutes,
            driver_name="Marta" if status in (S.IN_PROGRESS, S.COMPLETED) else None,
        )
        for vehicle, hour, minute, status, minutes in plans
    ]

    page.goto(f"{live_server.url}/admin/bookings/dispatch/?date={day}")
    page.wait_for_selector(".board")
    hours = {el.get_attribute("data-hour"): el.bounding_box() for el in page.query_selector_all(".board-hour")}
    assert len(hours) == 24
    hour_width = hours["01"]["x"] - hours["00"]["x"]

    for transfer, (vehicle, hour, minute, _, minutes) in zip(transfers, plans):
        block = page.locator(f'.board-row[data-plate="{vehicle.plate}"] .board-block[data-transfer="{transfer.pk}"]')
        assert block.count() == 1, f"transfer {transfer.pk} is not in the row of {vehicle.plate}"
        box = block.bounding_box()
        expected_left = hours[f"{hour:02}"]["x"] + minute / 60 * hour_width
        assert box["x"] == pytest.approx(expected_left, abs=1.5)
        expected_width = min((minutes or 120) / 60 * hour_width, hours["23"]["x"] + hour_width - expected_left)
        assert box["width"] == pytest.approx(expected_width, abs=1.5)
        row_box = page.locator(f'.board-row[data-plate="{vehicle.plate}"]').bounding_box()
        assert row_box["y"] <= box["y"] and box["y"] + box["height"] <= row_box["y"] + row_box["height"]

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "dispatch-board.png", full_page=True)

    page.click(f'.board-block[data-transfer="{transfers[6].pk}"]')
    page.wait_for_url(f"**/admin/bookings/transfer/{transfers[6].pk}/change/")
