"""Staff cataloguing pages under /staff/catalog/ (role: cataloguer at the working library)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import jobs, marc, selectors, services
from catalog.forms import ImportForm, ItemEditForm, ItemForm, MarcForm, MoveForm, RecordForm
from catalog.marc_edit import MarcTextError, apply_common_fields, marc_text, parse_marc_text
from catalog.models import ImportJob, Item, Record
from catalog.search import search
from libraries.access import staff_required
from libraries.models import Library, StaffRole
from libraries.policy import Action

CATALOGUER = StaffRole.Role.CATALOGUER


def _today() -> str:
    return timezone.localdate().strftime("%y%m%d")


def _require_cataloguer_at(request: HttpRequest, library: Library | int) -> None:
    if not request.staff_access.may(Action.CATALOGUE, library):
        raise PermissionDenied


@staff_required(Action.CATALOGUE)
def index(request: HttpRequest) -> HttpResponse:
    """Find a record to catalogue; start a new one; see recent imports."""
    q = request.GET.get("q", "")
    result = search(text=q, with_facets=False) if q else None
    return render(
        request,
        "catalog/index.html",
        {"q": q, "result": result, "imports": ImportJob.objects.all()[:5]},
    )


@staff_required(Action.CATALOGUE)
def record_new(request: HttpRequest) -> HttpResponse:
    """Create a record from the common-fields form."""
    form = RecordForm(request.POST or None, initial={"language": "swe"})
    if request.method == "POST" and form.is_valid():
        try:
            record = services.create_record(
                marc_record=apply_common_fields(form.common_fields(), today_yymmdd=_today())
            )
        except services.CatalogError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Record created."))
            return redirect("catalog:record", record_id=record.id)
    return render(request, "catalog/record_form.html", {"form": form})


@staff_required(Action.CATALOGUE)
def record_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    """A record for cataloguing: the form, the MARC editor and the items."""
    try:
        record, holdings = selectors.record_with_holdings(record_id)
    except Record.DoesNotExist:
        return render(request, "catalog/missing.html", status=404)
    form = RecordForm(initial=RecordForm.initial_for(record))
    marc_form = MarcForm(initial={"marc": marc_text(marc.from_iso2709(bytes(record.marc)))})
    return _detail(request, record, holdings, form=form, marc_form=marc_form)


def _detail(request, record, holdings, *, form, marc_form, item_form=None, status=200):
    access = request.staff_access
    item_form = item_form or ItemForm(initial={"home_library": request.working_library})
    items = [
        (a, access.has(CATALOGUER, a.item.home_library_id))
        for group in holdings
        for a in group.items
    ]
    withdrawn = record.items.filter(status=Item.Status.WITHDRAWN).count()
    return render(
        request,
        "catalog/record_detail.html",
        {
            "record": record,
            "items": items,
            "withdrawn": withdrawn,
            "form": form,
            "marc_form": marc_form,
            "item_form": item_form,
            "move_form": MoveForm(),
        },
        status=status,
    )


@staff_required(Action.CATALOGUE)
def record_edit(request: HttpRequest, record_id: int) -> HttpResponse:
    """Save the common-fields form into the record's MARC."""
    record, holdings = selectors.record_with_holdings(record_id)
    form = RecordForm(request.POST)
    if form.is_valid():
        existing = marc.from_iso2709(bytes(record.marc))
        updated = apply_common_fields(form.common_fields(), existing, today_yymmdd=_today())
        try:
            services.update_record(record=record, marc_record=updated)
        except services.CatalogError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Record saved."))
            return redirect("catalog:record", record_id=record.id)
    marc_form = MarcForm(initial={"marc": marc_text(marc.from_iso2709(bytes(record.marc)))})
    return _detail(request, record, holdings, form=form, marc_form=marc_form, status=400)


@staff_required(Action.CATALOGUE)
def record_marc(request: HttpRequest, record_id: int) -> HttpResponse:
    """Save the MARC editor: every tag, indicator and subfield code is checked first."""
    record, holdings = selectors.record_with_holdings(record_id)
    marc_form = MarcForm(request.POST)
    if marc_form.is_valid():
        try:
            parsed = parse_marc_text(marc_form.cleaned_data["marc"])
            services.update_record(record=record, marc_record=parsed)
        except MarcTextError as exc:
            for problem in exc.problems:
                marc_form.add_error("marc", problem)
        except services.CatalogError as exc:
            marc_form.add_error("marc", exc.message)
        else:
            messages.success(request, _("MARC saved."))
            return redirect("catalog:record", record_id=record.id)
    form = RecordForm(initial=RecordForm.initial_for(record))
    return _detail(request, record, holdings, form=form, marc_form=marc_form, status=400)


