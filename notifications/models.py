from django.db import models
from django.utils import timezone

from notifications.choices import NotificationChannel, NotificationKind, NotificationStatus


class Notification(models.Model):
    transfer = models.ForeignKey("bookings.Transfer", on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    channel = models.CharField(max_length=16, choices=NotificationChannel.choices, default=NotificationChannel.EMAIL)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=255)
    message = models.TextField()
    status = models.CharField(max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Writing one twice (hook and sweep racing) is impossible, not just unlikely.
            models.UniqueConstraint(fields=["transfer", "kind"], name="notification_transfer_kind_uniq"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient} ({self.status})"
