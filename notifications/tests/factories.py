import factory

from bookings.tests.factories import TransferFactory
from notifications.choices import NotificationKind
from notifications.models import Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    transfer = factory.SubFactory(TransferFactory)
    kind = NotificationKind.TRANSFER_CONFIRMED
    recipient = factory.LazyAttribute(lambda o: o.transfer.passenger_email or "operations@dmc.example")
    subject = "Your transfer is confirmed"
    message = "Dear passenger, your transfer is confirmed."
