"""Staff shell pages: choose a working library, the desk start page, health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from libraries.access import SESSION_KEY, attach_staff, staff_required


@login_required
def choose_library(request: HttpRequest) -> HttpResponse:
    """Pick the library the staff member works at now (any library they have a role at)."""
    access = attach_staff(request)
    if not access.is_staff:
        raise PermissionDenied
    next_url = request.POST.get("next") or request.GET.get("next") or "/staff/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/staff/"
    if request.method == "POST":
        try:
            library = access.library(int(request.POST.get("library", "")))
        except ValueError:
            library = None
        if library is not None:
            request.session[SESSION_KEY] = library.id
            return redirect(next_url)
    return render(
        request,
        "libraries/choose_library.html",
        {"libraries": access.libraries, "next": next_url},
    )


@staff_required()
def staff_home(request: HttpRequest) -> HttpResponse:
    """The desk start page for the working library."""
    return render(request, "libraries/staff_home.html")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and Redis reachability, for load balancers and monitoring."""
    from django.core.cache import cache

    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "1", timeout=5)
        checks["redis"] = "ok" if cache.get("healthz") == "1" else "error: no roundtrip"
    except Exception as exc:
        checks["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
