from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from dmc_transfers.integrity import register
        from notifications import signals  # noqa: F401  (connects the receivers)
        from notifications.integrity import confirmation_notifications

        register(confirmation_notifications)
