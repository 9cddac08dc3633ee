"""Vehicles in the back office: registered through create_vehicle, (de)activated through set_vehicle_active.

Plate, type and capacity are fixed once registered (no service changes
them: a smaller capacity could strand booked passengers); only the active
flag changes, under the same lock and future-work check as everywhere else.
"""
from django.contrib import admin, messages

from dmc_transfers.admin_service_forms import ServiceFormAdminMixin, ServiceModelForm, domain_error_messages
from dmc_transfers.errors import DomainError
from fleet.models import Vehicle
from fleet.services import create_vehicle


class VehicleForm(ServiceModelForm):
    # set_active(vehicle=, is_active=): deactivating is refused while the
    # vehicle has confirmed work ahead, a rule of bookings, which fleet knows
    # nothing of; bookings plugs its set_vehicle_active in (bookings/admin/__init__.py).
    set_active = None

    class Meta:
        model = Vehicle
        fields = ("plate", "vehicle_type", "capacity", "is_active")

    def save_with_service(self):
        data = self.cleaned_data
        if self.instance.pk is None:
            return create_vehicle(
                plate=data["plate"],
                vehicle_type=data["vehicle_type"],
                capacity=data["capacity"],
                is_active=data["is_active"],
            )
        if "is_active" in self.changed_data:
            return self.set_active(vehicle=self.instance, is_active=data["is_active"])
        return self.instance


@admin.register(Vehicle)
class VehicleAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    form = VehicleForm
    list_display = ("plate", "vehicle_type", "capacity", "is_active")
    list_filter = ("vehicle_type", "is_active", "capacity")
    search_fields = ("plate",)
    ordering = ("plate",)
    readonly_fields = ("created_at", "updated_at")
    actions = ("activate_selected", "deactivate_selected")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("plate", "vehicle_type", "capacity", *self.readonly_fields)

    def has_delete_permission(self, request, obj=None):
        # Transfers keep their vehicle forever (PROTECT); retire it by deactivating.
        return False

    def _set_active(self, request, queryset, *, is_active):
        done = []
        for vehicle in queryset.order_by("plate"):
            try:
                self.form.set_active(vehicle=vehicle, is_active=is_active)
            except DomainError as exc:
                messages.error(request, " ".join(domain_error_messages(exc)))
            else:
                done.append(vehicle.plate)
        if done:
            verb = "Activated" if is_active else "Deactivated"
            messages.success(request, f"{verb} {len(done)} vehicle(s): {', '.join(done)}.")

    @admin.action(description="Activate selected vehicles", permissions=("change",))
    def activate_selected(self, request, queryset):
        self._set_active(request, queryset, is_active=True)

    @admin.action(description="Deactivate selected vehicles", permissions=("change",))
    def deactivate_selected(self, request, queryset):
        self._set_active(request, queryset, is_active=False)
