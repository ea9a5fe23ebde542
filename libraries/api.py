from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from libraries.models import Library


class LibrarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Library
        fields = ["id", "code", "name", "kind", "municipality", "county", "population"]


@extend_schema(responses=LibrarySerializer(many=True))
@api_view(["GET"])
def library_list(request: Request) -> Response:
    """The consortium's libraries and service points."""
    return Response(LibrarySerializer(Library.objects.all(), many=True).data)
