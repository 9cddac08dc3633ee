"""Serializers copy their fields shallowly per instance (dmc_transfers/serializer_fields.py)."""
import copy

import pytest

from bookings.api.serializers import StatusChangeSerializer, TransferCreateSerializer, TransferSerializer

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("serializer_class", [TransferCreateSerializer, StatusChangeSerializer])
def test_each_serializer_has_fields_of_its_own_bound_to_it(serializer_class):
    first, second = serializer_class(data={}), serializer_class(data={})
    built = serializer_class._built_fields if "_built_fields" in serializer_class.__dict__ else None
    for name, field in first.fields.items():
        assert field is not second.fields[name]
        assert field.parent is first and second.fields[name].parent is second
        if built is not None:
            assert built[name] is not field and built[name].parent is None


def test_a_copy_holds_what_copy_copy_would():
    field = TransferCreateSerializer().fields["passenger_name"]
    clone, reference = TransferCreateSerializer().fields["passenger_name"], copy.copy(field)
    assert type(clone) is type(reference)
    assert {k: v for k, v in vars(clone).items() if k != "parent"} == {
        k: v for k, v in vars(reference).items() if k != "parent"
    }


def test_instances_validate_independently():
    first = TransferCreateSerializer(data={"vehicle_id": "x", "pax_count": 2})
    second = TransferCreateSerializer(data={"vehicle_id": 3, "pax_count": 0})
    assert not first.is_valid() and not second.is_valid()
    assert "vehicle_id" in first.errors and "vehicle_id" not in second.errors
    assert "pax_count" in second.errors and "pax_count" not in first.errors


def test_nested_serializers_are_copied_whole():
    first, second = TransferSerializer(), TransferSerializer()
    assert first.fields["status_history"] is not second.fields["status_history"]
    assert first.fields["status_history"].child is not second.fields["status_history"].child
