"""The standard data set is reused whatever the bench's own runs left, on any later day."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from bench import dataset
from bookings.models import Transfer
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


def days_from_now(monkeypatch, days):
    later = timezone.localdate() + dt.timedelta(days=days)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    return later


@pytest.mark.django_db
def test_a_data_set_a_month_old_is_still_reused(monkeypatch):
    seed_small()
    days_from_now(monkeypatch, dataset.MAX_AGE_DAYS)
    assert dataset.ensure_dataset(SMALL, log=print) is False


# TRUNCATE commits: the test runs outside a test transaction.
@pytest.mark.django_db(transaction=True)
def test_an_older_data_set_is_loaded_anew_around_today(monkeypatch):
    seed_small()
    first_centre = dataset.laid_out_around(SMALL)
    assert first_centre == timezone.localdate()
    later = days_from_now(monkeypatch, dataset.MAX_AGE_DAYS + 1)
    said = []
    assert dataset.ensure_dataset(SMALL, log=said.append) is True
    assert said[0] == f"The data set lies around {first_centre}, {dataset.MAX_AGE_DAYS + 1} days from today: loading it anew."
    assert dataset.laid_out_around(SMALL) == later
    assert (Vehicle.objects.count(), Transfer.objects.count()) == (SMALL.vehicles, SMALL.transfers)
