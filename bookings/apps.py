from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self):
        from bookings import integrity
        from bookings.roles import ensure_role_groups
        from dmc_transfers.integrity import register

        for check in (integrity.double_booked_vehicles, integrity.broken_histories, integrity.dangling_idempotency_records):
            register(check)

        # After every migrate and every test flush (both send post_migrate).
        post_migrate.connect(ensure_role_groups, dispatch_uid="bookings.ensure_role_groups")
