"""Serializer fields for the DMC's local time (API.md, "Time")."""
import copy
import datetime as dt

from django.db import models
from rest_framework import serializers

from dmc_transfers.iso_formats import ISO_DATE, ISO_TIME
from dmc_transfers.localtime import AmbiguousOrMissingTime, make_local_aware, to_local


def represent_datetime(value):
    """A stored instant as API.md shows it: local time with its offset."""
    return to_local(value).isoformat() if value is not None else None


class IsoDateField(serializers.DateField):
    """Exactly ``YYYY-MM-DD``."""

    def to_internal_value(self, value):
        if not (isinstance(value, str) and ISO_DATE.fullmatch(value)):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class IsoTimeField(serializers.TimeField):
    """Exactly ``HH:MM`` or ``HH:MM:SS``."""

    def to_internal_value(self, value):
        if not (isinstance(value, str) and ISO_TIME.fullmatch(value)):
            self.fail("invalid", format="HH:MM[:SS]")
        return super().to_internal_value(value)


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


class ApiModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose datetimes follow the local-time rules, its fields and validators built once per class.

    DRF builds a ModelSerializer's fields from the model (introspection,
    validators, keyword arguments) and its unique-together validators for
    every instance, i.e. on every request; both depend on the class alone.
    Each instance gets its own copy of every field (binding writes to it),
    a shallow one: re-running a field's ``__init__``, as DRF's deep copy
    does, was most of a booking's body validation (README, Performance).
    Nested serializers are copied whole, as they hold fields of their own.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: LocalDateTimeField,
    }

    def get_fields(self):
        cls = type(self)
        if "_built_fields" not in cls.__dict__:
            cls._built_fields = super().get_fields()
        return {
            name: copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer) else copy.copy(field)
            for name, field in cls._built_fields.items()
        }

    def get_validators(self):
        cls = type(self)
        if "_built_validators" not in cls.__dict__:
            cls._built_validators = super().get_validators()
        return list(cls._built_validators)
