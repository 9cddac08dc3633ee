"""GET /healthz: is this process up and can it reach its database?"""
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dmc_transfers.openapi import problems


class HealthView(APIView):
    # Public, and it must not touch the database before it means to.
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Liveness and database check",
        auth=[],
        responses={
            200: inline_serializer(
                "Health", {"status": serializers.CharField(default="ok"), "database": serializers.CharField(default="ok")}
            ),
            **problems((503, "service_unavailable", "The database is unreachable; try again shortly.")),
        },
    )
    def get(self, request):
        # A database error propagates to the exception handler: 503 with Retry-After.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Response({"status": "ok", "database": "ok"})
