"""Staff pages for the patron registry, under /staff/patrons/. Any desk staff may serve any
patron; every view of a record is written to the access log."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from libraries.access import staff_required
from libraries.models import StaffRole
from libraries.policy import Action
from patrons import selectors, services
from patrons.forms import (
    BlockForm,
    CardForm,
    MergeForm,
    PatronForm,
    PinForm,
    RegisterForm,
    SearchForm,
)
from patrons.models import Patron, PatronAccess, PatronBlock
from patrons.personnummer import format_personnummer

Role = StaffRole.Role


def _details(form: PatronForm) -> services.PatronDetails:
    """PatronDetails from a valid form; a guardian's card number that finds nobody refuses."""
    data = form.cleaned_data
    guardian = None
    if data["guardian_card"].strip():
        guardian = selectors.patron_by_card(data["guardian_card"])
        if guardian is None:
            raise services.PatronRefused(
                "guardian", _("No patron has this card number."), field="guardian_card"
            )
    return services.PatronDetails(
        first_name=data["first_name"],
        last_name=data["last_name"],
        personnummer=data["personnummer"],
        birth_date=data["birth_date"],
        category=data["category"],
        home_library=data["home_library"],
        guardian=guardian,
        email=data["email"],
        phone=data["phone"],
        street=data["street"],
        postal_code=data["postal_code"],
        city=data["city"],
        preferred_language=data["preferred_language"],
        notice_channel=data["notice_channel"],
        expiry_date=data["expiry_date"],
        staff_note=data["staff_note"],
    )


def _refused(form, refused: services.PatronRefused) -> None:
    field = refused.field if refused.field in form.fields else None
    if field == "guardian":
        field = "guardian_card"
    form.add_error(field, str(refused.message))


def _patron_or_404(patron_id: int) -> Patron:
    patron = selectors.patron_detail(patron_id)
    if patron is None or patron.anonymized_at is not None:
        raise Http404
    return patron


