"""Circulation API: check out, check in, loans, renew, effective rules.

The working library is the staff session's (``request.working_library``) or an explicit
``library`` code, where the user must hold the desk role.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import ItemType
from circulation import refusals, renewals, rows, selectors, services
from circulation.filters import LoanFilter
from circulation.models import Fee, Loan
from circulation.rules import RULE_FIELDS
from config.api import validated_input
from libraries.access import attach_staff
from libraries.models import Library
from libraries.permissions import requires
from libraries.policy import Action
from patrons.models import PatronCategory
from transport.api import TransferSummarySerializer


class LoanSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.barcode")
    title = serializers.CharField(source="item.record.title")
    checkout_library = serializers.CharField(source="checkout_library.code")
    rules_library = serializers.CharField(source="rules_library.code")
    returned_library = serializers.CharField(source="returned_library.code", default=None)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Loan
        fields = [
            "id",
            "item",
            "title",
            "patron",
            "checkout_library",
            "rules_library",
            "checked_out_at",
            "due_at",
            "renewals",
            "returned_at",
            "returned_library",
            "end_reason",
            "overdue",
        ]

    def get_overdue(self, loan: Loan) -> bool:
        return loan.is_overdue(at=self.context.get("now") or timezone.now())


_DATETIME = serializers.DateTimeField()


def loan_data(loan: Loan, *, now) -> dict:
    """What ``LoanSerializer`` gives for ``loan``, built directly: the checkout and check-in
    answers are on the desk's hot path and a ModelSerializer builds its fields on every use."""
    returned_library = loan.returned_library
    return {
        "id": loan.pk,
        "item": loan.item.barcode,
        "title": loan.item.record.title,
        "patron": loan.patron_id,
        "checkout_library": loan.checkout_library.code,
        "rules_library": loan.rules_library.code,
        "checked_out_at": _DATETIME.to_representation(loan.checked_out_at),
        "due_at": _DATETIME.to_representation(loan.due_at),
        "renewals": loan.renewals,
        "returned_at": _DATETIME.to_representation(loan.returned_at),
        "returned_library": returned_library.code if returned_library else None,
        "end_reason": loan.end_reason,
        "overdue": loan.is_overdue(at=now),
    }


class FeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fee
        fields = ["id", "kind", "amount", "description", "state", "created_at"]


class RefusalSerializer(serializers.Serializer):
    reason = serializers.CharField()
    message = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    overridable = serializers.BooleanField()


def refused(error: refusals.CirculationRefused) -> Response:
    return Response(
        {
            "reason": error.reason,
            "message": str(error.message),
            "reasons": [r.reason for r in error.refusals],
            "overridable": error.overridable,
        },
        status=status.HTTP_409_CONFLICT,
    )


def working_library(request: Request, code: str | None) -> Library:
    """The explicit ``library`` (desk role required there) or the session's working library."""
    access = attach_staff(request._request)
    if code:
        code = code.strip().upper()
        # Where the staff member may work is known already (cached with the roles).
        library = next((lib for lib in access.libraries if lib.code == code), None)
        library = library or Library.objects.filter(code=code).first()
        if library is None:
            raise ValidationError({"library": _("Unknown library code.")})
    else:
        library = getattr(request._request, "working_library", None)
        if library is None:
            raise ValidationError(
                {"library": _("Give a library code or choose a working library.")}
            )
    if not access.may(Action.CIRCULATE, library):
        raise PermissionDenied(_("You have no desk role at this library."))
    return library


# The library a circulation call is made at: ``working_library`` or ``library``.
LIBRARY_PARAMS = ("working_library", "library")


class CheckoutIn(serializers.Serializer):
    card = serializers.CharField(max_length=32)
    barcode = serializers.CharField(max_length=32)
    library = serializers.CharField(max_length=8, required=False)
    override_reason = serializers.CharField(max_length=200, required=False)


class CheckinIn(serializers.Serializer):
    barcode = serializers.CharField(max_length=32)
    library = serializers.CharField(max_length=8, required=False)


class RenewIn(serializers.Serializer):
    library = serializers.CharField(max_length=8, required=False)
    override_reason = serializers.CharField(max_length=200, required=False)


class CheckinOut(serializers.Serializer):
    action = serializers.CharField()
    destination = serializers.CharField(source="destination.code", default=None)
    message = serializers.CharField()
    was_on_loan = serializers.BooleanField()
    loan = serializers.SerializerMethodField()
    fee = FeeSerializer(allow_null=True)
    hold = serializers.SerializerMethodField(help_text="the hold the item was caught for")
    transfer = TransferSummarySerializer(source="extra.transfer", default=None, allow_null=True)

    @extend_schema_field(LoanSerializer(allow_null=True))
    def get_loan(self, result) -> dict | None:
        if result.loan is None:
            return None
        return loan_data(result.loan, now=self.context.get("now") or timezone.now())

    def get_hold(self, result) -> dict | None:
        hold = result.extra.get("hold")
        if hold is None:
            return None
        return {"id": hold.pk, "state": hold.state, "pickup_library": hold.pickup_library.code}


