from rest_framework import serializers

from dmc_transfers.serializer_fields import ApiModelSerializer
from fleet.models import PLATE_MAX_LENGTH, Vehicle


class VehicleSerializer(ApiModelSerializer):
    # Declared, so DRF adds no UniqueValidator: a taken plate is the service's 409, not a 400.
    plate = serializers.CharField(
        max_length=PLATE_MAX_LENGTH, help_text="Stored trimmed and upper-cased; unique (`409 duplicate_plate`)."
    )

    class Meta:
        model = Vehicle
        fields = ["id", "plate", "vehicle_type", "capacity", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
