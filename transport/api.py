"""Transport API: transfers (filtered, paginated) and the route planner's answer."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from libraries.models import Library
from libraries.permissions import requires
from libraries.policy import Action
from transport import routing, selectors
from transport.filters import TransferFilter
from transport.models import Transfer


class TransferSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.barcode")
    title = serializers.CharField(source="item.record.title")
    from_library = serializers.CharField(source="from_library.code")
    to_library = serializers.CharField(source="to_library.code")
    next_stops = serializers.ListField(source="remaining_stops", child=serializers.CharField())

    class Meta:
        model = Transfer
        fields = [
            "id",
            "item",
            "title",
            "from_library",
            "to_library",
            "reason",
            "state",
            "route",
            "current_hop",
            "next_stops",
            "expected_arrival",
            "route_problem",
            "missing_since",
            "created_at",
            "closed_at",
        ]


class TransferList(generics.ListAPIView):
    """Transfers, newest first; filter by item barcode, from, to, state or library."""

    serializer_class = TransferSerializer
    permission_classes = [requires(Action.TRANSPORT)]
    filterset_class = TransferFilter
    queryset = Transfer.objects.select_related(
        "item__record", "from_library", "to_library"
    ).order_by("-created_at", "-id")


class HopSerializer(serializers.Serializer):
    link = serializers.IntegerField(source="link_id")
    from_library = serializers.CharField(source="origin")
    to_library = serializers.CharField(source="destination")
    departs = serializers.DateTimeField()
    arrives = serializers.DateTimeField()
    kind = serializers.CharField()


@extend_schema(
    parameters=[
        OpenApiParameter("from", OpenApiTypes.STR, required=True),
        OpenApiParameter("to", OpenApiTypes.STR, required=True),
        OpenApiParameter("at", OpenApiTypes.DATETIME, description="default: now"),
    ],
    responses={200: HopSerializer(many=True)},
)
@api_view(["GET"])
@permission_classes([requires(Action.STAFF_AREA)])
def route(request: Request) -> Response:
    """The planner's earliest-arriving route between two libraries, leaving at ``at``."""
    start, destination = request.query_params.get("from", ""), request.query_params.get("to", "")
    codes = set(Library.objects.values_list("code", flat=True))
    if start not in codes or destination not in codes:
        return Response(
            {"reason": "unknown_library", "detail": _("from and to must be library codes")},
            status=status.HTTP_400_BAD_REQUEST,
        )
    now = timezone.now()
    if request.query_params.get("at"):
        try:
            now = datetime.fromisoformat(request.query_params["at"])
        except ValueError:
            return Response(
                {"reason": "bad_time", "detail": _("at must be an ISO 8601 date-time")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if timezone.is_naive(now):
            now = now.replace(tzinfo=routing.STOCKHOLM)
    try:
        planned = routing.plan_route(
            selectors.load_network(now=now), start=start, destination=destination, now=now
        )
    except routing.NoRoute as refused:
        return Response(
            {"reason": refused.reason, "detail": refused.message, "missing": refused.missing},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    names = selectors.library_names()
    return Response(
        {
            "from": start,
            "to": destination,
            "at": now.isoformat(),
            "arrives": planned.arrives.astimezone(routing.STOCKHOLM).isoformat(),
            "description": " → ".join(names[code] for code in planned.stops),
            "hops": HopSerializer(planned.hops, many=True).data,
        }
    )


class TransferSummarySerializer(serializers.Serializer):
    """The transfer a check-in started or advanced, for the check-in response.

    Use as ``transfer = TransferSummarySerializer(source="extra.transfer", default=None)``.
    """

    id = serializers.IntegerField()
    destination = serializers.CharField(source="to_library.code")
    next_hop = serializers.SerializerMethodField()
    stops = serializers.ListField(source="remaining_stops", child=serializers.CharField())
    expected_arrival = serializers.DateTimeField(allow_null=True)
    state = serializers.CharField()

    def get_next_hop(self, transfer: Transfer) -> str:
        return selectors.next_hop_description(transfer)