@staff_required(Action.PATRON_READ)
def search(request: HttpRequest) -> HttpResponse:
    """Find a patron. The term is POSTed so a personnummer never lands in a URL or a log."""
    form = SearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = selectors.search_patrons(term=form.cleaned_data["q"], today=timezone.localdate())
        if len(results) == 1:
            url = reverse("patrons:detail", args=[results[0].pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = "patrons/search.html#results" if request.htmx else "patrons/search.html"
    return render(request, template, {"form": form, "results": results})


@staff_required(Action.PATRON_WRITE)
def register(request: HttpRequest) -> HttpResponse:
    """Register a new patron with a first card (and PIN); duplicates need confirmation."""
    initial = {"home_library": request.working_library, "category": None}
    form = RegisterForm(request.POST or None, initial=initial)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            patron = services.register_patron(
                details=_details(form),
                card_number=form.cleaned_data["card_number"],
                pin=form.cleaned_data["pin"],
                staff=request.user,
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
                now=timezone.now(),
            )
        except services.PatronRefused as refused:
            _refused(form, refused)
            duplicates = refused.duplicates
        else:
            messages.success(request, _("Patron registered."))
            return redirect("patrons:detail", patron_id=patron.pk)
    return render(
        request,
        "patrons/register.html",
        {"form": form, "duplicates": duplicates, "suggested_card": services.new_card_number()},
    )


def _circulation_context(patron: Patron) -> dict:
    """Loans, holds and fees for patrons/_circulation.html: circulation's provider makes this one
    selector call (patron A's page shows only patron A's rows; patrons.selectors)."""
    return {"circulation": selectors.circulation_account(patron, now=timezone.now())}


def _detail_context(request: HttpRequest, patron: Patron, **extra) -> dict:
    return {
        "patron": patron,
        "cards": selectors.card_history(patron),
        "blocks": selectors.open_blocks(patron),
        "is_admin": request.staff_access.has(Role.LIBRARY_ADMIN, request.working_library),
        "card_form": CardForm(),
        "pin_form": PinForm(),
        "block_form": BlockForm(),
        "pin_locked": patron.is_pin_locked(now=timezone.now()),
        **_circulation_context(patron),
        **extra,
    }


@staff_required(Action.PATRON_READ)
def detail(request: HttpRequest, patron_id: int) -> HttpResponse:
    """A patron's record: details (personnummer masked), cards, blocks, PIN, circulation."""
    patron = _patron_or_404(patron_id)
    services.log_access(
        patron=patron, staff=request.user, library=request.working_library, now=timezone.now()
    )
    return render(request, "patrons/detail.html", _detail_context(request, patron))


@require_POST
@staff_required(Action.PATRON_READ)
def show_personnummer(request: HttpRequest, patron_id: int) -> HttpResponse:
    """Show the full personnummer to this staff member, once, and log that it was shown."""
    patron = _patron_or_404(patron_id)
    services.log_access(
        patron=patron,
        staff=request.user,
        library=request.working_library,
        action=PatronAccess.Action.SHOW_PERSONNUMMER,
        now=timezone.now(),
    )
    context = _detail_context(
        request, patron, full_personnummer=format_personnummer(patron.personnummer or "")
    )
    return render(request, "patrons/detail.html", context)


@staff_required(Action.PATRON_WRITE)
def edit(request: HttpRequest, patron_id: int) -> HttpResponse:
    """Edit a patron's details."""
    patron = _patron_or_404(patron_id)
    initial = {
        name: getattr(patron, name)
        for name in PatronForm.base_fields
        if name not in {"guardian_card", "personnummer"}
    }
    guardian_card = patron.guardian and selectors.active_card(patron.guardian)
    initial["guardian_card"] = guardian_card.number if guardian_card else ""
    form = PatronForm(request.POST or None, initial=initial)
    # The personnummer is not sent to the browser here; left blank, it stays as it is.
    form.fields["personnummer"].widget.attrs["placeholder"] = patron.masked_personnummer
    if request.method == "GET":
        services.log_access(
            patron=patron, staff=request.user, library=request.working_library, now=timezone.now()
        )
    if request.method == "POST" and form.is_valid():
        try:
            details = _details(form)
            if not details.personnummer.strip():
                details = replace(details, personnummer=patron.personnummer or "")
            services.update_patron(patron=patron, details=details, now=timezone.now())
        except services.PatronRefused as refused:
            _refused(form, refused)
        else:
            services.log_access(
                patron=patron,
                staff=request.user,
                library=request.working_library,
                action=PatronAccess.Action.EDIT,
                now=timezone.now(),
            )
            messages.success(request, _("Saved."))
            return redirect("patrons:detail", patron_id=patron.pk)
    return render(request, "patrons/edit.html", {"form": form, "patron": patron})


def _back(request: HttpRequest, patron: Patron, refused: services.PatronRefused | None = None):
    if refused is not None:
        messages.error(request, str(refused.message))
    return redirect("patrons:detail", patron_id=patron.pk)


@require_POST
@staff_required(Action.PATRON_WRITE)
def replace_card(request: HttpRequest, patron_id: int) -> HttpResponse:
    """Issue a new card; the old number stops working at once."""
    patron = _patron_or_404(patron_id)
    form = CardForm(request.POST)
    if not form.is_valid():
        return _back(request, patron, services.PatronRefused("card", _("Enter a card number.")))
    try:
        services.replace_card(
            patron=patron, new_number=form.cleaned_data["card_number"], now=timezone.now()
        )
    except services.PatronRefused as refused:
        return _back(request, patron, refused)
    messages.success(request, _("New card issued. The old card is blocked."))
    return _back(request, patron)


@require_POST
@staff_required(Action.PATRON_WRITE)
def report_lost(request: HttpRequest, patron_id: int) -> HttpResponse:
    """Block the active card at once (the patron reported it lost)."""
    patron = _patron_or_404(patron_id)
    services.report_card_lost(patron=patron, now=timezone.now())
    messages.success(request, _("The card is blocked as lost."))
    return _back(request, patron)


@require_POST
@staff_required(Action.PATRON_WRITE)
def set_pin(request: HttpRequest, patron_id: int) -> HttpResponse:
    """Set a new PIN (this also lifts an OPAC lockout)."""
    patron = _patron_or_404(patron_id)
    try:
        services.set_pin(patron=patron, pin=request.POST.get("pin", ""))
    except services.PatronRefused as refused:
        return _back(request, patron, refused)
    messages.success(request, _("The PIN is set."))
    return _back(request, patron)


@require_POST
@staff_required(Action.PATRON_WRITE)
def unlock(request: HttpRequest, patron_id: int) -> HttpResponse:
    """Lift the OPAC lockout."""
    patron = _patron_or_404(patron_id)
    services.unlock_pin(patron=patron)
    messages.success(request, _("The account is unlocked."))
    return _back(request, patron)


@require_POST
@staff_required(Action.PATRON_WRITE)
def add_block(request: HttpRequest, patron_id: int) -> HttpResponse:
    """Block the patron from borrowing, with a reason."""
    patron = _patron_or_404(patron_id)
    try:
        services.add_block(
            patron=patron,
            reason=request.POST.get("reason", ""),
            library=request.working_library,
            staff=request.user,
            now=timezone.now(),
        )
    except services.PatronRefused as refused:
        return _back(request, patron, refused)
    messages.success(request, _("The block is added."))
    return _back(request, patron)


@require_POST
@staff_required(Action.PATRON_WRITE)
def remove_block(request: HttpRequest, patron_id: int, block_id: int) -> HttpResponse:
    """Lift a manual block."""
    block = get_object_or_404(PatronBlock.objects.open(), pk=block_id, patron_id=patron_id)
    services.remove_block(block=block, staff=request.user, now=timezone.now())
    messages.success(request, _("The block is removed."))
    return redirect("patrons:detail", patron_id=patron_id)


@staff_required(Action.PATRON_ADMIN)
def merge(request: HttpRequest, patron_id: int) -> HttpResponse:
    """Merge a duplicate record into this one (library admins)."""
    patron = _patron_or_404(patron_id)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        duplicate = selectors.patron_by_card(form.cleaned_data["duplicate_card"])
        if duplicate is None:
            form.add_error("duplicate_card", _("No patron has this card number."))
        else:
            try:
                services.merge_patrons(keep=patron, duplicate=duplicate, now=timezone.now())
            except services.PatronRefused as refused:
                form.add_error(None, str(refused.message))
            else:
                messages.success(request, _("The records are merged."))
                return redirect("patrons:detail", patron_id=patron.pk)
    return render(request, "patrons/merge.html", {"form": form, "patron": patron})


def _open_business(patron: Patron):
    return selectors.open_business(patron, now=timezone.now())


@staff_required(Action.PATRON_ADMIN)
def remove(request: HttpRequest, patron_id: int) -> HttpResponse:
    """Anonymize or delete a patron (library admins; no open loans, no debt)."""
    patron = _patron_or_404(patron_id)
    open_loans, debt = _open_business(patron)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "anonymize":
                services.anonymize_patron(
                    patron=patron,
                    staff=request.user,
                    now=timezone.now(),
                    open_loans=open_loans,
                    debt=debt,
                )
                messages.success(request, _("The patron is anonymized."))
            elif action == "delete":
                services.delete_patron(patron=patron, open_loans=open_loans, debt=debt)
                messages.success(request, _("The patron is deleted."))
            else:
                raise services.PatronRefused("action", _("Choose what to do."))
        except services.PatronRefused as refused:
            messages.error(request, str(refused.message))
        else:
            return redirect("patrons:search")
    return render(
        request,
        "patrons/remove.html",
        {"patron": patron, "open_loans": open_loans, "debt": debt},
    )


@staff_required(Action.PATRON_ADMIN)
def access_log(request: HttpRequest) -> HttpResponse:
    """Who opened which patron record, when and where (library admins: their library)."""
    rows = PatronAccess.objects.select_related("staff", "library", "patron")
    if not request.staff_access.is_consortium_admin:
        library = request.working_library
        rows = rows.filter(Q(library=library) | Q(patron__home_library=library))
    return render(request, "patrons/access_log.html", {"rows": rows[:300]})
