"""Serializer fields for the DMC's local time (API.md, "Time")."""
import copy
import datetime as dt

from django.db import models
from rest_framework import serializers

from dmc_transfers.errors import Unreadable
from dmc_transfers.iso_formats import ISO_DATE, ISO_TIME
from dmc_transfers.localtime import AmbiguousOrMissingTime, make_local_aware, to_local


def represent_datetime(value):
    """A stored instant as API.md shows it: local time with its offset."""
    return to_local(value).isoformat() if value is not None else None


class _ExactIsoField:
    """A value of exactly ``shape``, parsed by ``parse`` (``fromisoformat``: ``strptime`` is ten times slower)."""

    def to_internal_value(self, value):
        try:
            if isinstance(value, str) and self.shape.fullmatch(value):
                return self.parse(value)
        except ValueError:
            pass
        self.fail("invalid", format=self.shown_format)


class IsoDateField(_ExactIsoField, serializers.DateField):
    """Exactly ``YYYY-MM-DD``."""

    shape, parse, shown_format = ISO_DATE, staticmethod(dt.date.fromisoformat), "YYYY-MM-DD"


class IsoTimeField(_ExactIsoField, serializers.TimeField):
    """Exactly ``HH:MM`` or ``HH:MM:SS``."""

    shape, parse, shown_format = ISO_TIME, staticmethod(dt.time.fromisoformat), "HH:MM[:SS]"


class LocalDateTimeField(serializers.DateTimeField):
    """ISO 8601 in and out: naive input is local wall time (DST gaps and overlaps refused),
    an offset is taken as given; output is local time with its offset (``+00:00``, never ``Z``)."""

    default_error_messages = {"out_of_range": "Datetime is out of range."}

    def enforce_timezone(self, value):
        if value.tzinfo is None:
            try:
                value = make_local_aware(value)
            except AmbiguousOrMissingTime as exc:
                raise serializers.ValidationError(str(exc), code="invalid") from exc
        try:
            # Year 1 or 9999 with an offset cannot be moved to UTC: a 400, never a 500.
            return value.astimezone(dt.UTC)
        except OverflowError:
            self.fail("out_of_range")

    def to_representation(self, value):
        return represent_datetime(value)


class LaterCheckedCharField(serializers.CharField):
    """A CharField whose refusal is handed on as an ``Unreadable`` value, not raised: for a field the
    service checks later in API.md's order than the serializer runs."""

    def run_validation(self, data=serializers.empty):
        try:
            return super().run_validation(data)
        except serializers.ValidationError as exc:
            return Unreadable(exc.detail)


def _copies(fields):
    """A copy of each field for one serializer instance (binding writes to it), a shallow one.

    DRF deep-copies fields, which re-runs each field's ``__init__``
    (validators, keyword arguments): most of a small body's validation
    (README, Performance). Nested serializers are copied whole, as they hold
    fields of their own.
    """
    return {
        name: copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer) else _shallow_copy(field)
        for name, field in fields.items()
    }


def _shallow_copy(field):
    """``copy.copy(field)`` for a field, which keeps its state in ``__dict__`` alone, a quarter of the
    time: ``copy.copy`` goes through ``__reduce_ex__`` (3 µs against 0.9 µs, 12 fields per booking)."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class ApiSerializer(serializers.Serializer):
    """A Serializer whose declared fields are copied shallowly per instance (``_copies``)."""

    def get_fields(self):
        return _copies(self._declared_fields)


class ApiModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose datetimes follow the local-time rules, its fields and validators built once per class.

    DRF builds a ModelSerializer's fields from the model (introspection,
    validators, keyword arguments) and its unique-together validators for
    every instance, i.e. on every request; both depend on the class alone.
    Each instance gets its own copies of the fields (``_copies``).
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: LocalDateTimeField,
    }

    def get_fields(self):
        cls = type(self)
        if "_built_fields" not in cls.__dict__:
            cls._built_fields = super().get_fields()
        return _copies(cls._built_fields)

    def get_validators(self):
        cls = type(self)
        if "_built_validators" not in cls.__dict__:
            cls._built_validators = super().get_validators()
        return list(cls._built_validators)
