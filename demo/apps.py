from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for ``make run``. It spans fleet, bookings and notifications,
    so it sits above them all: nothing imports it."""

    name = "demo"
    verbose_name = "Demo data"
