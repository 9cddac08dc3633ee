"""Transfers in the back office. Every change is a service call.

Adding books (``book_transfer``, the coordinator as creator), saving the
change form amends (``amend_transfer``), and the status moves only through
``change_status``: from the buttons on the change page and the bulk actions.
django-fsm-2's admin mixin is not used: it calls transitions directly,
skipping the locks, the history row and the permission check.
"""
import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from bookings.choices import TransferStatus
from bookings.models import Transfer, TransferStatusHistory
from bookings.services import DETAIL_FIELDS, OPEN_STATUSES, amend_transfer, book_transfer, change_status
from dmc_transfers.admin_service_forms import ServiceFormAdminMixin, ServiceModelForm, domain_error_messages
from dmc_transfers.db import is_lock_error
from dmc_transfers.errors import DomainError
from dmc_transfers.localtime import day_bounds, to_local

# What the button that leads to each status says.
TRANSITION_VERBS = {
    TransferStatus.CONFIRMED: "Confirm",
    TransferStatus.IN_PROGRESS: "Start",
    TransferStatus.COMPLETED: "Complete",
    TransferStatus.CANCELLED: "Cancel",
}

# Inlines other apps add to the change page (notifications adds its own),
# so that bookings never imports them.
extra_transfer_inlines = []


def render_status_badge(status):
    return format_html(
        '<span class="status-badge status-{}">{}</span>', status, TransferStatus(status).label
    )


class TransferForm(ServiceModelForm):
    class Meta:
        model = Transfer
        fields = ("vehicle", "pickup_time", *DETAIL_FIELDS, "driver_name")

    def save_with_service(self):
        data = self.cleaned_data
        if self.instance.pk is None:
            details = {name: data[name] for name in DETAIL_FIELDS if name in data}
            return book_transfer(
                by=self.user, vehicle_id=data["vehicle"].pk, pickup_time=data["pickup_time"], **details
            )
        changes = {name: data[name] for name in self.changed_data}
        if "vehicle" in changes:
            changes["vehicle_id"] = changes.pop("vehicle").pk
        if not changes:
            return self.instance
        return amend_transfer(transfer=self.instance, by=self.user, **changes)


class TransitionForm(forms.Form):
    target = forms.ChoiceField(choices=TransferStatus.choices)
    driver_name = forms.CharField(required=False)
    note = forms.CharField(required=False)


class StatusHistoryInline(admin.TabularInline):
    model = TransferStatusHistory
    fields = readonly_fields = ("changed_at", "from_status", "to_status", "changed_by", "note")
    extra = 0
    can_delete = False
    verbose_name_plural = "Status history"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PickupDayFilter(admin.SimpleListFilter):
    """Today and tomorrow in local time, as a UTC range on the pickup_time index."""

    title = "pickup day"
    parameter_name = "pickup_day"
    DAYS = {"today": 0, "tomorrow": 1}

    def lookups(self, request, model_admin):
        return [("today", "Today"), ("tomorrow", "Tomorrow")]

    def queryset(self, request, queryset):
        if self.value() not in self.DAYS:
            return queryset
        start, end = day_bounds(timezone.localdate() + dt.timedelta(days=self.DAYS[self.value()]))
        return queryset.filter(pickup_time__gte=start, pickup_time__lt=end)


