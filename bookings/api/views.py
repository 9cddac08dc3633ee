from functools import partial

from django.conf import settings
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.api import examples
from bookings.api.availability import available_vehicle_rows
from bookings.api.transfer_reads import transfer_detail, transfer_page, transfer_representation, visible_transfer
from bookings.api.serializers import (
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    StatusChangeSerializer,
    TransferCreateSerializer,
    TransferListSerializer,
    TransferSerializer,
)
from bookings.choices import TransferStatus
from bookings.filtersets import TransferFilterSet
from bookings.idempotency import HEADER as IDEMPOTENCY_HEADER
from bookings.idempotency import idempotent
from bookings.models import Transfer
from bookings.roles import is_coordinator
from bookings.services import book_transfer, change_visible_status
from dmc_transfers.locations import created_location
from dmc_transfers.openapi import problems
from dmc_transfers.serializer_fields import represent_datetime
from dmc_transfers.sql import MAX_ID


def visible_owner(user):
    """The one rule of who sees which transfers: ``None`` for everyone's (coordinators), else the user's own id.

    Lists, filters, detail and status changes all apply it, so another
    integrator's transfer is a 404 everywhere.
    """
    return None if is_coordinator(user) else user.pk


def visible(read, pk, user):
    """``read(pk, owner_id=...)`` for the path's id, or 404: absent, not this user's, or past any BIGINT."""
    found = read(int(pk), owner_id=visible_owner(user)) if int(pk) <= MAX_ID else None
    if found is None:
        raise Http404("No Transfer matches the given query.")
    return found


@extend_schema_view(
    list=extend_schema(
        summary="List transfers",
        description="Paginated, by pickup_time then id. Integrators see their own transfers only. "
        "Each transfer without its `status_history` (read a transfer for it).",
        responses={200: TransferListSerializer(many=True), **problems(*examples.LIST_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="Read a transfer",
        responses={200: TransferSerializer, **problems(examples.NOT_FOUND)},
        examples=[examples.TRANSFER_RESPONSE],
    ),
    create=extend_schema(
        summary="Book a transfer",
        description=examples.CREATE_DESCRIPTION,
        request=TransferCreateSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Optional; printable, up to 255 characters, scoped to you, kept at least 24 h. "
                "A repeat with the same body replays the first 201; another body is 409 idempotency_key_reused.",
            )
        ],
        responses={201: TransferSerializer, **problems(*examples.CREATE_ERRORS)},
        examples=[examples.TRANSFER_REQUEST, examples.TRANSFER_CREATED],
    ),
    change_status=extend_schema(
        summary="Change a transfer's status",
        description=examples.STATUS_DESCRIPTION,
        request=StatusChangeSerializer,
        responses={200: TransferSerializer, **problems(*examples.STATUS_ERRORS)},
        examples=examples.STATUS_REQUESTS,
    ),
)
class TransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TransferSerializer
    filterset_class = TransferFilterSet
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        """Transfers this user sees (``visible_owner``), by pickup time then id."""
        queryset = Transfer.objects.order_by("pickup_time", "id")
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return queryset.none()
        owner_id = visible_owner(self.request.user)
        return queryset if owner_id is None else queryset.filter(created_by_id=owner_id)

    def list(self, request):
        transfers = self.filter_queryset(self.get_queryset())
        page = self.paginator.paginate_read(request, lambda offset, limit: transfer_page(transfers, offset, limit))
        return self.get_paginated_response(page)

    def retrieve(self, request, pk=None):
        # DRF's get_object in one statement (README, Performance); no list
        # filters and no object-level permissions to check.
        return Response(visible(transfer_detail, pk, request.user))

    @idempotent
    def create(self, request):
        serializer = TransferCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        transfer = book_transfer(by=request.user, **serializer.validated_data)
        return Response(
            transfer_representation(transfer),
            status=status.HTTP_201_CREATED,
            headers={"Location": created_location(request, transfer.pk)},
        )

    @action(detail=True, methods=["patch"], url_path="status")
    def change_status(self, request, pk=None):
        try:
            serializer = StatusChangeSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            target = serializer.validated_data["status"]
            if target != TransferStatus.CANCELLED and not is_coordinator(request.user):
                raise PermissionDenied("Integrators may only cancel their transfers (status CANCELLED).")
        except APIException:
            # API.md's order: a transfer this user does not see is a 404 before any of these.
            visible(visible_transfer, pk, request.user)
            raise
        # Found as this user sees it, locked and read in one round trip (else 404).
        changed = visible(
            partial(
                change_visible_status,
                target=target,
                by=request.user,
                driver_name=serializer.validated_data.get("driver_name"),
                note=serializer.validated_data.get("note"),
            ),
            pk,
            request.user,
        )
        return Response(transfer_representation(changed))


class AvailabilityView(APIView):
    @extend_schema(
        summary="Vehicles free at a local date and time",
        description="Every active vehicle seating `pax_count` that is not busy at the pickup, smallest capacity "
        "first, then by id. Not paginated.",
        parameters=[AvailabilityQuerySerializer],
        responses={200: AvailabilitySerializer, **problems(*examples.AVAILABILITY_ERRORS)},
        examples=[examples.AVAILABILITY_RESPONSE],
    )
    def get(self, request):
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        pickup_at, pax_count = query.validated_data["pickup_at"], query.validated_data["pax_count"]
        vehicles = available_vehicle_rows(pickup_at=pickup_at, pax_count=pax_count)
        answer = {
            "pickup_at": represent_datetime(pickup_at),
            "pax_count": pax_count,
            "window_minutes": settings.TRANSFER_CONFLICT_WINDOW_MINUTES,
            "count": len(vehicles),
            "results": vehicles,
        }
        return Response(answer)
