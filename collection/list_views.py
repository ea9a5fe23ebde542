"""Lists: staff build reading guides and "new at <library>" lists (/staff/collection/lists/);
the OPAC shows published ones with availability per library, as a printable leaflet (PDF)
and as RSS/Atom feeds (/listor/); patrons keep their own lists (/konto/listor/, private
unless they publish them)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.selectors import availability_summaries
from collection import lists
from collection.leaflet import leaflet_pdf
from collection.models import ReadingList
from libraries.access import staff_required
from libraries.policy import Action
from patrons.opac_auth import current_patron, patron_required

# --- staff ----------------------------------------------------------------------------------


def _staff_list(request: HttpRequest, list_id: int) -> ReadingList:
    reading_list = get_object_or_404(ReadingList, pk=list_id, library__isnull=False)
    if not request.staff_access.is_consortium_admin and reading_list.library_id not in {
        lib.id for lib in request.staff_access.libraries
    }:
        raise PermissionDenied
    return reading_list


@staff_required(Action.STAFF_AREA)
def staff_lists(request: HttpRequest) -> HttpResponse:
    library = request.working_library
    if request.method == "POST":
        kind = request.POST.get("kind", ReadingList.Kind.MANUAL)
        if kind not in ReadingList.Kind.values:
            kind = ReadingList.Kind.MANUAL
        try:
            created = lists.create_list(
                title=request.POST.get("title", ""),
                library=library,
                kind=kind,
                description=request.POST.get("description", "")[:2000],
            )
        except lists.ListRefused as exc:
            messages.error(request, exc.message)
        else:
            return redirect("collection:reading-list", list_id=created.pk)
    return render(
        request,
        "collection/reading_lists.html",
        {"lists": ReadingList.objects.filter(library=library), "kinds": ReadingList.Kind.choices},
    )


@staff_required(Action.STAFF_AREA)
def staff_list(request: HttpRequest, list_id: int) -> HttpResponse:
    reading_list = _staff_list(request, list_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add":
                record = lists.find_record(request.POST.get("record", ""))
                if record is None:
                    raise lists.ListRefused(
                        "not_found", _("No title with that number, ISBN or barcode.")
                    )
                lists.add_entry(
                    reading_list=reading_list, record=record, note=request.POST.get("note", "")
                )
                messages.success(request, _("Added: %(title)s") % {"title": record.title})
            elif action == "remove":
                lists.remove_entry(
                    reading_list=reading_list, record_id=int(request.POST.get("record_id", 0))
                )
            elif action == "publish":
                reading_list.public = request.POST.get("public") == "1"
                reading_list.save(update_fields=["public", "updated_at"])
            elif action == "details":
                reading_list.title = (
                    request.POST.get("title", "").strip()[:200] or reading_list.title
                )
                reading_list.description = request.POST.get("description", "")[:2000]
                if reading_list.kind == ReadingList.Kind.NEW:
                    days = request.POST.get("new_days", "")
                    if days.isdigit() and 1 <= int(days) <= 365:
                        reading_list.new_days = int(days)
                reading_list.save()
        except (lists.ListRefused, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Check the input.")))
        return redirect("collection:reading-list", list_id=reading_list.pk)
    records = lists.records_of(reading_list, today=timezone.localdate())
    return render(
        request,
        "collection/reading_list_edit.html",
        {"rl": reading_list, "records": records},
    )


# --- OPAC -----------------------------------------------------------------------------------


def public_lists(request: HttpRequest) -> HttpResponse:
    found = ReadingList.objects.filter(public=True, library__isnull=False).select_related("library")
    return render(request, "collection/opac_lists.html", {"lists": found})


def _visible(request: HttpRequest, list_id: int) -> ReadingList:
    reading_list = get_object_or_404(ReadingList.objects.select_related("library"), pk=list_id)
    if not lists.visible_to(reading_list, patron=current_patron(request)):
        raise Http404
    return reading_list


def opac_list(request: HttpRequest, list_id: int) -> HttpResponse:
    reading_list = _visible(request, list_id)
    records = lists.records_of(reading_list, today=timezone.localdate())
    patron = current_patron(request)
    availability = availability_summaries(records) if records else {}
    for record in records:
        record.availability = availability.get(record.id, [])
    return render(
        request,
        "collection/opac_list.html",
        {
            "rl": reading_list,
            "records": records,
            "own": patron is not None and reading_list.patron_id == patron.pk,
        },
    )


def opac_list_pdf(request: HttpRequest, list_id: int) -> HttpResponse:
    reading_list = _visible(request, list_id)
    records = lists.records_of(reading_list, today=timezone.localdate())
    footer = _("Bibliotek utan gränser – Degerfors, Hällefors, Karlskoga, Kristinehamn, Storfors")
    pdf = leaflet_pdf(
        title=reading_list.title,
        description=reading_list.description,
        records=records,
        availability=availability_summaries(records) if records else {},
        footer=f"{footer} · {request.build_absolute_uri(reverse('opac-list', args=[list_id]))}",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(reading_list.title) or "lista"
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


class ListFeed(Feed):
    """RSS 2.0 of a published list: its titles, newest entries first for "new" lists."""

    def get_object(self, request, list_id: int):
        reading_list = get_object_or_404(ReadingList, pk=list_id)
        if not reading_list.public:
            raise Http404
        return reading_list

    def title(self, obj):
        return obj.title

    def description(self, obj):
        return obj.description or obj.title

    def link(self, obj):
        return reverse("opac-list", args=[obj.pk])

    def items(self, obj):
        return lists.records_of(obj, today=timezone.localdate(), limit=100)

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        parts = [item.authors[0] if item.authors else "", str(item.year or "")]
        note = getattr(item, "list_note", "")
        return " · ".join(p for p in [*parts, note] if p)

    def item_link(self, item):
        return reverse("opac:record", args=[item.pk])


class ListAtomFeed(ListFeed):
    feed_type = Atom1Feed
    subtitle = ListFeed.description


# --- patrons' own lists ---------------------------------------------------------------------


@patron_required
def my_lists(request: HttpRequest) -> HttpResponse:
    patron = current_patron(request)
    if request.method == "POST":
        try:
            created = lists.create_list(title=request.POST.get("title", ""), patron=patron)
        except lists.ListRefused as exc:
            messages.error(request, exc.message)
        else:
            return redirect("opac-list", list_id=created.pk)
    return render(
        request, "collection/my_lists.html", {"lists": ReadingList.objects.filter(patron=patron)}
    )


@require_POST
@patron_required
def my_list_change(request: HttpRequest, list_id: int) -> HttpResponse:
    patron = current_patron(request)
    reading_list = get_object_or_404(ReadingList, pk=list_id, patron=patron)
    action = request.POST.get("action", "")
    try:
        if action == "add":
            record_id = request.POST.get("record_id", "")
            from catalog.models import Record

            record = (
                Record.objects.filter(pk=int(record_id)).first() if record_id.isdigit() else None
            )
            if record is None:
                raise lists.ListRefused("not_found", _("That title was not found."))
            lists.add_entry(reading_list=reading_list, record=record)
            messages.success(
                request, _("Saved in your list %(title)s.") % {"title": reading_list.title}
            )
            return redirect("opac:record", record_id=record.pk)
        if action == "remove":
            lists.remove_entry(
                reading_list=reading_list, record_id=int(request.POST.get("record_id", 0))
            )
        elif action == "publish":
            reading_list.public = request.POST.get("public") == "1"
            reading_list.save(update_fields=["public", "updated_at"])
        elif action == "delete":
            reading_list.delete()
            return redirect("my-lists")
    except (lists.ListRefused, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("Check the input.")))
    return redirect("opac-list", list_id=reading_list.pk)
