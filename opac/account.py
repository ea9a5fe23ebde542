"""The patron's own pages in the OPAC: log in with card + PIN, "My account", data export.

No URL here carries a patron id: every page shows the logged-in patron's own data only.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circulation.selectors import account_summary, fees_of_patron, loans_of_patron
from libraries import throttle
from patrons import services
from patrons.forms import ChangePinForm, OpacLoginForm, OwnDetailsForm
from patrons.models import Card, PatronBlock
from patrons.opac_auth import (
    LoginRefused,
    authenticate_patron,
    login_patron,
    logout_patron,
    patron_required,
    refresh_pin_fingerprint,
)
from patrons.personnummer import format_personnummer


def login(request: HttpRequest) -> HttpResponse:
    """Log in with library card number and PIN."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/konto/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/konto/"
    form = OpacLoginForm(request.POST or None)
    if request.method == "POST" and not throttle.allow(
        throttle.OPAC_LOGIN, throttle.client_address(request)
    ):
        form.is_valid()
        form.add_error(None, _("Too many login attempts from this computer. Try again later."))
        return render(request, "opac/login.html", {"form": form, "next": next_url}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            patron = authenticate_patron(
                card_number=form.cleaned_data["card_number"],
                pin=form.cleaned_data["pin"],
                now=timezone.now(),
            )
        except LoginRefused as refused:
            form.add_error(None, str(refused.message))
        else:
            login_patron(request, patron)
            return redirect(next_url)
    return render(request, "opac/login.html", {"form": form, "next": next_url})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """End the patron's session."""
    logout_patron(request)
    return redirect("opac:home")


def _details_form(patron, data=None) -> OwnDetailsForm:
    initial = {name: getattr(patron, name) for name in OwnDetailsForm.base_fields}
    return OwnDetailsForm(data, initial=initial)


@patron_required
def account(request: HttpRequest) -> HttpResponse:
    """My account: what I owe, my loans with due dates and my holds at the top; then contact
    details, language, notices, PIN, my data."""
    patron = request.patron
    return render(
        request,
        "opac/account.html",
        {
            "patron": patron,
            "summary": account_summary(patron, now=timezone.now()),
            "form": _details_form(patron),
            "pin_form": ChangePinForm(),
        },
    )


@require_POST
@patron_required
def save_details(request: HttpRequest) -> HttpResponse:
    """Save contact details, language, notice channel and the loan-history choice."""
    patron = request.patron
    form = _details_form(patron, request.POST)
    if form.is_valid():
        try:
            patron = services.update_own_details(patron=patron, **form.cleaned_data)
        except services.PatronRefused as refused:
            field = refused.field if refused.field in form.fields else None
            form.add_error(field, str(refused.message))
        else:
            translation.activate(patron.preferred_language)
            messages.success(request, _("Your details are saved."))
            response = redirect("opac:account")
            response.set_cookie("django_language", patron.preferred_language, samesite="Lax")
            return response
    return render(
        request,
        "opac/account.html",
        {"patron": patron, "form": form, "pin_form": ChangePinForm()},
        status=400,
    )


@require_POST
@patron_required
def change_pin(request: HttpRequest) -> HttpResponse:
    """Change my PIN (the current PIN is needed); other sessions of mine end."""
    patron = request.patron
    form = ChangePinForm(request.POST)
    if form.is_valid():
        try:
            services.change_own_pin(
                patron=patron,
                current_pin=form.cleaned_data["current_pin"],
                new_pin=form.cleaned_data["new_pin"],
            )
        except services.PatronRefused as refused:
            field = refused.field if refused.field in form.fields else "new_pin"
            form.add_error(field, str(refused.message))
        else:
            refresh_pin_fingerprint(request, patron)
            messages.success(request, _("Your PIN is changed."))
            return redirect("opac:account")
    return render(
        request,
        "opac/account.html",
        {"patron": patron, "form": _details_form(patron), "pin_form": form},
        status=400,
    )


@patron_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Download everything the library keeps about me, as JSON."""
    patron = request.patron
    data = {
        "exported_at": timezone.now(),
        "patron": {
            "first_name": patron.first_name,
            "last_name": patron.last_name,
            "birth_date": patron.birth_date,
            "personnummer": format_personnummer(patron.personnummer or ""),
            "email": patron.email,
            "phone": patron.phone,
            "street": patron.street,
            "postal_code": patron.postal_code,
            "city": patron.city,
            "preferred_language": patron.preferred_language,
            "notice_channel": patron.notice_channel,
            "home_library": patron.home_library.name,
            "category": patron.category.name,
            "card_valid_until": patron.expiry_date,
            "keeps_loan_history": patron.keeps_loan_history,
            "registered_at": patron.created_at,
            "last_activity_at": patron.last_activity_at,
        },
        "cards": list(
            Card.objects.filter(patron=patron).values("number", "status", "issued_at", "ended_at")
        ),
        "blocks": list(
            PatronBlock.objects.filter(patron=patron).values("reason", "created_at", "removed_at")
        ),
        "loans": [
            {
                "title": loan.item.record.title,
                "barcode": loan.item.barcode,
                "checked_out_at": loan.checked_out_at,
                "due_at": loan.due_at,
                "returned_at": loan.returned_at,
            }
            for loan in loans_of_patron(patron, open_only=False)
        ],
        "fees": [
            {
                "kind": fee.kind,
                "amount": fee.amount,
                "description": fee.description,
                "created_at": fee.created_at,
                "state": fee.state,
            }
            for fee in fees_of_patron(patron)
        ],
    }
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="mina-uppgifter.json"'
    response["Cache-Control"] = "no-store"
    return response
