"""Staff pages of the weeding and storage plan (/staff/collection/): the agenda, weeding lists
(build, review, execute), criteria and the yearly report. Role: cataloguer at the working
library; criteria: the library's admin (local) or the consortium admin (common)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collection import services
from collection.forms import CriteriaForm, DecisionForm, RoundForm, StartListForm
from collection.models import WeedingCandidate, WeedingCriteria, WeedingList, WeedingRound
from libraries.access import staff_required
from libraries.models import Library, StaffRole
from libraries.policy import Action

CATALOGUER = StaffRole.Role.CATALOGUER
PER_PAGE = 100


def _own_list(request: HttpRequest, list_id: int) -> WeedingList:
    wl = get_object_or_404(WeedingList.objects.select_related("library"), pk=list_id)
    if not request.staff_access.may(Action.CATALOGUE, wl.library_id):
        raise PermissionDenied
    return wl


@staff_required(Action.CATALOGUE)
def overview(request: HttpRequest) -> HttpResponse:
    library = request.working_library
    year = _year(request)
    rounds = WeedingRound.objects.filter(library=library, planned_on__year=year).select_related(
        "responsible"
    )
    criteria, sources = services.criteria_for(library)
    return render(
        request,
        "collection/overview.html",
        {
            "year": year,
            "rounds": rounds,
            "lists": WeedingList.objects.filter(library=library)[:20],
            "start_form": StartListForm(library=library),
            "round_form": RoundForm(library=library),
            "criteria": criteria,
            "sources": sources,
        },
    )


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@require_POST
@staff_required(Action.CATALOGUE)
def round_new(request: HttpRequest) -> HttpResponse:
    form = RoundForm(request.POST, library=request.working_library)
    if form.is_valid():
        d = form.cleaned_data
        services.book_round(
            library=request.working_library,
            section=d["section"],
            planned_on=d["planned_on"],
            responsible=d["responsible"],
            note=d["note"],
        )
        messages.success(request, _("Weeding round booked."))
        return redirect(f"{_overview_url()}?year={d['planned_on'].year}")
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(_overview_url())


def _overview_url() -> str:
    from django.urls import reverse

    return reverse("collection:overview")


@require_POST
@staff_required(Action.CATALOGUE)
def list_new(request: HttpRequest) -> HttpResponse:
    form = StartListForm(request.POST, library=request.working_library)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_overview_url())
    d = form.cleaned_data
    wl = services.start_list(
        library=request.working_library,
        staff=request.user,
        now=timezone.now(),
        item_type_id=d["item_type"].pk if d["item_type"] else None,
        shelf_prefix=d["shelf_prefix"],
        conditions=tuple(d["conditions"]),
        weeding_round=d["weeding_round"],
    )
    return redirect("collection:list", list_id=wl.pk)


@staff_required(Action.CATALOGUE)
def list_detail(request: HttpRequest, list_id: int) -> HttpResponse:
    wl = _own_list(request, list_id)
    if request.htmx and request.GET.get("progress"):
        return render(request, "collection/list.html#progress", {"wl": wl})
    candidates = wl.candidates.select_related(
        "item", "item__record", "item__item_type", "transfer_to"
    ).order_by("item__shelf_location", "item__call_number", "id")
    show = request.GET.get("show", "")
    if show == "protected":
        candidates = candidates.filter(Q(last_copy=True) | Q(last_outside_storage=True))
    elif show == "undecided":
        candidates = candidates.filter(decision=WeedingCandidate.Decision.UNDECIDED)
    page = Paginator(candidates, PER_PAGE).get_page(request.GET.get("page"))
    summary = wl.candidates.aggregate(
        total=Count("id"),
        protected=Count("id", filter=Q(last_copy=True) | Q(last_outside_storage=True)),
        undecided=Count("id", filter=Q(decision="undecided")),
        weed=Count("id", filter=Q(decision="weed")),
        storage=Count("id", filter=Q(decision="storage")),
        transfer=Count("id", filter=Q(decision="transfer")),
        keep=Count("id", filter=Q(decision="keep")),
    )
    libraries = Library.objects.exclude(pk=wl.library_id).order_by("name")
    return render(
        request,
        "collection/list.html",
        {
            "wl": wl,
            "page": page,
            "summary": summary,
            "show": show,
            "libraries": libraries,
            "decisions": WeedingCandidate.Decision.choices,
        },
    )


@require_POST
@staff_required(Action.CATALOGUE)
def decide(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = get_object_or_404(
        WeedingCandidate.objects.select_related("weeding_list"), pk=candidate_id
    )
    wl = _own_list(request, candidate.weeding_list_id)
    form = DecisionForm(request.POST)
    error = ""
    if form.is_valid():
        d = form.cleaned_data
        try:
            candidate = services.decide(
                candidate=candidate,
                decision=d["decision"],
                staff=request.user,
                now=timezone.now(),
                transfer_to=d["transfer_to"],
                override_reason=d["override_reason"],
            )
        except services.CollectionRefused as exc:
            error = exc.message
    else:
        error = _("Choose what to do with the copy.")
    candidate = WeedingCandidate.objects.select_related(
        "item", "item__record", "item__item_type", "transfer_to"
    ).get(pk=candidate.pk)
    libraries = Library.objects.exclude(pk=wl.library_id).order_by("name")
    context = {
        "wl": wl,
        "c": candidate,
        "error": error,
        "libraries": libraries,
        "decisions": WeedingCandidate.Decision.choices,
    }
    if request.htmx:
        return render(request, "collection/list.html#row", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    return redirect("collection:list", list_id=wl.pk)


@require_POST
@staff_required(Action.CATALOGUE)
def execute(request: HttpRequest, list_id: int) -> HttpResponse:
    wl = _own_list(request, list_id)
    try:
        counts = services.execute_list(weeding_list=wl, staff=request.user, now=timezone.now())
    except services.CollectionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Done: %(weeded)s weeded, %(stored)s sent to storage, %(transferred)s "
                "transferred, %(refused)s could not be handled (see the list)."
            )
            % counts,
        )
    return redirect("collection:list", list_id=wl.pk)


@staff_required(Action.STAFF_AREA)
def criteria(request: HttpRequest) -> HttpResponse:
    """The library's own criteria (its admin) or the common ones (the consortium admin)."""
    common = request.GET.get("common") == "1" or request.POST.get("common") == "1"
    access = request.staff_access
    if common and not access.is_consortium_admin:
        raise PermissionDenied
    library = None if common else request.working_library
    if not common and not access.has(StaffRole.Role.LIBRARY_ADMIN, library):
        raise PermissionDenied
    row = WeedingCriteria.objects.filter(library=library).first()
    form = CriteriaForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.library = library
        saved.save()
        messages.success(request, _("Weeding criteria saved."))
        return redirect("collection:overview")
    return render(request, "collection/criteria.html", {"form": form, "common": common})


