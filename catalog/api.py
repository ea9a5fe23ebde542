"""Catalogue API: search and read records (public), look up and maintain items (staff)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import selectors, services
from catalog.export import record_marc_response
from catalog.filters import ItemFilter, RecordSearchFilter
from catalog.models import Item, ItemType, Record
from catalog.search import Filters, search
from config.api import parse_count
from libraries.access import attach_staff
from libraries.models import Library
from libraries.permissions import requires
from libraries.policy import Action

MAX_LIMIT = 100


class RecordSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Record
        fields = [
            "id",
            "url",
            "title",
            "subtitle",
            "responsibility",
            "authors",
            "isbns",
            "issns",
            "year",
            "publisher",
            "language",
            "media_type",
            "audience",
            "subjects",
            "sab",
            "dewey",
            "series",
        ]

    def get_url(self, record: Record) -> str:
        return f"/post/{record.id}/"


class HoldingSerializer(serializers.Serializer):
    barcode = serializers.CharField(source="item.barcode")
    library = serializers.CharField(source="item.home_library.code")
    current_library = serializers.CharField(source="item.current_library.code")
    call_number = serializers.CharField(source="item.call_number")
    shelf_location = serializers.CharField(source="item.shelf_location")
    status = serializers.CharField()
    available = serializers.BooleanField()
    due = serializers.DateField(allow_null=True)
    label = serializers.CharField()


class RecordDetailSerializer(RecordSerializer):
    summary = serializers.CharField()
    holdings = serializers.SerializerMethodField()

    class Meta(RecordSerializer.Meta):
        fields = [*RecordSerializer.Meta.fields, "summary", "holdings"]

    def get_holdings(self, record: Record) -> list[dict]:
        groups = self.context["holdings"]
        return [HoldingSerializer(a).data for g in groups for a in g.items]


def _lib_id(code: str | None, libraries: dict[str, Library]) -> int | None:
    lib = libraries.get((code or "").upper())
    return lib.id if lib else None


SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q", OpenApiTypes.STR, description='title:, author:, subject:, isbn:, "phrase"'
    ),
    OpenApiParameter("library", OpenApiTypes.STR, description="library code holding a copy"),
    OpenApiParameter("available", OpenApiTypes.STR, description="library code, copy on the shelf"),
    OpenApiParameter("media", OpenApiTypes.STR),
    OpenApiParameter("language", OpenApiTypes.STR),
    OpenApiParameter("audience", OpenApiTypes.STR),
    OpenApiParameter("year_from", OpenApiTypes.INT),
    OpenApiParameter("year_to", OpenApiTypes.INT),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=["relevance", "newest", "title", "author"]),
    OpenApiParameter("limit", OpenApiTypes.INT),
    OpenApiParameter("offset", OpenApiTypes.INT),
]


@extend_schema(parameters=SEARCH_PARAMETERS, responses=RecordSerializer(many=True))
@api_view(["GET"])
@permission_classes([AllowAny])
def record_list(request: Request) -> Response:
    """Search the catalogue with the OPAC's search and facet filters; facets in the answer."""
    params = RecordSearchFilter(request.query_params)
    if not params.form.is_valid():
        raise ValidationError(params.form.errors)
    d = params.form.cleaned_data
    limit = max(
        1, parse_count(params.data.get("limit"), name="limit", default=20, maximum=MAX_LIMIT)
    )
    offset = parse_count(params.data.get("offset"), name="offset", default=0)
    libraries = {lib.code: lib for lib in Library.objects.all()}
    result = search(
        text=d.get("q") or "",
        filters=Filters(
            library=_lib_id(d.get("library"), libraries),
            available_at=_lib_id(d.get("available"), libraries),
            media_type=d.get("media") or "",
            language=(d.get("language") or "")[:3],
            audience=d.get("audience") or "",
            year_from=int(d["year_from"]) if d.get("year_from") else None,
            year_to=int(d["year_to"]) if d.get("year_to") else None,
        ),
        sort=d.get("sort") or "relevance",
        offset=offset,
        per_page=limit,
        browse=True,  # no query and no filter: every record, newest first
    )
    by_id = {lib.id: lib.code for lib in libraries.values()}
    f = result.facets
    return Response(
        {
            "count": result.total,
            # A broad search: more than "count" records match and the facets count the first
            # "count" of them (docs/catalog.md, "Search at scale").
            "count_is_lower_bound": result.broad,
            # "Did you mean": the query with misspelt words corrected, when nothing was found.
            "suggestion": result.suggestion,
            "results": RecordSerializer(result.records, many=True).data,
            "facets": {
                "library": {by_id[i]: n for i, n in f.library.items() if i in by_id},
                "available": {by_id[i]: n for i, n in f.available.items() if i in by_id},
                "media_type": dict(f.media_type),
                "language": dict(f.language),
                "audience": dict(f.audience),
                "decade": {str(k): v for k, v in f.decade},
            },
        }
    )


