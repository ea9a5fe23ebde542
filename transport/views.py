"""Staff transport pages: today's crates, arrivals, receiving, slips, links, statistics."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalog.models import Item, ItemType
from libraries.access import staff_required
from libraries.models import Library, StaffRole
from libraries.policy import Action
from transport import barcode, floating, moves, selectors, services
from transport.models import PackingList, Transfer, TransportLink
from transport.routing import STOCKHOLM

Role = StaffRole.Role


def _today() -> date:
    return timezone.now().astimezone(STOCKHOLM).date()


@staff_required(Action.TRANSPORT)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Transport at my library: outgoing crates, expected arrivals, transits, missing items."""
    library = request.working_library
    today = _today()
    return render(
        request,
        "transport/dashboard.html",
        {
            "today": today,
            "crates": selectors.outgoing_crates(library=library, day=today),
            "upcoming": selectors.upcoming_crates(library=library, after=today),
            "arrivals": selectors.expected_arrivals(library=library),
            "to_me": selectors.in_transit_to(library=library)[:200],
            "from_me": selectors.in_transit_from(library=library)[:200],
            "missing": selectors.missing_in_transport(library=library),
            "names": selectors.library_names(),
            "is_admin": request.staff_access.has(Role.LIBRARY_ADMIN, library),
        },
    )


@staff_required(Action.TRANSPORT)
def crate(request: HttpRequest, crate_id: int) -> HttpResponse:
    """One crate's packing list, printable with barcodes."""
    packing_list = get_object_or_404(
        PackingList.objects.select_related("link__from_library", "link__to_library"), id=crate_id
    )
    names = selectors.library_names()
    entries = [
        {
            "entry": entry,
            "barcode": mark_safe(barcode.svg(entry.transfer.item.barcode)),  # noqa: S308 - built from escaped parts
            "destination": names.get(entry.transfer.to_library.code),
        }
        for entry in selectors.crate_entries(packing_list)
    ]
    return render(request, "transport/crate.html", {"crate": packing_list, "entries": entries})


@require_POST
@staff_required(Action.TRANSPORT)
def close_crate(request: HttpRequest, crate_id: int) -> HttpResponse:
    """Close a crate early: its items leave now."""
    packing_list = get_object_or_404(PackingList, id=crate_id)
    if packing_list.link.from_library_id != request.working_library.id:
        raise PermissionDenied
    count = services.close_packing_list(
        packing_list_id=packing_list.id, staff=request.user, now=timezone.now()
    )
    messages.success(request, _("Crate closed: %(count)s items in transit.") % {"count": count})
    return redirect("transport:crate", crate_id=packing_list.id)


@staff_required(Action.TRANSPORT)
def slip(request: HttpRequest, transfer_id: int) -> HttpResponse:
    """The transit slip that travels with the item."""
    transfer = get_object_or_404(
        Transfer.objects.select_related("item__record", "from_library", "to_library"),
        id=transfer_id,
    )
    names = selectors.library_names()
    return render(
        request,
        "transport/slip.html",
        {
            "transfer": transfer,
            "stops": selectors.describe_stops(transfer, names),
            "barcode": mark_safe(barcode.svg(transfer.item.barcode)),  # noqa: S308
        },
    )


RECEIVE = "transport_receive"
MAX_RECEIVED = 500
OUTCOMES = ("arrived", "hub", "unexpected", "not_yet_sent", "error")


