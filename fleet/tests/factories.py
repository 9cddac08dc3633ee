import factory

from fleet.choices import VehicleType
from fleet.models import Vehicle


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    plate = factory.Sequence(lambda n: f"{1000 + n}-TST")
    vehicle_type = VehicleType.VAN
    capacity = 7
    is_active = True
