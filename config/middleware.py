"""Request hygiene for every page and API call (issue 12, items 5 and 9).

- ``reject_nul_bytes``: a NUL byte in the path, the query string or a form field is a 400 with a
  message, not a 500 from PostgreSQL (text cannot hold NUL).
- ``api_error_bodies``: under ``/api/`` every error answer is JSON (Django's own 404, 500 and
  oversized-request pages are HTML); an oversized request is 413 everywhere.
- ``content_security_policy``: every answer carries a Content-Security-Policy that allows the
  site's own scripts, styles and images only: no inline scripts, handlers or style attributes
  (they live in ``static/js`` and ``static/css``), no other origins, no framing.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    """A 400-class answer with a message: JSON on the API, plain text on pages."""
    if _is_api(request):
        return JsonResponse({"detail": message}, status=status)
    response = HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    response.status_code = status
    return response


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method == "POST" and content_type.startswith(FORM_TYPES):
        try:
            return any("\x00" in v for values in request.POST.lists() for v in values[1])
        except RequestDataTooBig:
            return False  # answered as 413 by api_error_bodies when the view reads it
    return False


def reject_nul_bytes(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return bad_request(request, _("The request contains a NUL character."))
        return get_response(request)

    return middleware


class api_error_bodies:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            _is_api(request)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
            and not response.streaming
        ):
            detail = {
                400: _("Bad request."),
                404: _("Not found."),
                405: _("Method not allowed."),
                413: _("The request is too large."),
                500: _("Server error."),
            }.get(response.status_code, response.reason_phrase)
            replaced = JsonResponse({"detail": str(detail)}, status=response.status_code)
            for header in ("Allow", "WWW-Authenticate", "Retry-After"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, RequestDataTooBig):
            return bad_request(request, _("The request is too large."), status=413)
        return None


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # data: for the API docs' icons
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def content_security_policy(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return middleware
