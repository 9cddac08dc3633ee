"""Notifications are written by the service and sent by delivery: the admin only reads them."""
from django.contrib import admin

from bookings.admin.transfers import extra_transfer_inlines
from notifications.models import Notification

READ_FIELDS = (
    "kind", "channel", "recipient", "status", "attempts", "next_attempt_at", "last_error", "created_at",
)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NotificationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Notification
    fields = readonly_fields = READ_FIELDS
    extra = 0
    show_change_link = True


# Shown on the transfer's change page; bookings knows nothing of this app.
extra_transfer_inlines.append(NotificationInline)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "transfer", "kind", "channel", "recipient", "status", "attempts", "next_attempt_at")
    list_filter = ("status", "kind", "channel")
    search_fields = ("recipient", "subject", "transfer__passenger_name")
    list_select_related = ("transfer",)
    date_hierarchy = "created_at"
    fields = readonly_fields = ("transfer", "subject", "message", *READ_FIELDS, "updated_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("transfer")
