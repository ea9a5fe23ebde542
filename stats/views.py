"""Statistics pages for library admins (their libraries) and consortium admins (all, and the
whole consortium): the reports with charts and tables, CSV/XLSX export, population figures."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from libraries.access import Role, StaffAccess, staff_required
from libraries.models import Library
from stats import export, reports, rollups, selectors, services
from stats.forms import PopulationForm, ReportForm
from stats.models import Population
from stats.rollups import local_today


def _admin_libraries(access: StaffAccess) -> list[Library]:
    """The libraries whose statistics the staff member may see (library admin there)."""
    libraries = [lib for lib in access.libraries if access.has(Role.LIBRARY_ADMIN, lib)]
    if not libraries and not access.is_consortium_admin:
        raise PermissionDenied
    return libraries


def _scope(library_value: str, libraries: list[Library], consortium: bool) -> selectors.Scope:
    if not library_value:
        return selectors.ALL if consortium else selectors.Scope((libraries[0].id,))
    return selectors.Scope((int(library_value),))


def _build(slug: str, period: reports.Period, scope: selectors.Scope, data, now) -> reports.Report:
    if slug == "loans-per-inhabitant":
        return reports.loans_per_inhabitant(period, scope)
    if slug == "kb":
        return reports.kb_survey(period, scope)
    if slug == "flows":
        return reports.flows(period, scope)
    if slug == "holds-transport":
        return reports.holds_and_transport(period, scope)
    return reports.collection_use(period, scope, years=data["years"], now=now)


@staff_required(needs_library=False)
def report(request: HttpRequest, slug: str = "loans-per-inhabitant") -> HttpResponse:
    """One statistics report for a period and a library (or the consortium), or its export."""
    if slug not in reports.REPORTS:
        raise Http404
    access = request.staff_access
    libraries = _admin_libraries(access)
    now = timezone.now()
    params = request.GET.copy()
    if "library" not in params and not access.is_consortium_admin:
        working = request.working_library
        params["library"] = str(working.id if working in libraries else libraries[0].id)
    form = ReportForm(
        params, libraries=libraries, consortium=access.is_consortium_admin, today=local_today(now)
    )
    context = {"form": form, "slug": slug, "reports": reports.REPORTS.items()}
    if not form.is_valid():
        return render(request, "stats/report.html", context, status=400)
    data = form.cleaned_data
    period = reports.Period(data["start"], data["end"], rollups.complete_through())
    scope = _scope(data["library"], libraries, access.is_consortium_admin)
    result = _build(slug, period, scope, data, now)
    fmt = request.GET.get("format", "")
    filename = f"{slug}-{period.start.isoformat()}-{period.end.isoformat()}"
    if fmt == "csv":
        response = HttpResponse(export.as_csv(result), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(
            export.as_xlsx(result),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    query = params.copy()
    query.pop("format", None)
    context.update(report=result, period=period, query=query.urlencode())
    return render(request, "stats/report.html", context)


@staff_required(needs_library=False)
def population(request: HttpRequest) -> HttpResponse:
    """Inhabitants per library (municipality) and year; admins set their own libraries'."""
    access = request.staff_access
    libraries = [lib for lib in _admin_libraries(access) if lib.kind == Library.Kind.LIBRARY]
    if access.is_consortium_admin:
        libraries = list(Library.objects.members().order_by("name"))
    year = local_today(timezone.now()).year
    form = PopulationForm(request.POST or None, libraries=libraries, initial={"year": year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        library = next(lib for lib in libraries if str(lib.id) == data["library"])
        services.set_population(library=library, year=data["year"], inhabitants=data["inhabitants"])
        messages.success(request, _("The population was saved."))
        return redirect("stats:population")
    rows = Population.objects.filter(library__in=libraries).select_related("library")
    return render(
        request,
        "stats/population.html",
        {"form": form, "rows": rows, "libraries": libraries},
        status=400 if request.method == "POST" else 200,
    )