@admin.register(Transfer)
class TransferAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    form = TransferForm
    change_form_template = "bookings/admin/transfer/change_form.html"
    change_list_template = "bookings/admin/transfer/change_list.html"
    list_display = (
        "id", "pickup_local", "vehicle_plate", "pax_count", "passenger_name", "flight_number", "status_badge",
        "driver_name",
    )
    list_display_links = ("id", "pickup_local")
    list_select_related = ("vehicle",)
    list_filter = (
        "status", PickupDayFilter, ("vehicle", admin.RelatedOnlyFieldListFilter), "vehicle__vehicle_type",
    )
    search_fields = ("passenger_name", "flight_number", "client_reference", "vehicle__plate")
    date_hierarchy = "pickup_time"
    ordering = ("pickup_time", "id")
    autocomplete_fields = ("vehicle",)
    readonly_fields = ("status_badge", "creator", "created_at", "updated_at")
    actions = ("confirm_selected", "cancel_selected")
    inlines = (StatusHistoryInline,)

    class Media:
        css = {"all": ("bookings/admin.css",)}

    # --- Lists and pages --------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("vehicle", "created_by")

    def get_fieldsets(self, request, obj=None):
        trip = ("vehicle", "pickup_time", "estimated_duration_minutes", "pickup_location", "dropoff_location")
        passenger = ("pax_count", "passenger_name", "passenger_phone", "passenger_email", "flight_number")
        booking = ("client_reference", "notes")
        if obj is None:
            return [("Trip", {"fields": trip}), ("Passengers", {"fields": passenger}), ("Booking", {"fields": booking})]
        return [
            ("Status", {"fields": ("status_badge", "driver_name")}),
            ("Trip", {"fields": trip}),
            ("Passengers", {"fields": passenger}),
            ("Booking", {"fields": (*booking, "creator", "created_at", "updated_at")}),
        ]

    def get_inlines(self, request, obj):
        return [*self.inlines, *extra_transfer_inlines] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        # Completed and cancelled transfers are history: shown, not edited.
        if obj is not None and obj.status not in OPEN_STATUSES:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # transfers are cancelled, never deleted

    @admin.display(description="Pickup (local)", ordering="pickup_time")
    def pickup_local(self, transfer):
        return f"{to_local(transfer.pickup_time):%a %d %b %Y %H:%M}"

    @admin.display(description="Vehicle", ordering="vehicle__plate")
    def vehicle_plate(self, transfer):
        return transfer.vehicle.plate

    @admin.display(description="Created by")
    def creator(self, transfer):
        # A name, not a link: coordinators cannot open user pages.
        return transfer.created_by.get_username()

    @admin.display(description="Status", ordering="status")
    def status_badge(self, transfer):
        return render_status_badge(transfer.status)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and super().has_change_permission(request, obj):
            context["transitions"] = [
                (target, TRANSITION_VERBS[target]) for target in Transfer.allowed_targets(obj.status)
            ]
            context["transition_url"] = reverse("admin:bookings_transfer_transition", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- Status changes -----------------------------------------------------------

    def get_urls(self):
        transition = self.admin_site.admin_view(self.transition_view)
        return [
            path("<path:object_id>/transition/", transition, name="bookings_transfer_transition"),
            *super().get_urls(),
        ]

    def transition_view(self, request, object_id):
        """POST target (and driver_name to start): one change_status call, its outcome as a message."""
        transfer = self.get_object(request, object_id)
        if transfer is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = reverse("admin:bookings_transfer_change", args=[transfer.pk])
        # Model permission only: a stale page on a closed transfer deserves the
        # lifecycle's answer, not a 403.
        if not super().has_change_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect(change_url)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose one of the status buttons.")
            return redirect(change_url)
        target = form.cleaned_data["target"]
        if self._change_status(
            request, transfer, target, driver_name=form.cleaned_data["driver_name"], note=form.cleaned_data["note"]
        ):
            messages.success(request, f"Transfer #{transfer.pk} is now {TransferStatus(target).label.lower()}.")
        return redirect(change_url)

    def _change_status(self, request, transfer, target, **extra):
        """Call change_status and report the outcome; return whether it moved."""
        try:
            change_status(transfer=transfer, target=target, by=request.user, **extra)
        except DomainError as exc:
            for line in domain_error_messages(exc):
                messages.error(request, f"Transfer #{transfer.pk}: {line}")
            return False
        except OperationalError as exc:
            if not is_lock_error(exc):
                raise
            messages.error(request, f"Transfer #{transfer.pk}: another change holds its vehicle; try again.")
            return False
        self.log_change(request, transfer, f"Status changed to {target}.")
        return True

    def _bulk_change_status(self, request, queryset, target):
        moved = [t.pk for t in queryset.order_by("pickup_time", "id") if self._change_status(request, t, target)]
        if moved:
            label = TransferStatus(target).label.lower()
            messages.success(request, f"{len(moved)} transfer(s) {label}: {', '.join(f'#{pk}' for pk in moved)}.")

    @admin.action(description="Confirm selected transfers", permissions=("change",))
    def confirm_selected(self, request, queryset):
        self._bulk_change_status(request, queryset, TransferStatus.CONFIRMED)

    @admin.action(description="Cancel selected transfers", permissions=("change",))
    def cancel_selected(self, request, queryset):
        self._bulk_change_status(request, queryset, TransferStatus.CANCELLED)
