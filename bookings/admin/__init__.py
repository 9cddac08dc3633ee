"""The coordinators' back office for bookings (registered on the site in bookings/admin_site.py)."""
from bookings.admin import transfers  # noqa: F401  (registers TransferAdmin)
from bookings.services import set_vehicle_active
from fleet.admin import VehicleForm

# Deactivating a vehicle is a bookings rule (no confirmed work ahead): the
# vehicle admin goes through this service, as the API and commands do.
VehicleForm.set_active = staticmethod(set_vehicle_active)
