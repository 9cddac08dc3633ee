"""Rows for responses, read without a Python converter per value.

A datetime column costs three Python calls per value on its way out
(mysqlclient's parser, Django's ``make_aware``, then the local ISO text):
for an availability answer of 900 vehicles that was most of the request
(README, Performance). Selected as text (``CAST(... AS CHAR)``: the stored
UTC wall time, as Django writes it), each value is one C-level parse and
one ``isoformat``.
"""
import datetime as dt
import functools

from dmc_transfers.localtime import local_zone, to_local


# A pure function of its arguments, memoised: the same instants (a vehicle's
# created_at, a history row) are shown again and again, and the conversion
# costs more than the lookup. The zone is part of the key, so a changed
# TIME_ZONE (tests) never sees a stale text; nothing read from the database
# is cached.
@functools.lru_cache(maxsize=20_000)
def _local_iso(text, zone):
    """Stored UTC text (``YYYY-MM-DD HH:MM:SS[.ffffff]``) as API.md shows it: local, with offset."""
    return to_local(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC), zone).isoformat()


def as_dicts(tuples, fields, datetimes):
    """Row tuples (datetimes selected as stored text, ``dmc_transfers.sql.stored_text``) as dicts in
    ``fields`` order, ``datetimes`` as local ISO text."""
    # Column by column, in comprehensions: twice as fast as converting row by
    # row, and an availability answer holds up to the whole fleet.
    zone = local_zone()
    found = [dict(zip(fields, values, strict=True)) for values in tuples]
    for name in datetimes:
        for row in found:
            text = row[name]
            if text is not None:
                row[name] = _local_iso(text, zone)
    return found
