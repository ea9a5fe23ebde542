"""The public catalogue (OPAC) pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from libraries.models import Library


def home(request: HttpRequest) -> HttpResponse:
    """The OPAC start page: search box and the member libraries."""
    return render(request, "opac/home.html", {"libraries": Library.objects.all()})
