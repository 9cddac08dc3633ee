"""The standard data set is reused whatever the bench's own runs left, on any later day."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from bench import dataset
from bookings.tests.factories import TransferFactory
from demo.seeding import seed_demo
from fleet.models import Vehicle

pytestmark = pytest.mark.integration

SMALL = dataset.Standard(vehicles=6, transfers=30, days=10, seed=3)


def seed_small():
    seed_demo(vehicles=SMALL.vehicles, transfers=SMALL.transfers, days=SMALL.days, seed=SMALL.seed)
    dataset.api_key()  # the bench's client, as a run creates it


@pytest.mark.django_db
def test_a_seeded_database_is_reused():
    seed_small()
    assert dataset.ensure_dataset(SMALL, log=print) is False


@pytest.mark.django_db
def test_the_bench_own_transfers_never_pass_for_seeded_ones():
    # Left by an earlier run in the far future, which starts a day later every day.
    seed_small()
    client = get_user_model().objects.get(username=dataset.CLIENT)
    TransferFactory(created_by=client, vehicle=Vehicle.objects.first(), pickup_time=timezone.now() + dt.timedelta(days=2))
    assert dataset.ensure_dataset(SMALL, log=print) is False


@pytest.mark.django_db
def test_another_data_set_is_refused():
    seed_small()
    with pytest.raises(SystemExit, match="not the standard"):
        dataset.ensure_dataset(dataset.Standard(6, 31, 10, 3), log=print)
