from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, can_proceed, transition

from bookings.choices import TransferStatus

MAX_PAX = 99
MAX_DURATION_MINUTES = 1440

# A 2-character IATA airline designator (letters or digits, not both digits)
# or a 3-letter ICAO one, then 1-4 digits and an optional letter.
FLIGHT_NUMBER_RE = r"^(?:(?![0-9]{2})[A-Z0-9]{2}|[A-Z]{3})[0-9]{1,4}[A-Z]?$"
validate_flight_number = RegexValidator(
    FLIGHT_NUMBER_RE,
    "Enter a flight number such as IB3456, U2 1234 or RYR12A.",
    code="invalid_flight_number",
)


def normalize_flight_number(value):
    """Flight numbers are stored upper-cased without spaces: ``u2 1234`` is ``U21234``."""
    if value is None:
        return None
    return "".join(str(value).split()).upper() or None


def has_driver(transfer):
    return bool(transfer.driver_name and transfer.driver_name.strip())


class Transfer(FSMModelMixin, models.Model):
    vehicle = models.ForeignKey(
        "fleet.Vehicle",
        on_delete=models.PROTECT,
        related_name="transfers",
        # The composite (vehicle, pickup_time, status) index serves the FK.
        db_index=False,
    )
    pickup_time = models.DateTimeField()
    pax_count = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_PAX)])
    passenger_name = models.CharField(max_length=200)
    passenger_phone = models.CharField(max_length=32, null=True, blank=True)
    passenger_email = models.EmailField(max_length=254, null=True, blank=True)
    flight_number = models.CharField(max_length=8, null=True, blank=True, validators=[validate_flight_number])
    pickup_location = models.CharField(max_length=255)
    dropoff_location = models.CharField(max_length=255)
    client_reference = models.CharField(
        max_length=64, null=True, blank=True, help_text="The integrator's own id, unique per integrator."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="transfers")
    status = FSMField(default=TransferStatus.PENDING, choices=TransferStatus.choices, protected=True, max_length=12)
    driver_name = models.CharField(max_length=120, null=True, blank=True)
    estimated_duration_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)]
    )
    notes = models.TextField(max_length=2000, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pickup_time", "id"]
        indexes = [
            # Per-vehicle conflict check: equality on vehicle, range on time,
            # filter on status, all answered inside the index.
            models.Index(fields=["vehicle", "pickup_time", "status"], name="transfer_vehicle_pickup_idx"),
            # Day lists and whole-fleet availability: one range over the window.
            models.Index(fields=["pickup_time"], name="transfer_pickup_time_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "client_reference"], name="transfer_client_reference_uniq"),
        ]

    def __str__(self):
        return f"Transfer {self.pk} ({self.status})"

    # --- Lifecycle -------------------------------------------------------------
    # Transitions are pure: they move the status and nothing else. Locks,
    # re-checks and the history row belong to services.change_status.

    @transition(field=status, source=TransferStatus.PENDING, target=TransferStatus.CONFIRMED)
    def confirm(self):
        pass

    @transition(
        field=status, source=TransferStatus.CONFIRMED, target=TransferStatus.IN_PROGRESS, conditions=[has_driver]
    )
    def start(self):
        pass

    @transition(field=status, source=TransferStatus.IN_PROGRESS, target=TransferStatus.COMPLETED)
    def complete(self):
        pass

    @transition(
        field=status,
        source=[TransferStatus.PENDING, TransferStatus.CONFIRMED],
        target=TransferStatus.CANCELLED,
    )
    def cancel(self):
        pass

    @classmethod
    def allowed_targets(cls, source):
        """Statuses the lifecycle allows from ``source``, in lifecycle order."""
        field = cls._meta.get_field("status")
        targets = {t.target for t in field.get_all_transitions(cls) if t.source == source}
        return [status for status in TransferStatus.values if status in targets]

    def transition_method(self, target):
        """The bound transition that leads from the current status to ``target``, or ``None``."""
        field = self._meta.get_field("status")
        for t in field.get_all_transitions(type(self)):
            if t.source == self.status and t.target == target:
                return getattr(self, t.name)
        return None

    def can_move_to(self, target):
        method = self.transition_method(target)
        return method is not None and can_proceed(method)


class TransferStatusHistory(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="status_history")
    from_status = models.CharField(max_length=12, choices=TransferStatus.choices, null=True, blank=True)
    to_status = models.CharField(max_length=12, choices=TransferStatus.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    # A username snapshot: the audit trail outlives renamed or removed users.
    changed_by = models.CharField(max_length=150)
    note = models.CharField(max_length=500, null=True, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = "status change"
        verbose_name_plural = "status history"

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status}"


class IdempotencyRecord(models.Model):
    """The first successful answer to a ``POST /transfers`` with an ``Idempotency-Key``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, null=True, related_name="+")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_uniq")]

    def __str__(self):
        return f"{self.key} ({self.user_id})"
