"""The fast representations (``.values()``) are exactly what the serializers give."""
import pytest
from django.test import override_settings

from bookings.api.transfer_reads import transfer_detail, transfer_page, transfer_representation, visible_transfer
from bookings.api.serializers import TransferListSerializer, TransferSerializer
from bookings.models import Transfer, TransferStatusHistory
from bookings.services import attached_history, book_transfer, change_status

pytestmark = pytest.mark.integration


@pytest.fixture(params=["UTC", "Europe/Madrid"])
def zone(request):
    with override_settings(TIME_ZONE=request.param):
        yield request.param


@pytest.fixture
def transfers(zone, booking, coordinator):
    first = book_transfer(**booking, flight_number="u2 1234", notes="Child seat")
    change_status(transfer=first, target="CONFIRMED", by=coordinator, driver_name="Toni", note="ok")
    second = book_transfer(**{**booking, "pickup_time": booking["pickup_time"].replace(hour=18)})
    return Transfer.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")


def test_a_written_transfer_matches_the_serializer(transfers, booking, coordinator):
    for transfer in transfers:  # read back: no history attached
        assert transfer_representation(transfer) == TransferSerializer(transfer).data
    # As the services return them: shown from the instance and the history they attached.
    booked = book_transfer(**{**booking, "pickup_time": booking["pickup_time"].replace(hour=20)}, notes="Late")
    assert_shown_as_read(booked)
    confirmed = change_status(
        transfer=visible_transfer(booked.pk), target="CONFIRMED", by=coordinator, driver_name="Toni", note="ok"
    )
    assert_shown_as_read(confirmed)


def assert_shown_as_read(written):
    assert attached_history(written) is not None
    assert transfer_representation(written) == TransferSerializer(Transfer.objects.get(pk=written.pk)).data


def test_the_detail_statement_matches_the_serializer(transfers):
    for transfer in transfers:
        assert transfer_detail(transfer.pk) == TransferSerializer(transfer).data
        assert transfer_detail(transfer.pk, owner_id=transfer.created_by_id) == TransferSerializer(transfer).data


def test_the_detail_statement_keeps_to_the_owner(transfers, other_integrator):
    assert transfer_detail(transfers[0].pk, owner_id=other_integrator.pk) is None
    assert transfer_detail(max(t.pk for t in transfers) + 1) is None


def test_a_page_statement_matches_the_serializer(transfers):
    ordered = transfers.order_by("pickup_time", "id")
    expected = TransferListSerializer(ordered, many=True).data
    assert transfer_page(ordered, 0, 10) == (expected, 2)
    assert transfer_page(ordered, 1, 1) == (expected[1:], 2)
    assert transfer_page(ordered, 2, 1) == ([], 0)


def test_rows_are_in_order_whatever_order_they_come_in(zone, booking):
    # Ids against pickup order, a tie on pickup_time, and a history row written
    # after another but dated before it: the statements have no ORDER BY of
    # their own, so only the sorting in Python can put these right.
    evening = book_transfer(**{**booking, "pickup_time": booking["pickup_time"].replace(hour=18)})
    first_morning = book_transfer(**booking)
    second_morning = book_transfer(**booking)
    earliest = first_morning.status_history.get().changed_at
    TransferStatusHistory.objects.create(
        transfer=second_morning, to_status="PENDING", changed_by="import", changed_at=earliest.replace(year=2001)
    )
    ordered = Transfer.objects.order_by("pickup_time", "id")
    assert transfer_page(ordered, 0, 10) == (TransferListSerializer(ordered, many=True).data, 3)
    assert [t["id"] for t in transfer_page(ordered, 0, 10)[0]] == [first_morning.pk, second_morning.pk, evening.pk]
    expected = TransferSerializer(Transfer.objects.get(pk=second_morning.pk)).data
    assert transfer_detail(second_morning.pk) == expected
    assert [h["changed_by"] for h in expected["status_history"]] == ["import", booking["by"].username]


def test_a_transfer_without_history_has_an_empty_one(transfers):
    transfer = transfers[0]
    transfer.status_history.all().delete()
    assert transfer_detail(transfer.pk)["status_history"] == []
