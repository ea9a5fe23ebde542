"""Copy cataloguing (/staff/catalog/copy/): search an external SRU catalogue (LIBRIS by
default), preview a record's MARC, and take it into ours with a copy at the working library.
Role: cataloguer at the working library."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from catalog import copying, marc, services
from catalog.marc_edit import marc_text
from interop import sru_client
from interop.forms import CopyItemForm, CopySearchForm
from libraries.access import staff_required
from libraries.policy import Action

PER_PAGE = 10


def _target() -> str:
    return settings.COPY_CATALOGUING_SRU_URL


def _ask(cql: str, start: int, maximum: int) -> sru_client.SruAnswer:
    return sru_client.search(
        _target(), cql, start=start, maximum=maximum, timeout=settings.COPY_CATALOGUING_TIMEOUT
    )


def _digest(record) -> str:
    return hashlib.sha256(marc.to_iso2709(record)).hexdigest()


@staff_required(Action.CATALOGUE)
def copy_search(request: HttpRequest) -> HttpResponse:
    form = CopySearchForm(request.GET or None)
    context: dict = {"form": form, "target": _target()}
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        cql = sru_client.cql_for(d["q"], d["index"] or "any")
        page = d["page"] or 1
        try:
            answer = _ask(cql, (page - 1) * PER_PAGE + 1, PER_PAGE)
        except sru_client.SruClientError as exc:
            context["problem"] = str(exc)
        else:
            hits = []
            for offset, record in enumerate(answer.records):
                data = marc.extract(record)
                found = copying.match(copying.bibliographic_only(record))
                position = (page - 1) * PER_PAGE + 1 + offset
                query = urlencode({"q": d["q"], "index": d["index"] or "any", "pos": position})
                hits.append(
                    {
                        "data": data,
                        "match": found,
                        "preview": f"{reverse('interop:copy-record')}?{query}",
                    }
                )
            context.update(
                answer=answer,
                hits=hits,
                page=page,
                has_next=page * PER_PAGE < answer.total,
                next_query=urlencode({"q": d["q"], "index": d["index"] or "any", "page": page + 1}),
            )
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "interop/copy_search.html", context, status=status)


@staff_required(Action.CATALOGUE)
def copy_record(request: HttpRequest) -> HttpResponse:
    """Preview one record of the search (GET) and copy it with an item (POST)."""
    search_form = CopySearchForm(request.GET)
    try:
        position = int(request.GET.get("pos", ""))
    except ValueError:
        position = 0
    if not search_form.is_valid() or not 1 <= position <= 500:
        messages.error(request, _("Search again: that search result is no longer known."))
        return redirect("interop:copy")
    d = search_form.cleaned_data
    context: dict = {"q": d["q"], "index": d["index"] or "any", "position": position}
    try:
        answer = _ask(sru_client.cql_for(d["q"], d["index"] or "any"), position, 1)
    except sru_client.SruClientError as exc:
        return render(request, "interop/copy_record.html", {**context, "problem": str(exc)})
    if not answer.records:
        messages.error(request, _("The external catalogue no longer has that record."))
        return redirect("interop:copy")
    record = copying.bibliographic_only(answer.records[0])
    digest = _digest(record)
    form = CopyItemForm(request.POST or None, initial={"digest": digest})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["digest"] != digest:
            form.add_error(None, _("The record changed in the external catalogue. Check it again."))
        else:
            response = _copy(request, record, form)
            if response is not None:
                return response
    context.update(
        form=form,
        marc=marc_text(record),
        data=marc.extract(record),
        problems=marc.validate(record),
        match=copying.match(record),
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "interop/copy_record.html", context, status=status)


def _copy(request: HttpRequest, record, form: CopyItemForm) -> HttpResponse | None:
    d = form.cleaned_data
    try:
        with transaction.atomic():
            stored, created = copying.match_or_create(record)
            services.add_item(
                record=stored,
                data=services.ItemInput(
                    barcode=d["barcode"],
                    home_library=request.working_library,
                    item_type=d["item_type"],
                    call_number=d["call_number"],
                    shelf_location=d["shelf_location"],
                ),
            )
    except services.CatalogError as exc:
        form.add_error("barcode" if exc.reason == "duplicate_barcode" else None, exc.message)
        return None
    if created:
        messages.success(request, _("Record copied and item %(barcode)s added.") % d)
    else:
        messages.success(
            request, _("The record was already in the catalogue: item %(barcode)s added.") % d
        )
    return redirect("catalog:record", record_id=stored.id)