class PassthroughRenderer(BaseRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class MarcXMLRenderer(PassthroughRenderer):
    media_type = "application/marcxml+xml"
    format = "marcxml"


class MarcRenderer(PassthroughRenderer):
    media_type = "application/marc"
    format = "marc"
    charset = None


@extend_schema(
    parameters=[
        OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "marcxml", "marc"]),
    ],
    responses=RecordDetailSerializer,
)
@api_view(["GET"])
@permission_classes([AllowAny])
@renderer_classes([JSONRenderer, BrowsableAPIRenderer, MarcXMLRenderer, MarcRenderer])
def record_detail(request: Request, record_id: int) -> Response | HttpResponse:
    """One record with its holdings and availability; ``?format=marcxml`` or ``marc`` gives
    the MARC with holdings as 852."""
    fmt = request.accepted_renderer.format
    if fmt in ("marcxml", "marc"):
        return record_marc_response(record_id, fmt)
    try:
        record, holdings = selectors.record_with_holdings(record_id)
    except Record.DoesNotExist:
        return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
    return Response(RecordDetailSerializer(record, context={"holdings": holdings}).data)


class ItemSerializer(serializers.ModelSerializer):
    record = serializers.PrimaryKeyRelatedField(queryset=Record.objects.all())
    home_library = serializers.SlugRelatedField(slug_field="code", queryset=Library.objects.all())
    current_library = serializers.SlugRelatedField(slug_field="code", read_only=True)
    item_type = serializers.SlugRelatedField(slug_field="code", queryset=ItemType.objects.all())
    title = serializers.CharField(source="record.title", read_only=True)

    class Meta:
        model = Item
        fields = [
            "id",
            "barcode",
            "record",
            "title",
            "home_library",
            "current_library",
            "item_type",
            "call_number",
            "shelf_location",
            "status",
            "price",
            "acquired_on",
            "public_note",
            "loan_count",
            "last_borrowed_at",
        ]
        read_only_fields = ["status", "loan_count", "last_borrowed_at"]
        # Barcode uniqueness is the service's (a clear 400), not the serializer's extra query.
        extra_kwargs = {"barcode": {"validators": []}}


def _require_cataloguer(request: Request, library: Library | int) -> None:
    if not attach_staff(request._request).may(Action.CATALOGUE, library):
        raise PermissionDenied(_("You are not a cataloguer at that library."))


class ItemList(generics.ListCreateAPIView):
    """Items, filtered (``?barcode=`` is an exact lookup); cataloguers add items."""

    serializer_class = ItemSerializer
    filterset_class = ItemFilter
    permission_classes = [requires(Action.STAFF_AREA, write=Action.CATALOGUE)]
    queryset = Item.objects.select_related(
        "record", "home_library", "current_library", "item_type"
    ).order_by("id")

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        _require_cataloguer(request, d["home_library"])
        try:
            item = services.add_item(
                record=d["record"],
                data=services.ItemInput(
                    barcode=d["barcode"],
                    home_library=d["home_library"],
                    item_type=d["item_type"],
                    call_number=d.get("call_number", ""),
                    shelf_location=d.get("shelf_location", ""),
                    price=d.get("price"),
                    acquired_on=d.get("acquired_on"),
                    public_note=d.get("public_note", ""),
                ),
            )
        except services.CatalogError as exc:
            return Response({"reason": exc.reason, "message": exc.message}, status=400)
        return Response(ItemSerializer(item).data, status=status.HTTP_201_CREATED)


@extend_schema(request=ItemSerializer, responses=ItemSerializer)
@api_view(["GET", "PATCH"])
@permission_classes([requires(Action.STAFF_AREA, write=Action.CATALOGUE)])
def item_detail(request: Request, item_id: int) -> Response:
    """Read an item; PATCH edits details, ``home_library`` moves it (cataloguer at both)."""
    item = get_object_or_404(
        Item.objects.select_related("record", "home_library", "current_library", "item_type"),
        pk=item_id,
    )
    if request.method == "GET":
        return Response(ItemSerializer(item).data)
    _require_cataloguer(request, item.home_library_id)
    serializer = ItemSerializer(item, data=request.data, partial=True)
    serializer.is_valid(raise_exception=True)
    d = dict(serializer.validated_data)
    if "barcode" in d or "record" in d:
        raise ValidationError({"detail": _("barcode and record cannot be changed")})
    try:
        to_library = d.pop("home_library", None)
        if to_library and to_library.id != item.home_library_id:
            _require_cataloguer(request, to_library)
            item = services.move_item(item=item, to_library=to_library)
        if d:
            item = services.update_item(item=item, changes=d)
    except services.CatalogError as exc:
        return Response({"reason": exc.reason, "message": exc.message}, status=400)
    item = Item.objects.select_related(
        "record", "home_library", "current_library", "item_type"
    ).get(pk=item.pk)
    return Response(ItemSerializer(item).data)
