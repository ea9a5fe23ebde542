"""Patron API for staff: list/create, read/patch, look up by card. Responses never carry the
full personnummer or the PIN hash."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import Pagination
from libraries import throttle
from libraries.models import Library
from libraries.permissions import requires
from libraries.policy import Action
from patrons import selectors, services
from patrons.filters import PatronFilter
from patrons.models import Card, Patron, PatronAccess, PatronCategory


class PatronSerializer(serializers.ModelSerializer):
    personnummer = serializers.CharField(source="masked_personnummer", read_only=True)
    home_library = serializers.CharField(source="home_library.code", read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)
    card_number = serializers.CharField(read_only=True, allow_null=True)
    open_blocks = serializers.ListField(
        source="open_block_reasons", child=serializers.CharField(), read_only=True
    )

    class Meta:
        model = Patron
        fields = [
            "id", "first_name", "last_name", "birth_date", "personnummer", "email", "phone",
            "street", "postal_code", "city", "preferred_language", "notice_channel",
            "home_library", "category", "guardian", "expiry_date", "keeps_loan_history",
            "card_number", "open_blocks", "created_at",
        ]  # fmt: skip


class PatronInputSerializer(serializers.Serializer):
    """Shapes input for the services; they validate the values."""

    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    birth_date = serializers.DateField(required=False, allow_null=True)
    personnummer = serializers.CharField(
        required=False, allow_blank=True, write_only=True, max_length=20
    )
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    street = serializers.CharField(required=False, allow_blank=True, max_length=200)
    postal_code = serializers.CharField(required=False, allow_blank=True, max_length=10)
    city = serializers.CharField(required=False, allow_blank=True, max_length=100)
    preferred_language = serializers.ChoiceField(Patron.Language.choices, required=False)
    notice_channel = serializers.ChoiceField(Patron.NoticeChannel.choices, required=False)
    home_library = serializers.SlugRelatedField(slug_field="code", queryset=Library.objects)
    category = serializers.SlugRelatedField(slug_field="code", queryset=PatronCategory.objects)
    guardian = serializers.PrimaryKeyRelatedField(
        queryset=Patron.objects.current(), required=False, allow_null=True
    )
    expiry_date = serializers.DateField(required=False, allow_null=True)
    staff_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class RegisterInputSerializer(PatronInputSerializer):
    card_number = serializers.CharField(max_length=32, write_only=True)
    pin = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=64)
    confirm_duplicate = serializers.BooleanField(required=False, default=False)


def _patrons():
    active = Card.objects.filter(patron=OuterRef("pk"), status=Card.Status.ACTIVE)
    return (
        selectors._with_open_blocks(Patron.objects.current())
        .select_related("home_library", "category")
        .annotate(card_number=Subquery(active.values("number")[:1]))
        .order_by("last_name", "first_name", "id")
    )


def _refused(refused: services.PatronRefused) -> ValidationError:
    detail = {refused.field or "non_field_errors": [str(refused.message)], "reason": refused.reason}
    if refused.duplicates:
        detail["duplicates"] = [p.pk for p in refused.duplicates]
    return ValidationError(detail)


@extend_schema(request=RegisterInputSerializer, responses=PatronSerializer(many=True))
@api_view(["GET", "POST"])
@permission_classes([requires(Action.PATRON_READ, write=Action.PATRON_WRITE)])
def patron_list(request: Request) -> Response:
    """List patrons (filters: card, name, email, phone, home_library, category) or register one.
    Each patron listed is written to the access log."""
    if request.method == "POST":
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        card, pin = values.pop("card_number"), values.pop("pin", "")
        confirm = values.pop("confirm_duplicate", False)
        try:
            patron = services.register_patron(
                details=services.PatronDetails(**values),
                card_number=card,
                pin=pin,
                staff=request.user,
                confirm_duplicate=confirm,
                now=timezone.now(),
            )
        except services.PatronRefused as refused:
            raise _refused(refused) from None
        return Response(
            PatronSerializer(_patrons().get(pk=patron.pk)).data, status=status.HTTP_201_CREATED
        )
    queryset = PatronFilter(request.query_params, queryset=_patrons()).qs
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request)
    services.log_access_many(  # every patron the list shows counts as read
        patrons=page,
        staff=request.user,
        library=getattr(request._request, "working_library", None),
        now=timezone.now(),
    )
    return paginator.get_paginated_response(PatronSerializer(page, many=True).data)


@extend_schema(request=PatronInputSerializer, responses=PatronSerializer)
@api_view(["GET", "PATCH"])
@permission_classes([requires(Action.PATRON_READ, write=Action.PATRON_WRITE)])
def patron_detail(request: Request, patron_id: int) -> Response:
    """Read or change one patron; every read is written to the access log."""
    patron = get_object_or_404(_patrons(), pk=patron_id)
    library = getattr(request._request, "working_library", None)
    action = PatronAccess.Action.API if request.method == "GET" else PatronAccess.Action.EDIT
    services.log_access(
        patron=patron, staff=request.user, library=library, action=action, now=timezone.now()
    )
    if request.method == "PATCH":
        data = PatronInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        current = services.PatronDetails(
            **{
                name: getattr(patron, name)
                for name in services.PatronDetails.__dataclass_fields__
                if name != "personnummer"
            },
            personnummer=patron.personnummer or "",
        )
        details = services.PatronDetails(**{**asdict_shallow(current), **data.validated_data})
        try:
            services.update_patron(patron=patron, details=details, now=timezone.now())
        except services.PatronRefused as refused:
            raise _refused(refused) from None
        patron = _patrons().get(pk=patron_id)
    return Response(PatronSerializer(patron).data)


def asdict_shallow(details: services.PatronDetails) -> dict:
    """Like dataclasses.asdict, without deep-copying the model instances inside."""
    return {name: getattr(details, name) for name in details.__dataclass_fields__}


@extend_schema(responses=PatronSerializer)
@api_view(["GET"])
@permission_classes([requires(Action.PATRON_READ)])
def patron_by_card(request: Request, number: str) -> Response:
    """The patron whose active card has this number (the read is written to the access log);
    404 tells whether the card is blocked. At most 120 look-ups a minute per staff account."""
    if not throttle.allow(throttle.CARD_LOOKUP, f"user:{request.user.pk}"):
        raise Throttled(wait=throttle.CARD_LOOKUP.window)
    patron = _patrons().filter(cards__number=number, cards__status=Card.Status.ACTIVE).first()
    if patron is None:
        return Response({"card_status": selectors.card_status(number)}, status=404)
    services.log_access(
        patron=patron,
        staff=request.user,
        library=getattr(request._request, "working_library", None),
        action=PatronAccess.Action.API,
        now=timezone.now(),
    )
    return Response(PatronSerializer(patron).data)
