"""The DMC's local time: one zone (``TIME_ZONE``), stored as UTC.

A local calendar day is turned into a half-open UTC range here, in Python, so
day queries are index range scans that do not need the database's time-zone
tables, and DST days have their real 23 or 25 hours.
"""
import datetime as dt

from django.utils import timezone


def local_zone():
    return timezone.get_default_timezone()


def day_bounds(day, tz=None):
    """``[local 00:00, next local 00:00)`` of ``day`` as aware UTC datetimes."""
    tz = tz or local_zone()
    start = _local_midnight_in_utc(day, tz)
    if day == dt.date.max:
        return start, dt.datetime.max.replace(tzinfo=dt.UTC)
    return start, _local_midnight_in_utc(day + dt.timedelta(days=1), tz)


def _local_midnight_in_utc(day, tz):
    """Local midnight of ``day`` in UTC, clamped to what a datetime can hold.

    The first and last days a datetime holds (0001-01-01 east of UTC,
    9999-12-31 west of it) have no exact UTC midnight; the clamp keeps the
    range query valid, and no pickup can lie out there anyway.
    """
    try:
        return dt.datetime.combine(day, dt.time.min, tzinfo=tz).astimezone(dt.UTC)
    except OverflowError:
        return (dt.datetime.min if day.year == 1 else dt.datetime.max).replace(tzinfo=dt.UTC)


class AmbiguousOrMissingTime(ValueError):
    pass


def make_local_aware(naive, tz=None):
    """Read a naive datetime as local wall time, refusing DST gaps and overlaps."""
    tz = tz or local_zone()
    earlier = naive.replace(tzinfo=tz, fold=0)
    later = naive.replace(tzinfo=tz, fold=1)
    if earlier.utcoffset() != later.utcoffset():
        # zoneinfo gives the two offsets around a change for both a gap and an
        # overlap; a round trip through UTC tells which one this is.
        back = earlier.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
        if back != naive:
            raise AmbiguousOrMissingTime(f"{naive.isoformat()} does not exist in {tz} (DST change).")
        raise AmbiguousOrMissingTime(f"{naive.isoformat()} is ambiguous in {tz} (DST change).")
    return earlier


def to_local(value, tz=None):
    return value.astimezone(tz or local_zone())
