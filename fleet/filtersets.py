import django_filters

from dmc_transfers.filters import FilterSet, IntegerFilter, StrictBooleanFilter
from fleet.choices import VehicleType
from fleet.models import MAX_CAPACITY, Vehicle


class VehicleFilterSet(FilterSet):
    is_active = StrictBooleanFilter(help_text="`true` or `false`.")
    vehicle_type = django_filters.ChoiceFilter(choices=VehicleType.choices)
    min_capacity = IntegerFilter(
        field_name="capacity",
        lookup_expr="gte",
        min_value=1,
        max_value=MAX_CAPACITY,
        help_text="Seats at least this many (1-99).",
    )

    class Meta:
        model = Vehicle
        fields = ["is_active", "vehicle_type", "min_capacity"]
