from django.db import models


class TransferStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    CONFIRMED = "CONFIRMED", "Confirmed"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    COMPLETED = "COMPLETED", "Completed"
    CANCELLED = "CANCELLED", "Cancelled"


# Statuses in which a transfer holds its vehicle (see ``rules.is_busy``).
BUSY_STATUSES = (TransferStatus.CONFIRMED, TransferStatus.IN_PROGRESS)
