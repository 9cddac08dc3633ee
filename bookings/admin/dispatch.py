"""The dispatch board: one row per vehicle, the day's transfers as blocks on a local-time axis.

Two queries whatever the fleet size: the vehicles shown and the day's
transfers (one range on the ``pickup_time`` index), grouped in Python.
"""
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from bookings.admin.board_layout import hour_marks, now_marker, place_blocks
from bookings.choices import TransferStatus
from bookings.rules import conflict_window
from bookings.selectors import transfers_on
from dmc_transfers.localtime import day_bounds
from fleet.choices import VehicleType
from fleet.models import Vehicle

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)


class BoardFilterForm(forms.Form):
    date = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the date as YYYY-MM-DD, e.g. 2025-03-30."},
    )
    vehicle_type = forms.ChoiceField(choices=[("", "All types"), *VehicleType.choices], required=False)
    busy_only = forms.BooleanField(required=False, label="Only vehicles with transfers")

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(f"Pick a date between {FIRST_DAY} and {LAST_DAY}.")
        return day


@dataclass(frozen=True)
class BoardRow:
    vehicle: Vehicle
    blocks: list
    lanes: int


def board_rows(*, day, vehicle_type=None, busy_only=False):
    """The board's rows for local ``day``: active vehicles, plus any inactive one with work that day."""
    start, end = day_bounds(day)
    day_transfers = transfers_on(day=day)
    vehicles = Vehicle.objects.order_by("plate")
    if vehicle_type:
        day_transfers = day_transfers.filter(vehicle__vehicle_type=vehicle_type)
        vehicles = vehicles.filter(vehicle_type=vehicle_type)
    with_work = Q(id__in=day_transfers.values("vehicle_id"))
    vehicles = vehicles.filter(with_work if busy_only else with_work | Q(is_active=True))

    by_vehicle = defaultdict(list)
    for transfer in day_transfers.only(
        "id", "vehicle_id", "pickup_time", "status", "pax_count", "passenger_name", "flight_number",
        "driver_name", "estimated_duration_minutes", "pickup_location", "dropoff_location",
    ):
        by_vehicle[transfer.vehicle_id].append(transfer)

    rows = []
    for vehicle in vehicles:
        blocks = place_blocks(by_vehicle[vehicle.id], start, end, default_duration=conflict_window())
        rows.append(BoardRow(vehicle=vehicle, blocks=blocks, lanes=max((b.lane for b in blocks), default=0) + 1))
    return rows


def _status_counts(rows):
    counts = Counter(block.transfer.status for row in rows for block in row.blocks)
    return [(status, label, counts[status]) for status, label in TransferStatus.choices]


def dispatch_board(request, *, site):
    if not request.user.has_perm("bookings.view_transfer"):
        raise PermissionDenied
    form = BoardFilterForm(request.GET)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, error)
        return redirect(reverse("admin:bookings_dispatch"))
    today = timezone.localdate()
    day = form.cleaned_data["date"] or today
    start, end = day_bounds(day)
    rows = board_rows(
        day=day, vehicle_type=form.cleaned_data["vehicle_type"], busy_only=form.cleaned_data["busy_only"]
    )
    filters = request.GET.copy()
    filters.pop("date", None)
    context = {
        **site.each_context(request),
        "is_nav_sidebar_enabled": False,  # the board needs the whole width
        "title": f"Dispatch board — {day:%A %d %B %Y}",
        "form": form,
        "day": day,
        "today": today,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "filters": filters.urlencode(),
        "marks": hour_marks(start, end),
        "now_left": now_marker(timezone.now(), start, end),
        "rows": rows,
        "status_counts": _status_counts(rows),
    }
    return TemplateResponse(request, "bookings/admin/dispatch_board.html", context)
