from django.db import models


class VehicleType(models.TextChoices):
    SEDAN = "SEDAN", "Sedan"
    MINIVAN = "MINIVAN", "Minivan"
    VAN = "VAN", "Van"
    MINIBUS = "MINIBUS", "Minibus"
    COACH = "COACH", "Coach"
