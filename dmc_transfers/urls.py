from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from dmc_transfers.health import HealthView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", HealthView.as_view(), name="healthz"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("docs", SpectacularSwaggerView.as_view(url_name="openapi"), name="docs"),
    path("", include("fleet.api.urls")),
    path("", include("bookings.api.urls")),
]

# Django's own error pages answer problem+json on API paths; the admin keeps HTML.
handler400 = "dmc_transfers.problems.bad_request"
handler403 = "dmc_transfers.problems.permission_denied"
handler404 = "dmc_transfers.problems.page_not_found"
handler500 = "dmc_transfers.problems.server_error"
