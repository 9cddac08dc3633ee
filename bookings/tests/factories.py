import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from bookings.choices import TransferStatus
from bookings.models import IdempotencyRecord, Transfer, TransferStatusHistory
from fleet.tests.factories import VehicleFactory


S = TransferStatus
LIFECYCLE_PATHS = {
    S.PENDING: [S.PENDING],
    S.CONFIRMED: [S.PENDING, S.CONFIRMED],
    S.IN_PROGRESS: [S.PENDING, S.CONFIRMED, S.IN_PROGRESS],
    S.COMPLETED: [S.PENDING, S.CONFIRMED, S.IN_PROGRESS, S.COMPLETED],
    S.CANCELLED: [S.PENDING, S.CANCELLED],
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")


class TransferFactory(factory.django.DjangoModelFactory):
    """A transfer row as stored; its status is set at creation (the field is protected)."""

    class Meta:
        model = Transfer
        skip_postgeneration_save = True

    vehicle = factory.SubFactory(VehicleFactory)
    pickup_time = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + dt.timedelta(days=3))
    pax_count = 2
    passenger_name = factory.Faker("name")
    passenger_email = factory.Faker("email")
    pickup_location = "PMI Terminal A"
    dropoff_location = "Hotel Sol, Palma"
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        """A full history chain from ``null -> PENDING`` to the current status."""
        if create:
            steps = [None, *LIFECYCLE_PATHS[obj.status]]
            for from_status, to_status in zip(steps, steps[1:]):
                TransferStatusHistoryFactory(transfer=obj, from_status=from_status, to_status=to_status)


class TransferStatusHistoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TransferStatusHistory

    transfer = factory.SubFactory(TransferFactory)
    from_status = None
    to_status = factory.LazyAttribute(lambda o: o.transfer.status)
    changed_by = "factory"


class IdempotencyRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdempotencyRecord

    user = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"key-{n}")
    request_digest = "0" * 64
    transfer = factory.SubFactory(TransferFactory)
    response_status = 201
    response_body = factory.LazyAttribute(lambda o: {"id": o.transfer.pk})
