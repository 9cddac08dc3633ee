"""Window maths and the booking horizon, without a database."""
import datetime as dt

import pytest

from bookings.rules import horizon_error, is_within_window, window_bounds

pytestmark = pytest.mark.unit

T = dt.datetime(2026, 12, 1, 14, 30, tzinfo=dt.UTC)
WINDOW = dt.timedelta(minutes=120)


@pytest.mark.parametrize(
    "minutes,busy",
    [(-120, False), (-119, True), (-1, True), (0, True), (1, True), (119, True), (120, False), (121, False)],
)
def test_window_is_strict_on_both_sides(minutes, busy):
    assert is_within_window(T + dt.timedelta(minutes=minutes), T, WINDOW) is busy


def test_window_reads_the_setting(settings):
    settings.TRANSFER_CONFLICT_WINDOW_MINUTES = 30
    assert is_within_window(T + dt.timedelta(minutes=29), T)
    assert not is_within_window(T + dt.timedelta(minutes=30), T)


def test_window_bounds_are_the_open_interval():
    assert window_bounds(T, WINDOW) == (T - WINDOW, T + WINDOW)


def test_horizon(settings):
    settings.BOOKING_HORIZON_DAYS = 730
    assert horizon_error(T, now=T) == "Pickup time must be in the future."
    assert horizon_error(T - dt.timedelta(seconds=1), now=T)
    assert horizon_error(T + dt.timedelta(seconds=1), now=T) is None
    assert horizon_error(T + dt.timedelta(days=730), now=T) is None
    assert "730 days" in horizon_error(T + dt.timedelta(days=730, seconds=1), now=T)
