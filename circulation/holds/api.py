"""Holds API for staff: list (filters, pagination) and place; cancel; pause/resume."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Item, Record
from circulation.holds import selectors, services
from circulation.holds.models import Hold
from libraries.models import Library
from libraries.permissions import requires
from libraries.policy import Action
from patrons.models import Patron


class HoldFilter(django_filters.FilterSet):
    patron = django_filters.NumberFilter(field_name="patron_id", label="patron id")
    record = django_filters.NumberFilter(field_name="record_id", label="record id")
    state = django_filters.ChoiceFilter(choices=Hold.State.choices)
    pickup_library = django_filters.CharFilter(
        field_name="pickup_library__code", label="pickup library (code)"
    )
    active = django_filters.BooleanFilter(
        method="filter_active", label="waiting, on its way or ready"
    )

    class Meta:
        model = Hold
        fields = ["patron", "record", "state", "pickup_library", "active"]

    def filter_active(self, queryset, name, value):
        active = queryset.filter(state__in=Hold.ACTIVE_STATES)
        return active if value else queryset.exclude(state__in=Hold.ACTIVE_STATES)


class HoldSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="record.title", read_only=True)
    pickup_library = serializers.CharField(source="pickup_library.code", read_only=True)
    item = serializers.CharField(source="item.barcode", default=None, read_only=True)
    requested_item = serializers.CharField(
        source="requested_item.barcode", default=None, read_only=True
    )
    position = serializers.SerializerMethodField()

    class Meta:
        model = Hold
        fields = [
            "id",
            "patron",
            "record",
            "title",
            "requested_item",
            "pickup_library",
            "state",
            "position",
            "placed_at",
            "suspended_until",
            "item",
            "pickup_deadline",
            "closed_at",
        ]

    def get_position(self, hold: Hold) -> int | None:
        return getattr(hold, "position", None) if hold.state == Hold.State.WAITING else None


class PlaceHoldIn(serializers.Serializer):
    patron = serializers.IntegerField()
    record = serializers.IntegerField()
    pickup_library = serializers.CharField(max_length=8)
    item = serializers.CharField(max_length=32, required=False, help_text="barcode: item-level")


class SuspendIn(serializers.Serializer):
    until = serializers.DateField(allow_null=True, help_text="empty/null resumes the hold")


def refused(error: services.HoldRefused) -> Response:
    return Response(
        {"reason": error.reason, "message": str(error.message)}, status=status.HTTP_409_CONFLICT
    )


class HoldList(generics.ListAPIView):
    """Holds, newest first; filter by patron, record, state, pickup library, active. POST places
    a hold (free of charge)."""

    serializer_class = HoldSerializer
    filterset_class = HoldFilter
    permission_classes = [requires(Action.HOLDS)]

    def get_queryset(self):
        return selectors.holds_for_api()

    @extend_schema(request=PlaceHoldIn, responses={201: HoldSerializer})
    def post(self, request: Request) -> Response:
        data = PlaceHoldIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        patron = get_object_or_404(Patron.objects.current(), pk=v["patron"])
        record = get_object_or_404(Record, pk=v["record"])
        pickup = get_object_or_404(Library, code=v["pickup_library"].strip().upper())
        item = get_object_or_404(Item, barcode=v["item"]) if v.get("item") else None
        try:
            hold = services.place_hold(
                patron=patron,
                record=record,
                pickup_library=pickup,
                item=item,
                staff=request.user,
                now=timezone.now(),
            )
        except services.HoldRefused as error:
            return refused(error)
        hold = selectors.holds_for_api().get(pk=hold.pk)
        return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED)


def _answer(hold_id: int) -> Response:
    return Response(HoldSerializer(selectors.holds_for_api().get(pk=hold_id)).data)


@extend_schema(request=None, responses={200: HoldSerializer})
@api_view(["POST"])
@permission_classes([requires(Action.HOLDS)])
def cancel(request: Request, hold_id: int) -> Response:
    """Cancel a hold (a copy on the hold shelf goes on to the next hold or home)."""
    hold = get_object_or_404(Hold, pk=hold_id)
    try:
        services.cancel_hold(hold=hold, now=timezone.now(), staff=request.user, reason="api")
    except services.HoldRefused as error:
        return refused(error)
    return _answer(hold_id)


@extend_schema(request=SuspendIn, responses={200: HoldSerializer})
@api_view(["POST"])
@permission_classes([requires(Action.HOLDS)])
def suspend(request: Request, hold_id: int) -> Response:
    """Pause a waiting hold until a date (inclusive), or resume it with ``until: null``."""
    data = SuspendIn(data=request.data)
    data.is_valid(raise_exception=True)
    hold = get_object_or_404(Hold, pk=hold_id)
    try:
        services.suspend_hold(hold=hold, until=data.validated_data["until"], now=timezone.now())
    except services.HoldRefused as error:
        return refused(error)
    return _answer(hold_id)
