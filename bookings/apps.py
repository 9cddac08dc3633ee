from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self):
        from bookings.roles import ensure_role_groups

        # After every migrate and every test flush (both send post_migrate).
        post_migrate.connect(ensure_role_groups, dispatch_uid="bookings.ensure_role_groups")
