"""Strict query-parameter filters: a malformed value is a 400 naming the parameter.

django-filter's own BooleanFilter reads ``maybe`` as "no filter" and its
NumberFilter accepts decimals; the contract wants both refused.
"""
import django_filters
from django import forms

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


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet, building its form class once per FilterSet class.

    django-filter builds a new form class (fields and all) on every request;
    the filters are fixed per class, so the first one serves them all.
    """

    def get_form_class(self):
        cls = type(self)
        # A filter whose choices depend on the request (a queryset callable) must be built per request.
        if any(isinstance(f, django_filters.filters.QuerySetRequestMixin) for f in self.filters.values()):
            return super().get_form_class()
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class
