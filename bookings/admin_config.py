"""``django.contrib.admin`` with the coordinators' site (``bookings/admin_site.py``).

Its own module: app configs are imported before models are ready, and the
site's module needs the auth models.
"""
from django.contrib.admin.apps import AdminConfig


class BackOfficeAdminConfig(AdminConfig):
    default_site = "bookings.admin_site.BackOfficeSite"
