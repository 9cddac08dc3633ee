"""The back office: Django's admin, open to superusers and coordinators only.

Integrators use the API; even with ``is_staff`` set by mistake they cannot
log in here. The dispatch board hangs off the site at /admin/bookings/dispatch/.
"""
from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.urls import path

from bookings.roles import COORDINATORS, user_roles


def may_use_back_office(user):
    if not (user.is_active and user.is_staff):
        return False
    return user.is_superuser or COORDINATORS in user_roles(user)


class BackOfficeAuthenticationForm(AdminAuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not may_use_back_office(user):
            raise forms.ValidationError(
                "This account cannot use the back office: it is for coordinators.", code="not_coordinator"
            )


class BackOfficeSite(admin.AdminSite):
    site_header = "DMC Transfers back office"
    site_title = "DMC Transfers"
    index_title = "Operations"
    index_template = "bookings/admin/index.html"
    login_form = BackOfficeAuthenticationForm

    def has_permission(self, request):
        user = request.user
        # Asked several times per page: remember the answer on the request.
        if not hasattr(request, "_may_use_back_office"):
            request._may_use_back_office = may_use_back_office(user)
        return request._may_use_back_office

    def get_urls(self):
        # Imported here: bookings.admin registers on this site while it is built.
        from bookings.admin.dispatch import dispatch_board

        board = self.admin_view(lambda request: dispatch_board(request, site=self))
        return [path("bookings/dispatch/", board, name="bookings_dispatch"), *super().get_urls()]