def _received_counts(rows: list[dict]) -> dict:
    """How many scans of this session ended how (the running totals above the list)."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for row in rows:
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    counts["total"] = len(rows) - counts["error"]
    return counts


def _receive_one(request: HttpRequest, code: str) -> dict:
    """Receive one scanned item; the outcome as a row of plain values (kept in the session)."""
    row: dict = {"barcode": code, "outcome": "error"}
    item = Item.objects.filter(barcode=code).select_related("record").first() if code else None
    if item is None:
        row["message"] = _("No item has the barcode %(barcode)s.") % {"barcode": code or "-"}
        return row
    receipt = services.receive_item(
        item=item, library=request.working_library, staff=request.user, now=timezone.now()
    )
    if receipt is None:
        row["message"] = _("The item %(barcode)s is not being sent anywhere.") % {"barcode": code}
        return row
    row.update(
        outcome=receipt.outcome,
        message=str(receipt.message),
        title=item.record.title,
        transfer=receipt.transfer.id,
        origin=receipt.transfer.from_library.name,
    )
    return row


@staff_required(Action.TRANSPORT)
def receive(request: HttpRequest) -> HttpResponse:
    """Arrival scanning: each item scanned here is received and added to a running list of
    this session (a crate being unpacked), newest first, with counts per outcome."""
    state = request.session.get(RECEIVE) or {"rows": [], "next": 1}
    if request.method == "POST":
        code = "".join(request.POST.get("barcode", "").split())
        if not code and request.htmx:
            return HttpResponse(status=204)  # an empty scan: nothing to do
        row = _receive_one(request, code)
        row["key"] = state["next"]
        state["next"] += 1
        state["rows"] = [row, *state["rows"]][:MAX_RECEIVED]
        request.session[RECEIVE] = state
        if not request.htmx:
            return redirect("transport:receive")
        context = {"row": row, "counts": _received_counts(state["rows"]), "fresh": True}
        return render(request, "transport/receive.html#scanned", context)
    return render(
        request,
        "transport/receive.html",
        {"rows": state["rows"], "counts": _received_counts(state["rows"])},
    )


@require_POST
@staff_required(Action.TRANSPORT)
def receive_clear(request: HttpRequest) -> HttpResponse:
    """Start a new list (the next crate)."""
    request.session.pop(RECEIVE, None)
    return redirect("transport:receive")


@staff_required(Action.TRANSPORT)
def send(request: HttpRequest) -> HttpResponse:
    """Send an item on the shelf here to another library (a manual move): barcode, destination."""
    others = Library.objects.exclude(id=request.working_library.id).order_by("kind", "name")
    form = {"barcode": "", "to": request.POST.get("to", "")}
    transfer = None
    error = ""
    if request.method == "POST":
        to_library = next((lib for lib in others if str(lib.id) == form["to"]), None)
        if to_library is None:
            error = _("Choose the library to send the item to.")
            form["barcode"] = request.POST.get("barcode", "")
        else:
            try:
                transfer = moves.send_item(
                    barcode=request.POST.get("barcode", ""),
                    from_library=request.working_library,
                    to_library=to_library,
                    staff=request.user,
                    now=timezone.now(),
                )
            except moves.MoveRefused as refused:
                error = str(refused.message)
    context = {"libraries": others, "form": form, "transfer": transfer, "error": error}
    if transfer is not None:
        context["instruction"] = selectors.next_hop_description(transfer)
    return render(request, "transport/send.html", context, status=400 if error else 200)


# --- Links and timetables (library admins for their own library, consortium admins all) ----


class LinkForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("weekdays"),
        choices=[
            (0, gettext_lazy("Monday")),
            (1, gettext_lazy("Tuesday")),
            (2, gettext_lazy("Wednesday")),
            (3, gettext_lazy("Thursday")),
            (4, gettext_lazy("Friday")),
            (5, gettext_lazy("Saturday")),
            (6, gettext_lazy("Sunday")),
        ],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = TransportLink
        fields = [
            "from_library",
            "to_library",
            "kind",
            "weekdays",
            "departure_time",
            "duration",
            "active",
            "note",
        ]
        widgets = {"departure_time": forms.TimeInput(attrs={"type": "time"})}
        help_texts = {"duration": gettext_lazy("hh:mm:ss, e.g. 00:40:00")}

    def clean(self):
        data = super().clean()
        if data.get("from_library") and data.get("from_library") == data.get("to_library"):
            raise forms.ValidationError(_("A link goes between two different libraries."))
        return data


def _may_edit(request: HttpRequest, link: TransportLink | None, data=None) -> bool:
    access = request.staff_access
    if access.is_consortium_admin:
        return True
    ends = [link.from_library_id, link.to_library_id] if link else []
    if data is not None:
        ends += [data.get("from_library"), data.get("to_library")]
    ids = {e.id if isinstance(e, Library) else e for e in ends if e}
    return bool(ids) and any(access.may(Action.LIBRARY_ADMIN, i) for i in ids)


@staff_required(Action.STAFF_AREA, needs_library=False)
def links(request: HttpRequest) -> HttpResponse:
    """The transport network: every link and its timetable."""
    rows = TransportLink.objects.select_related("from_library", "to_library")
    editable = {link.id for link in rows if _may_edit(request, link)}
    return render(request, "transport/links.html", {"links": rows, "editable": editable})


@staff_required(Action.STAFF_AREA, needs_library=False)
def link_edit(request: HttpRequest, link_id: int | None = None) -> HttpResponse:
    """Add or change a link (library admins: links touching their library)."""
    link = get_object_or_404(TransportLink, id=link_id) if link_id else None
    if link is not None and not _may_edit(request, link):
        raise PermissionDenied
    form = LinkForm(request.POST or None, instance=link)
    if request.method == "POST" and form.is_valid():
        if not _may_edit(request, link, form.cleaned_data):
            raise PermissionDenied
        form.save()
        messages.success(request, _("The link was saved."))
        return redirect("transport:links")
    return render(request, "transport/link_form.html", {"form": form, "link": link})


# --- Floating collections (library admins, their own library) -----------------------------


class FloatingForm(forms.Form):
    item_type = forms.ModelChoiceField(
        label=gettext_lazy("Item type"),
        queryset=ItemType.objects.order_by("code"),
        required=False,
        empty_label=gettext_lazy("Every item type"),
    )


@staff_required(Action.LIBRARY_ADMIN)
def floating_rules(request: HttpRequest) -> HttpResponse:
    """Which item types float where; the working library's admin adds and removes its own."""
    form = FloatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item_type = form.cleaned_data["item_type"]
        try:
            floating.declare_floating(library=request.working_library, item_type=item_type)
        except floating.FloatingRefused as refused:
            messages.error(request, str(refused.message))
        else:
            messages.success(request, _("Returned items stay here from now on."))
            return redirect("transport:floating")
    return render(
        request, "transport/floating.html", {"form": form, "rules": floating.floating_rules()}
    )


@require_POST
@staff_required(Action.LIBRARY_ADMIN)
def floating_remove(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Stop floating: items of the rule's type go home again when returned here."""
    try:
        floating.stop_floating(rule_id=rule_id, library=request.working_library)
    except floating.FloatingRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("The floating rule is removed."))
    return redirect("transport:floating")


# --- Statistics ----------------------------------------------------------------------------


def _parse_day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


@staff_required(Action.STAFF_AREA, needs_library=False)
def statistics(request: HttpRequest) -> HttpResponse:
    """How many items each library sent to each other library in a period."""
    today = _today()
    start = _parse_day(request.GET.get("start"), today - timedelta(days=30))
    end = _parse_day(request.GET.get("end"), today)
    if end < start:
        start, end = end, start
    matrix = selectors.transfer_matrix(start=start, end=end)
    return render(
        request, "transport/statistics.html", {"matrix": matrix, "start": start, "end": end}
    )