@staff_required(Action.CATALOGUE)
def report(request: HttpRequest) -> HttpResponse:
    """Weeded, stored and last copies saved per library and year (from finished lists)."""
    rows = (
        WeedingList.objects.filter(state=WeedingList.State.EXECUTED)
        .annotate(year=ExtractYear("executed_at"))
        .values("library__name", "year")
        .annotate(lists=Count("id"))
        .order_by("-year", "library__name")
    )
    done = (
        WeedingCandidate.objects.filter(
            weeding_list__state=WeedingList.State.EXECUTED, outcome="done"
        )
        .annotate(year=ExtractYear("weeding_list__executed_at"))
        .values("weeding_list__library__name", "year")
        .annotate(
            weeded=Count("id", filter=Q(decision="weed")),
            stored=Count("id", filter=Q(decision="storage")),
            transferred=Count("id", filter=Q(decision="transfer")),
            saved=Count("id", filter=Q(last_copy=True) & Q(decision__in=["storage", "transfer"])),
        )
    )
    by_key = {(d["weeding_list__library__name"], d["year"]): d for d in done}
    table = [{**row, **by_key.get((row["library__name"], row["year"]), {})} for row in rows]
    kept = WeedingRound.objects.aggregate(saved=Sum("last_copies_saved"))["saved"] or 0
    return render(request, "collection/report.html", {"table": table, "kept": kept})
