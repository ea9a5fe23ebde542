"""The lending-rule editor, under /staff/rules/: the matrix of a library's (or the common) rules,
one cell's editor with its change log, the whole change log, and the rule tester.

Any staff member may look; library admins edit their own library's rules and consortium admins
the common rules and any library's (``rule_services.may_edit_rules``). Others get 403 on edits
and see no edit controls.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ItemType
from circulation import desk_selectors, rule_services
from circulation.forms import RuleCellForm, RuleTesterForm
from circulation.rules import FIELD_LABELS, RULE_FIELDS, STEPS
from libraries.access import staff_required
from libraries.models import Library
from libraries.policy import Action
from patrons.models import PatronCategory

COMMON = "common"
ANY = "any"


def _library(scope: str) -> Library | None:
    """``common`` → None (the common rules); a library code → that library."""
    if scope == COMMON:
        return None
    library = Library.objects.filter(code=scope).first()
    if library is None:
        raise Http404
    return library


def _category(code: str) -> PatronCategory | None:
    if code == ANY:
        return None
    category = PatronCategory.objects.filter(code=code).first()
    if category is None:
        raise Http404
    return category


def _item_type(code: str) -> ItemType | None:
    if code == ANY:
        return None
    item_type = ItemType.objects.filter(code=code).first()
    if item_type is None:
        raise Http404
    return item_type


def _scopes() -> list[tuple[str, str]]:
    return [(COMMON, _("Common rules")), *Library.objects.values_list("code", "name")]


@staff_required(Action.STAFF_AREA)
def index(request: HttpRequest) -> HttpResponse:
    """The rules of the library one works at."""
    return redirect("rules:matrix", scope=request.working_library.code)


@staff_required(Action.STAFF_AREA)
def matrix(request: HttpRequest, scope: str) -> HttpResponse:
    """Patron categories × item types: one field's (or every field's) effective value and source."""
    library = _library(scope)
    field = request.GET.get("field", "loan_period_days")
    if field not in RULE_FIELDS and field != "all":
        field = "loan_period_days"
    return render(
        request,
        "circulation/rules/matrix.html",
        {
            "matrix": desk_selectors.rule_matrix(library=library),
            "scope": scope,
            "scopes": _scopes(),
            "field": field,
            "field_label": FIELD_LABELS.get(field, ""),
            "fields": [(name, FIELD_LABELS[name]) for name in RULE_FIELDS],
            "can_edit": rule_services.may_edit_rules(request.staff_access, library),
        },
    )


@staff_required(Action.STAFF_AREA)
def cell(request: HttpRequest, scope: str, category: str, item_type: str) -> HttpResponse:
    """One cell: effective values with sources; admins of the scope set or clear its own values."""
    library, cat, typ = _library(scope), _category(category), _item_type(item_type)
    can_edit = rule_services.may_edit_rules(request.staff_access, library)
    data = desk_selectors.rule_cell(library=library, category=cat, item_type=typ)
    form = RuleCellForm(initial=RuleCellForm.initial_from(data.own), inherited=data.inherited)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = RuleCellForm(request.POST, inherited=data.inherited)
        if form.is_valid():
            try:
                rule_services.set_rule_fields(
                    library=library,
                    patron_category=cat,
                    item_type=typ,
                    values={name: form.cleaned_data[name] for name in RULE_FIELDS},
                    staff=request.user,
                    now=timezone.now(),
                )
            except rule_services.RuleRefused as refused:
                form.add_error(
                    refused.field if refused.field in form.fields else None, str(refused.message)
                )
            else:
                messages.success(request, _("The lending rule is saved."))
                return redirect(reverse("rules:cell", args=[scope, category, item_type]))
    return render(
        request,
        "circulation/rules/cell.html",
        {
            "data": data,
            "form": form,
            "scope": scope,
            "category_code": category,
            "item_type_code": item_type,
            "can_edit": can_edit,
        },
        status=400 if form.errors else 200,
    )


@staff_required(Action.STAFF_AREA)
def change_log(request: HttpRequest) -> HttpResponse:
    """Who changed which rule field when, old → new, for one scope."""
    scope = request.GET.get("scope") or request.working_library.code
    library = _library(scope)
    return render(
        request,
        "circulation/rules/log.html",
        {
            "changes": desk_selectors.rule_changes(library=library),
            "scope": scope,
            "scopes": _scopes(),
            "labels": FIELD_LABELS,
        },
    )


@staff_required(Action.STAFF_AREA)
def tester(request: HttpRequest) -> HttpResponse:
    """Which rule applies, field by field with its source: pick library, category and type, or
    give a real card and item barcode (posted, so card numbers stay out of URLs and logs)."""
    form = RuleTesterForm(request.POST or None, initial={"library": request.working_library})
    answer = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["card"]:
                answer = desk_selectors.effective_for_checkout(
                    card_number=data["card"],
                    barcode=data["barcode"],
                    loan_library=data["library"] or request.working_library,
                )
            else:
                answer = desk_selectors.effective_for(
                    library=data["library"], category=data["category"], item_type=data["item_type"]
                )
        except desk_selectors.TesterLookupError as error:
            form.add_error(None, str(error.message))
    return render(
        request,
        "circulation/rules/tester.html",
        {"form": form, "answer": answer, "steps": STEPS},
    )
