from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from fleet.choices import VehicleType

PLATE_MAX_LENGTH = 20
MAX_CAPACITY = 99


def normalize_plate(plate):
    """Plates are compared trimmed and upper-cased: `` ab-12 `` is ``AB-12``."""
    return str(plate).strip().upper()


class Vehicle(models.Model):
    plate = models.CharField(max_length=PLATE_MAX_LENGTH, unique=True)
    vehicle_type = models.CharField(max_length=10, choices=VehicleType.choices)
    capacity = models.PositiveSmallIntegerField(
        help_text="Passenger seats.",
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
    )
    is_active = models.BooleanField(default=True, help_text="Inactive vehicles are never available.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1, capacity__lte=MAX_CAPACITY), name="vehicle_capacity_range"
            ),
        ]

    def __str__(self):
        return f"{self.plate} ({self.get_vehicle_type_display()}, {self.capacity} seats)"

    def save(self, *args, **kwargs):
        self.plate = normalize_plate(self.plate)
        super().save(*args, **kwargs)
