"""FilterSets copy their filters and form fields one level deep per request (dmc_transfers/filters.py)."""
import datetime as dt

import django_filters
import pytest
from django.http import QueryDict

from bookings.filtersets import TransferFilterSet
from bookings.models import Transfer
from dmc_transfers.filters import FilterSet
from fleet.models import Vehicle

pytestmark = pytest.mark.unit


def filterset(query):
    return TransferFilterSet(QueryDict(query), queryset=Transfer.objects.none())


def test_each_filterset_has_filters_and_fields_of_its_own():
    first, second = filterset("date=2026-12-09"), filterset("date=2026-12-10")
    for name, base in TransferFilterSet.base_filters.items():
        assert first.filters[name] is not base
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
    assert first.is_valid() and second.is_valid()
    for name in first.form.fields:
        assert first.form.fields[name] is not second.form.fields[name]
    assert (first.form.cleaned_data["date"], second.form.cleaned_data["date"]) == (
        dt.date(2026, 12, 9),
        dt.date(2026, 12, 10),
    )


def test_a_method_filter_calls_its_own_filtersets_method():
    """A shallow copy would keep the original's FilterMethod, which calls the original's parent."""
    first, second = filterset("date=2026-12-09"), filterset("date=2026-12-10")
    calls = []
    first.filter_date = lambda queryset, name, value: calls.append(("first", value)) or queryset
    second.filter_date = lambda queryset, name, value: calls.append(("second", value)) or queryset
    second.filters["date"].filter(Transfer.objects.none(), dt.date(2026, 12, 10))
    first.filters["date"].filter(Transfer.objects.none(), dt.date(2026, 12, 9))
    assert calls == [("second", dt.date(2026, 12, 10)), ("first", dt.date(2026, 12, 9))]


def test_an_invalid_value_is_still_refused_per_filterset():
    bad, good = filterset("date=2026-12-9"), filterset("date=2026-12-09")
    assert not bad.is_valid() and "date" in bad.errors
    assert good.is_valid()


def test_a_request_dependent_filter_keeps_each_requests_queryset_to_itself():
    """django-filter writes such a filter's queryset into its ``extra``: each copy has its own."""

    class ByVehicle(FilterSet):
        vehicle = django_filters.ModelChoiceFilter(
            field_name="vehicle", queryset=lambda request: Vehicle.objects.filter(pk=request)
        )

        class Meta:
            model = Transfer
            fields = ["vehicle"]

    first = ByVehicle(QueryDict(""), queryset=Transfer.objects.none(), request=1)
    second = ByVehicle(QueryDict(""), queryset=Transfer.objects.none(), request=2)
    first_field, second_field = first.filters["vehicle"].field, second.filters["vehicle"].field
    assert str(first_field.queryset.query) != str(second_field.queryset.query)
    assert callable(ByVehicle.base_filters["vehicle"].extra["queryset"])  # the class's filter is untouched
