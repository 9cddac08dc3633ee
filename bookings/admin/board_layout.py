"""Geometry of the dispatch board, in real elapsed time. No database.

A local day is 23, 24 or 25 hours long (``localtime.day_bounds``): the axis
has one column per real hour, labelled with the local wall-clock hour, and a
block sits at the minutes elapsed since local midnight, so a pickup after the
DST change is neither shifted nor stretched.
"""
import datetime as dt
from dataclasses import dataclass

from dmc_transfers.localtime import to_local


def _percent(part, whole):
    return round(part / whole * 100, 4)


@dataclass(frozen=True)
class HourMark:
    label: str
    left: float  # percent of the day


@dataclass(frozen=True)
class Block:
    transfer: object
    left: float  # percent of the day
    width: float  # percent of the day
    lane: int  # overlapping blocks of one vehicle stack in lanes
    starts: dt.datetime  # local
    ends: dt.datetime  # local


def hour_marks(day_start, day_end):
    """One mark per real hour of ``[day_start, day_end)``, labelled in local time."""
    total = day_end - day_start
    hours = int(total // dt.timedelta(hours=1))
    marks = []
    for n in range(hours):
        instant = day_start + dt.timedelta(hours=n)
        marks.append(HourMark(label=f"{to_local(instant):%H}", left=_percent(instant - day_start, total)))
    return marks


def place_blocks(transfers, day_start, day_end, *, default_duration):
    """Blocks for one vehicle's transfers (sorted by pickup), cut at the end of the day."""
    total = day_end - day_start
    lane_ends = []  # per lane, when its last block ends
    blocks = []
    for transfer in transfers:
        start = transfer.pickup_time
        minutes = transfer.estimated_duration_minutes
        end = start + (dt.timedelta(minutes=minutes) if minutes else default_duration)
        lane = next((n for n, busy_until in enumerate(lane_ends) if busy_until <= start), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(end)
        else:
            lane_ends[lane] = end
        blocks.append(
            Block(
                transfer=transfer,
                left=_percent(start - day_start, total),
                width=_percent(min(end, day_end) - start, total),
                lane=lane,
                starts=to_local(start),
                ends=to_local(end),
            )
        )
    return blocks


def now_marker(now, day_start, day_end):
    """Where "now" sits on the day's axis, or ``None`` on another day."""
    if day_start <= now < day_end:
        return _percent(now - day_start, day_end - day_start)
    return None
