from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from libraries.models import Library
from libraries.permissions import requires
from libraries.policy import Action


class LibrarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Library
        fields = ["id", "code", "name", "kind", "municipality", "county", "population"]


@extend_schema(responses=LibrarySerializer(many=True))
@api_view(["GET"])
@permission_classes([requires(Action.STAFF_AREA)])
def library_list(request: Request) -> Response:
    """The consortium's libraries and service points."""
    return Response(LibrarySerializer(Library.objects.all(), many=True).data)
