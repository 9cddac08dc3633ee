import datetime as dt

from django.utils import timezone
from rest_framework import serializers

from bookings.choices import TransferStatus
from bookings.models import MAX_PAX, Transfer, TransferStatusHistory
from bookings.rules import horizon_error
from bookings.services import DETAIL_FIELDS, NOTE_MAX_LENGTH
from dmc_transfers.localtime import AmbiguousOrMissingTime, make_local_aware
from dmc_transfers.serializer_fields import (
    ApiModelSerializer,
    ApiSerializer,
    IsoDateField,
    IsoTimeField,
    LaterCheckedCharField,
    LocalDateTimeField,
)
from fleet.api.serializers import VehicleSerializer


class StatusHistorySerializer(ApiModelSerializer):
    class Meta:
        model = TransferStatusHistory
        fields = ["from_status", "to_status", "changed_at", "changed_by", "note"]
        read_only_fields = fields


TRANSFER_FIELDS = [
    "id",
    "vehicle_id",
    "pickup_time",
    "pax_count",
    "passenger_name",
    "passenger_phone",
    "passenger_email",
    "flight_number",
    "pickup_location",
    "dropoff_location",
    "client_reference",
    "status",
    "driver_name",
    "estimated_duration_minutes",
    "notes",
    "created_at",
    "updated_at",
    "status_history",
]


class TransferSerializer(ApiModelSerializer):
    """The transfer representation of API.md, history oldest first."""

    vehicle_id = serializers.IntegerField()
    status_history = StatusHistorySerializer(many=True)

    class Meta:
        model = Transfer
        fields = TRANSFER_FIELDS
        read_only_fields = fields


class TransferListSerializer(ApiModelSerializer):
    """A transfer in a list: the representation without its history (API.md: lists may leave it out)."""

    vehicle_id = serializers.IntegerField()

    class Meta:
        model = Transfer
        fields = [name for name in TRANSFER_FIELDS if name != "status_history"]
        read_only_fields = fields


class TransferCreateSerializer(ApiModelSerializer):
    """What a booking may send. Lengths and ranges come from the model; the
    service checks the horizon, the vehicle, capacity and availability."""

    # Any integer: an unknown vehicle is the service's 400 on vehicle_id.
    vehicle_id = serializers.IntegerField()
    # Checked after normalising (``u2 1234`` is ``U21234``), by the service.
    flight_number = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Stored upper-cased without spaces: IB3456, U2 1234, W61234, RYR12A.",
    )

    class Meta:
        model = Transfer
        fields = ["vehicle_id", "pickup_time", *DETAIL_FIELDS]
        extra_kwargs = {
            "pickup_time": {"help_text": "ISO 8601; without an offset it is local time. Future, within the horizon."},
            "pax_count": {"min_value": 1, "max_value": MAX_PAX},
        }


class StatusChangeSerializer(ApiSerializer):
    status = serializers.ChoiceField(choices=TransferStatus.choices)
    # Type, length and presence are checked by change_status, after the
    # transition check, as API.md orders them (and only for the targets that take one).
    driver_name = LaterCheckedCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Required (non-blank) for IN_PROGRESS; stored with CONFIRMED too; at most 120 characters.",
    )
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_null=True, allow_blank=True, help_text="Kept in the history row."
    )


class AvailabilityQuerySerializer(ApiSerializer):
    date = IsoDateField(help_text="Local date, `YYYY-MM-DD`.")
    pickup_time = IsoTimeField(help_text="Local time, `HH:MM[:SS]`.")
    pax_count = serializers.IntegerField(min_value=1, max_value=MAX_PAX)

    def validate(self, attrs):
        """Add ``pickup_at``: the local date and time as an aware instant, bookable now."""
        try:
            pickup_at = make_local_aware(dt.datetime.combine(attrs["date"], attrs["pickup_time"]))
        except AmbiguousOrMissingTime as exc:
            raise serializers.ValidationError({"pickup_time": [str(exc)]}) from exc
        problem = horizon_error(pickup_at, timezone.now())
        if problem:
            # The pickup is date and time together: name both parameters.
            raise serializers.ValidationError({"date": [problem], "pickup_time": [problem]})
        return {**attrs, "pickup_at": pickup_at}


class AvailabilitySerializer(serializers.Serializer):
    pickup_at = LocalDateTimeField()
    pax_count = serializers.IntegerField()
    window_minutes = serializers.IntegerField()
    count = serializers.IntegerField()
    results = VehicleSerializer(many=True)
