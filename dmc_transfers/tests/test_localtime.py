import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dmc_transfers.localtime import AmbiguousOrMissingTime, day_bounds, make_local_aware

pytestmark = pytest.mark.unit

MADRID = ZoneInfo("Europe/Madrid")


def test_spring_forward_day_has_23_hours():
    start, end = day_bounds(dt.date(2026, 3, 29), MADRID)
    assert start == dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(hours=23)


def test_fall_back_day_has_25_hours():
    start, end = day_bounds(dt.date(2026, 10, 25), MADRID)
    assert start == dt.datetime(2026, 10, 24, 22, 0, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(hours=25)


def test_ordinary_day():
    start, end = day_bounds(dt.date(2026, 12, 1), MADRID)
    assert (start, end) == (dt.datetime(2026, 11, 30, 23, tzinfo=dt.UTC), dt.datetime(2026, 12, 1, 23, tzinfo=dt.UTC))


def test_local_naive_time_is_read_in_the_zone():
    aware = make_local_aware(dt.datetime(2026, 12, 1, 14, 30), MADRID)
    assert aware.utcoffset() == dt.timedelta(hours=1)


def test_time_in_the_spring_gap_does_not_exist():
    with pytest.raises(AmbiguousOrMissingTime, match="does not exist"):
        make_local_aware(dt.datetime(2026, 3, 29, 2, 30), MADRID)


def test_time_in_the_autumn_overlap_is_ambiguous():
    with pytest.raises(AmbiguousOrMissingTime, match="ambiguous"):
        make_local_aware(dt.datetime(2026, 10, 25, 2, 30), MADRID)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"])
@pytest.mark.parametrize("day", [dt.date.min, dt.date.max])
def test_the_first_and_last_days_clamp_instead_of_overflowing(zone, day):
    start, end = day_bounds(day, ZoneInfo(zone))
    assert start < end
    assert dt.datetime.min.replace(tzinfo=dt.UTC) <= start and end <= dt.datetime.max.replace(tzinfo=dt.UTC)
