"""Pure booking rules: window maths and the booking horizon. No database."""
import datetime as dt

from django.conf import settings


def conflict_window():
    return dt.timedelta(minutes=settings.TRANSFER_CONFLICT_WINDOW_MINUTES)


def is_within_window(pickup_time, instant, window=None):
    """A busy transfer blocks its vehicle strictly less than a window either side."""
    window = conflict_window() if window is None else window
    return abs(pickup_time - instant) < window


def window_bounds(instant, window=None):
    """The open interval ``(instant - window, instant + window)`` of busy pickups."""
    window = conflict_window() if window is None else window
    return instant - window, instant + window


def horizon_error(pickup_time, now):
    """Why ``pickup_time`` cannot be booked now, or ``None`` when it can."""
    if pickup_time <= now:
        return "Pickup time must be in the future."
    horizon = settings.BOOKING_HORIZON_DAYS
    if pickup_time > now + dt.timedelta(days=horizon):
        return f"Pickup time must be at most {horizon} days from now."
    return None
