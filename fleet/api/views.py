from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.response import Response

from dmc_transfers.locations import created_location
from dmc_transfers.openapi import problems, validation_example
from dmc_transfers.permissions import HasRole
from fleet.api.serializers import VehicleSerializer
from fleet.filtersets import VehicleFilterSet
from fleet.models import Vehicle
from fleet.services import create_vehicle

VEHICLE_EXAMPLE = {
    "id": 3,
    "plate": "1234-ABC",
    "vehicle_type": "VAN",
    "capacity": 7,
    "is_active": True,
    "created_at": "2026-11-20T09:15:02.113000+01:00",
    "updated_at": "2026-11-20T09:15:02.113000+01:00",
}


class VehiclePermissions(DjangoModelPermissions):
    """Registering needs ``fleet.add_vehicle`` (coordinators, superusers); methods
    this API does not offer fall through to 405 instead of a 403."""

    perms_map = {**DjangoModelPermissions.perms_map, "PUT": [], "PATCH": [], "DELETE": []}


@extend_schema_view(
    list=extend_schema(
        summary="List vehicles",
        description="Paginated, by id. Filters: `is_active`, `vehicle_type`, `min_capacity`.",
        responses={
            200: VehicleSerializer(many=True),
            **problems(
                validation_example({"is_active": ["Select a valid choice. maybe is not one of the available choices."]}),
                (404, "not_found", "Invalid page."),
            ),
        },
    ),
    retrieve=extend_schema(
        summary="Read a vehicle",
        responses={200: VehicleSerializer, **problems((404, "not_found", "No Vehicle matches the given query."))},
    ),
    create=extend_schema(
        summary="Register a vehicle (coordinators)",
        request=VehicleSerializer,
        examples=[
            OpenApiExample("New van", value={"plate": "1234-abc", "vehicle_type": "VAN", "capacity": 7}, request_only=True),
            OpenApiExample("Created", value=VEHICLE_EXAMPLE, response_only=True, status_codes=[201]),
        ],
        responses={
            201: VehicleSerializer,
            **problems(
                validation_example({"capacity": ["Ensure this value is less than or equal to 99."]}),
                (409, "duplicate_plate", "A vehicle with plate 1234-ABC already exists."),
            ),
        },
    ),
)
class VehicleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Vehicles: every role reads them; registering one needs the ``fleet.add_vehicle``
    permission, which coordinators (and superusers) have."""

    queryset = Vehicle.objects.order_by("id")
    serializer_class = VehicleSerializer
    filterset_class = VehicleFilterSet
    permission_classes = [HasRole, VehiclePermissions]
    lookup_value_regex = "[0-9]+"

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        vehicle = create_vehicle(**serializer.validated_data)
        location = created_location(request, vehicle.pk)
        return Response(self.get_serializer(vehicle).data, status=status.HTTP_201_CREATED, headers={"Location": location})
