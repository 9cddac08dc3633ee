from django.urls import path
from rest_framework.routers import SimpleRouter

from bookings.api.views import AvailabilityView, TransferViewSet

router = SimpleRouter(trailing_slash=False)
router.register("transfers", TransferViewSet, basename="transfer")

urlpatterns = [
    path("availability", AvailabilityView.as_view(), name="availability"),
    *router.urls,
]
