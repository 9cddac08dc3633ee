from django.db import models


class NotificationKind(models.TextChoices):
    TRANSFER_CONFIRMED = "TRANSFER_CONFIRMED", "Transfer confirmed"


class NotificationChannel(models.TextChoices):
    EMAIL = "EMAIL", "E-mail"


class NotificationStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    SENT = "SENT", "Sent"
    FAILED = "FAILED", "Failed"
