"""Strict query-parameter filters: a malformed value is a 400 naming the parameter.

django-filter's own BooleanFilter reads ``maybe`` as "no filter" and its
NumberFilter accepts decimals; the contract wants both refused.
"""
import copy

import django_filters
from django import forms
from django_filters.filterset import FilterSetMetaclass

from dmc_transfers.iso_formats import ISO_DATE

BOOLEAN_CHOICES = (("true", "true"), ("false", "false"))


class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField


class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=BOOLEAN_CHOICES, coerce=lambda value: value == "true", **kwargs)


class CommaSeparatedChoiceFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """``?status=PENDING,CONFIRMED``: one value or a comma-separated list, each one checked."""


class IsoDateFormField(forms.DateField):
    """Exactly ``YYYY-MM-DD``: strptime alone would also take ``2026-12-1``."""

    def to_python(self, value):
        if value not in self.empty_values and not ISO_DATE.fullmatch(str(value)):
            raise forms.ValidationError("Enter a date as YYYY-MM-DD.", code="invalid")
        return super().to_python(value)


class IsoDateFilter(django_filters.DateFilter):
    field_class = IsoDateFormField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, input_formats=["%Y-%m-%d"], **kwargs)


def _filter_copy(filter_):
    clone = copy.copy(filter_)
    clone.extra = dict(filter_.extra)  # a request-dependent filter writes its queryset there
    if filter_.method is not None:
        clone.method = filter_.method  # a new FilterMethod, calling this copy's parent, not the original's
    return clone


class _CopiedShallowly(dict):
    """Filters or form fields that ``copy.deepcopy`` copies one level deep: each value, not what it holds.

    django-filter deep-copies its filters for every FilterSet and Django its
    fields for every form, i.e. twice per list request, for a sixth of a day
    list's CPU (README, Performance). Filtering and validating read what
    filters and fields hold; only the filter itself is written (its parent
    FilterSet, and a request-dependent filter's queryset in its ``extra``), so
    a copy of each (and of its ``extra``) is enough.
    """

    def __init__(self, items, copy_one):
        super().__init__(items)
        self.copy_one = copy_one

    def __deepcopy__(self, memo):
        return {name: self.copy_one(value) for name, value in self.items()}


class _ShallowFilterSetMetaclass(FilterSetMetaclass):
    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_filters = _CopiedShallowly(new_class.base_filters, _filter_copy)
        return new_class


class FilterSet(django_filters.FilterSet, metaclass=_ShallowFilterSetMetaclass):
    """django-filter's FilterSet, building its form class once per FilterSet class, copying
    filters and form fields shallowly per request (``_CopiedShallowly``).

    django-filter builds a new form class (fields and all) on every request;
    the filters are fixed per class, so the first one serves them all.
    """

    def get_form_class(self):
        cls = type(self)
        # A filter whose choices depend on the request (a queryset callable) must be built per request.
        if any(isinstance(f, django_filters.filters.QuerySetRequestMixin) for f in self.filters.values()):
            return super().get_form_class()
        if "_form_class" not in cls.__dict__:
            form_class = super().get_form_class()
            form_class.base_fields = _CopiedShallowly(form_class.base_fields, copy.copy)
            cls._form_class = form_class
        return cls._form_class
