import datetime as dt

import pytest
from django.utils import timezone

from bookings.services import set_vehicle_active
from bookings.tests.factories import TransferFactory
from dmc_transfers.errors import Conflict

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def test_deactivating_a_vehicle_with_future_confirmed_work_is_refused(vehicle, at, confirmed):
    transfer = confirmed(at())
    with pytest.raises(Conflict) as exc:
        set_vehicle_active(vehicle=vehicle, is_active=False)
    assert exc.value.code == "vehicle_has_future_transfers"
    assert exc.value.extra["transfers"] == [transfer.pk]
    assert f"#{transfer.pk}" in exc.value.detail
    vehicle.refresh_from_db()
    assert vehicle.is_active


def test_an_in_progress_transfer_blocks_even_after_its_pickup(vehicle):
    TransferFactory(vehicle=vehicle, pickup_time=timezone.now() - dt.timedelta(minutes=30), status="IN_PROGRESS")
    with pytest.raises(Conflict):
        set_vehicle_active(vehicle=vehicle, is_active=False)


@pytest.mark.parametrize("status", ["PENDING", "CANCELLED", "COMPLETED"])
def test_other_work_does_not_block(vehicle, at, status):
    TransferFactory(vehicle=vehicle, pickup_time=at(), status=status)
    assert set_vehicle_active(vehicle=vehicle, is_active=False).is_active is False


def test_past_confirmed_work_does_not_block(vehicle):
    TransferFactory(vehicle=vehicle, pickup_time=timezone.now() - dt.timedelta(days=1), status="CONFIRMED")
    assert set_vehicle_active(vehicle=vehicle, is_active=False).is_active is False


def test_reactivating(vehicle):
    set_vehicle_active(vehicle=vehicle, is_active=False)
    vehicle.refresh_from_db()
    assert set_vehicle_active(vehicle=vehicle, is_active=True).is_active is True
