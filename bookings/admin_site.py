"""The back office: Django's admin, open to superusers and coordinators only.

Integrators use the API; even with ``is_staff`` set by mistake they cannot
log in here. The dispatch board hangs off the site at /admin/bookings/dispatch/.
"""
from axes.helpers import get_client_username, get_failure_limit
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.shortcuts import render
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


def locked_out(request, original_response, credentials):
    """django-axes' answer to a login while locked out: the admin's look, what happened, when to retry."""
    context = {
        **admin.site.each_context(request),
        "username": get_client_username(request, credentials) or "",
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "bookings/admin/locked_out.html", context, status=429)