@extend_schema(request=CheckoutIn, responses={201: LoanSerializer, 409: RefusalSerializer})
@api_view(["POST"])
@permission_classes([requires(Action.CIRCULATE, params=LIBRARY_PARAMS)])
def checkouts(request: Request) -> Response:
    """Lend an item (barcode) to the patron with this card at the working library."""
    data = validated_input(CheckoutIn, request.data)
    library = working_library(request, data.get("library"))
    now = timezone.now()
    try:
        loan = services.check_out(
            card_number=data["card"],
            barcode=data["barcode"],
            library=library,
            staff=request.user,
            now=now,
            override_reason=data.get("override_reason"),
        )
    except refusals.CheckoutRefused as error:
        return refused(error)
    return Response(loan_data(loan, now=now), status=status.HTTP_201_CREATED)


@extend_schema(request=CheckinIn, responses={200: CheckinOut, 409: RefusalSerializer})
@api_view(["POST"])
@permission_classes([requires(Action.CIRCULATE, params=LIBRARY_PARAMS)])
def checkins(request: Request) -> Response:
    """Take an item back at the working library; the answer says what to do with it."""
    data = validated_input(CheckinIn, request.data)
    library = working_library(request, data.get("library"))
    now = timezone.now()
    try:
        result = services.check_in(
            barcode=data["barcode"], library=library, staff=request.user, now=now
        )
    except refusals.CheckinRefused as error:
        return refused(error)
    return Response(checkin_data(result, now=now))


def checkin_data(result: services.CheckinResult, *, now) -> dict:
    """What ``CheckinOut`` gives for ``result``, built directly (the check-in answer is on the
    desk's hot path); the rarer fee, hold and transfer parts through their serializers."""
    destination = result.destination
    hold = result.extra.get("hold")
    transfer = result.extra.get("transfer")
    return {
        "action": str(result.action),
        "destination": destination.code if destination is not None else None,
        "message": str(result.message),
        "was_on_loan": bool(result.was_on_loan),
        "loan": loan_data(result.loan, now=now) if result.loan is not None else None,
        "fee": FeeSerializer(result.fee).data if result.fee is not None else None,
        "hold": (
            {"id": hold.pk, "state": hold.state, "pickup_library": hold.pickup_library.code}
            if hold is not None
            else None
        ),
        "transfer": TransferSummarySerializer(transfer).data if transfer is not None else None,
    }


class LoanList(generics.ListAPIView):
    """Loans, newest first; filter by patron, item barcode, open, overdue, library."""

    serializer_class = LoanSerializer
    permission_classes = [requires(Action.CIRCULATE)]
    filterset_class = LoanFilter
    queryset = Loan.objects.select_related(
        "item__record", "checkout_library", "rules_library", "returned_library"
    ).order_by("-checked_out_at", "-id")


@extend_schema(request=RenewIn, responses={200: LoanSerializer, 409: RefusalSerializer})
@api_view(["POST"])
@permission_classes([requires(Action.CIRCULATE, params=LIBRARY_PARAMS)])
def renew(request: Request, loan_id: int) -> Response:
    """Renew one loan from today."""
    data = validated_input(RenewIn, request.data)
    library = working_library(request, data.get("library"))
    now = timezone.now()
    try:
        # The service locks the loan by id and reads what it needs: no need to load it first.
        loan = renewals.renew(
            loan=rows.partial_instance(Loan, id=loan_id),
            library=library,
            staff=request.user,
            now=now,
            override_reason=data.get("override_reason"),
        )
    except refusals.RenewalRefused as error:
        if error.reason == refusals.NOT_ON_LOAN and not Loan.objects.filter(pk=loan_id).exists():
            raise Http404 from None  # no such loan: the refusal path only pays the query
        return refused(error)
    return Response(loan_data(loan, now=now))  # the service's loan has what the answer shows


@extend_schema(
    parameters=[
        OpenApiParameter("library", OpenApiTypes.STR, description="code; empty: common rules"),
        OpenApiParameter("category", OpenApiTypes.STR, required=True),
        OpenApiParameter("item_type", OpenApiTypes.STR, required=True),
    ],
    responses={
        200: inline_serializer(
            "EffectiveRule",
            {
                "library": serializers.CharField(allow_null=True),
                "category": serializers.CharField(),
                "item_type": serializers.CharField(),
                "fields": serializers.DictField(),
            },
        )
    },
)
@api_view(["GET"])
@permission_classes([requires(Action.STAFF_AREA)])
def effective_rule(request: Request) -> Response:
    """The lending rule that applies to (library, category, item type), with each field's source."""
    params = request.query_params
    code = params.get("library", "").strip().upper()
    library = get_object_or_404(Library, code=code) if code else None
    category = PatronCategory.objects.filter(code=params.get("category", "").upper()).first()
    item_type = ItemType.objects.filter(code=params.get("item_type", "").upper()).first()
    if category is None or item_type is None:
        raise ValidationError({"detail": _("Give a known category and item_type code.")})
    effective = selectors.effective_rule(library=library, category=category, item_type=item_type)
    fields = {}
    for name in RULE_FIELDS:
        source = effective.sources[name]
        value = effective.value(name)
        fields[name] = {
            "value": str(value) if hasattr(value, "quantize") else value,
            "source": {
                "step": source.step.number,
                "local": source.is_local,
                "label": source.step.label,
                "rule": source.rule_id,
            },
        }
    return Response(
        {
            "library": library.code if library else None,
            "category": category.code,
            "item_type": item_type.code,
            "fields": fields,
        }
    )