@staff_required(Action.CATALOGUE)
def record_delete(request: HttpRequest, record_id: int) -> HttpResponse:
    """Delete a record that has no items."""
    record = get_object_or_404(Record, pk=record_id)
    if request.method != "POST":
        return redirect("catalog:record", record_id=record.id)
    try:
        services.delete_record(record=record)
    except services.CatalogError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:record", record_id=record.id)
    messages.success(request, _("Record deleted."))
    return redirect("catalog:index")


@staff_required(Action.CATALOGUE)
def item_add(request: HttpRequest, record_id: int) -> HttpResponse:
    """Add a copy (barcode checked) for a library where the staff member catalogues."""
    record, holdings = selectors.record_with_holdings(record_id)
    item_form = ItemForm(request.POST)
    if item_form.is_valid():
        d = item_form.cleaned_data
        _require_cataloguer_at(request, d["home_library"])
        try:
            services.add_item(
                record=record,
                data=services.ItemInput(
                    barcode=d["barcode"],
                    home_library=d["home_library"],
                    item_type=d["item_type"],
                    call_number=d["call_number"],
                    shelf_location=d["shelf_location"],
                    price=d["price"],
                    acquired_on=d["acquired_on"],
                    public_note=d["public_note"],
                ),
            )
        except services.CatalogError as exc:
            item_form.add_error("barcode", exc.message)
        else:
            messages.success(request, _("Item %(barcode)s added.") % {"barcode": d["barcode"]})
            return redirect("catalog:record", record_id=record.id)
    form = RecordForm(initial=RecordForm.initial_for(record))
    marc_form = MarcForm(initial={"marc": marc_text(marc.from_iso2709(bytes(record.marc)))})
    return _detail(
        request, record, holdings, form=form, marc_form=marc_form, item_form=item_form, status=400
    )


def _item_for_change(request: HttpRequest, item_id: int) -> Item:
    item = get_object_or_404(Item, pk=item_id)
    _require_cataloguer_at(request, item.home_library_id)
    return item


@staff_required(Action.CATALOGUE)
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    """Edit a copy's details (only at a library where the staff member catalogues)."""
    item = _item_for_change(request, item_id)
    form = ItemEditForm(
        request.POST or None,
        initial={
            "item_type": item.item_type_id,
            "call_number": item.call_number,
            "shelf_location": item.shelf_location,
            "price": item.price,
            "acquired_on": item.acquired_on,
            "public_note": item.public_note,
            "condition": item.condition,
        },
    )
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        if not changes.get("condition"):
            changes.pop("condition", None)  # not sent: the copy keeps its condition
        services.update_item(item=item, changes=changes)
        messages.success(request, _("Item %(barcode)s saved.") % {"barcode": item.barcode})
        return redirect("catalog:record", record_id=item.record_id)
    return render(request, "catalog/item_form.html", {"item": item, "form": form})


@staff_required(Action.CATALOGUE)
def item_move(request: HttpRequest, item_id: int) -> HttpResponse:
    """Give a copy another home library (cataloguer at both libraries)."""
    item = _item_for_change(request, item_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        _require_cataloguer_at(request, form.cleaned_data["to_library"])
        try:
            services.move_item(item=item, to_library=form.cleaned_data["to_library"])
        except services.CatalogError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Item %(barcode)s moved.") % {"barcode": item.barcode})
    return redirect("catalog:record", record_id=item.record_id)


@staff_required(Action.CATALOGUE)
def item_withdraw(request: HttpRequest, item_id: int) -> HttpResponse:
    """Withdraw (weed) a copy."""
    item = _item_for_change(request, item_id)
    if request.method == "POST":
        try:
            services.withdraw_item(item=item)
        except services.CatalogError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Item %(barcode)s withdrawn.") % {"barcode": item.barcode})
    return redirect("catalog:record", record_id=item.record_id)


@staff_required(Action.CATALOGUE)
def import_start(request: HttpRequest) -> HttpResponse:
    """Upload a MARC file; its import runs as a background job."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > jobs.MAX_UPLOAD_BYTES:
            form.add_error("file", _("The file is too large (at most 200 MB)."))
        else:
            job = jobs.queue_import(
                upload=upload,
                library=request.working_library if form.cleaned_data["all_copies_here"] else None,
                dry_run=form.cleaned_data["dry_run"],
                user=request.user,
            )
            return redirect("catalog:import-job", job_id=job.id)
    return render(
        request, "catalog/import.html", {"form": form, "imports": ImportJob.objects.all()[:20]}
    )


@staff_required(Action.CATALOGUE)
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """An import's progress (htmx polls the fragment) and, when done, its report."""
    job = get_object_or_404(ImportJob, pk=job_id)
    template = "catalog/import_job.html#progress" if request.htmx else "catalog/import_job.html"
    return render(request, template, {"job": job})
