"""Dispatch board geometry: real elapsed hours, lanes, cut at midnight. No database."""
import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from bookings.admin.board_layout import hour_marks, now_marker, place_blocks
from dmc_transfers.localtime import day_bounds

pytestmark = pytest.mark.unit

MADRID = ZoneInfo("Europe/Madrid")
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def madrid(settings):
    settings.TIME_ZONE = "Europe/Madrid"


def local(day, hour, minute=0):
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=MADRID)


def transfer(pickup_time, minutes=None):
    return SimpleNamespace(pickup_time=pickup_time, estimated_duration_minutes=minutes)


@pytest.mark.parametrize(
    "day,labels",
    [
        (dt.date(2026, 6, 1), [f"{h:02}" for h in range(24)]),
        (dt.date(2026, 3, 29), ["00", "01", *[f"{h:02}" for h in range(3, 24)]]),
        (dt.date(2026, 10, 25), ["00", "01", "02", "02", *[f"{h:02}" for h in range(3, 24)]]),
    ],
)
def test_one_mark_per_real_hour_labelled_in_local_time(day, labels):
    start, end = day_bounds(day)
    marks = hour_marks(start, end)
    assert [m.label for m in marks] == labels
    assert marks[0].left == 0
    assert marks[1].left == pytest.approx(100 / len(labels), abs=1e-3)


def test_block_after_spring_forward_sits_at_elapsed_time():
    day = dt.date(2026, 3, 29)  # 23 hours: 02:00 does not exist
    start, end = day_bounds(day)
    [block] = place_blocks([transfer(local(day, 4))], start, end, default_duration=2 * HOUR)
    assert block.left == pytest.approx(3 / 23 * 100, abs=1e-3)  # 00, 01, 03 elapsed
    assert block.width == pytest.approx(2 / 23 * 100, abs=1e-3)
    assert (block.starts.hour, block.ends.hour) == (4, 6)


def test_estimated_duration_wins_over_the_window_and_blocks_stop_at_midnight():
    day = dt.date(2026, 6, 1)
    start, end = day_bounds(day)
    short, late = place_blocks(
        [transfer(local(day, 10), minutes=45), transfer(local(day, 23))], start, end, default_duration=2 * HOUR
    )
    assert short.width == pytest.approx(45 / 1440 * 100, abs=1e-3)
    assert late.width == pytest.approx(1 / 24 * 100, abs=1e-3)


def test_overlapping_blocks_take_separate_lanes():
    day = dt.date(2026, 6, 1)
    start, end = day_bounds(day)
    blocks = place_blocks(
        [transfer(local(day, 8)), transfer(local(day, 9)), transfer(local(day, 10)), transfer(local(day, 11))],
        start, end, default_duration=2 * HOUR,
    )
    assert [b.lane for b in blocks] == [0, 1, 0, 1]


def test_now_marker_only_on_its_day():
    day = dt.date(2026, 6, 1)
    start, end = day_bounds(day)
    assert now_marker(local(day, 12), start, end) == 50
    assert now_marker(end, start, end) is None
