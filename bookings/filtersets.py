import django_filters

from bookings import selectors
from bookings.choices import TransferStatus
from bookings.models import Transfer
from dmc_transfers.filters import CommaSeparatedChoiceFilter, FilterSet, IntegerFilter, IsoDateFilter


class TransferFilterSet(FilterSet):
    date = IsoDateFilter(method="filter_date", help_text="Local calendar day `YYYY-MM-DD` (00:00 to next 00:00).")
    status = CommaSeparatedChoiceFilter(
        choices=TransferStatus.choices, help_text="One status or a comma-separated list: `PENDING,CONFIRMED`."
    )
    vehicle_id = IntegerFilter(field_name="vehicle_id")
    client_reference = django_filters.CharFilter()

    class Meta:
        model = Transfer
        fields = ["date", "status", "vehicle_id", "client_reference"]

    def filter_date(self, queryset, name, value):
        # A UTC range on the pickup_time index; ``__date`` would need tz tables.
        return selectors.transfers_on(day=value, queryset=queryset)
