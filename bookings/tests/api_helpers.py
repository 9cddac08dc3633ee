"""Shared bits of the transfers API tests."""
import datetime as dt

from django.utils import timezone


def local_iso(instant):
    """``instant`` as the naive local wall time an integrator would send."""
    return timezone.localtime(instant).replace(tzinfo=None).isoformat()


def next_last_sunday(month, after):
    """The first last-Sunday-of-``month`` (a European DST change day) after ``after``."""
    year = after.year
    while True:
        first_of_next = dt.date(year + (month == 12), month % 12 + 1, 1)
        day = first_of_next - dt.timedelta(days=1)
        day -= dt.timedelta(days=(day.weekday() - 6) % 7)
        if day > after:
            return day
        year += 1
