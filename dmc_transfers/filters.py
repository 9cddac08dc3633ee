"""Strict query-parameter filters: a malformed value is a 400 naming the parameter.

django-filter's own BooleanFilter reads ``maybe`` as "no filter" and its
NumberFilter accepts decimals; the contract wants both refused.
"""
import django_filters
from django import forms

BOOLEAN_CHOICES = (("true", "true"), ("false", "false"))


class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField


class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=BOOLEAN_CHOICES, coerce=lambda value: value == "true", **kwargs)


class CommaSeparatedChoiceFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """``?status=PENDING,CONFIRMED``: one value or a comma-separated list, each one checked."""


class IsoDateFilter(django_filters.DateFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, input_formats=["%Y-%m-%d"], **kwargs)
