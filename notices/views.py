"""Staff pages of the notices: a patron's notices (and resend), printed letters, templates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from libraries.access import staff_required
from libraries.policy import Action
from notices import compose, defaults, sandbox, selectors, services
from notices.forms import TemplateForm
from notices.models import Kind, LetterBatch, Notice
from patrons.models import Patron


@staff_required(Action.PATRON_READ)
def patron_notices(request: HttpRequest, patron_id: int) -> HttpResponse:
    """What was sent to a patron (type, channel, time; not the text), with a resend button."""
    patron = get_object_or_404(Patron.objects.current(), pk=patron_id)
    context = {"patron": patron, "notices": selectors.notices_of_patron(patron.pk)}
    if request.htmx:
        return render(request, "notices/patron.html#notice-list", context)
    return render(request, "notices/patron.html", context)


@require_POST
@staff_required(Action.PATRON_WRITE)
def resend(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Send a notice again (after a failure, or when the patron asks)."""
    notice = get_object_or_404(Notice, pk=notice_id, patron__anonymized_at__isnull=True)
    services.resend(notice=notice, staff=request.user, now=timezone.now())
    messages.success(request, _("The notice will be sent again."))
    return redirect("notices:patron", patron_id=notice.patron_id)


@staff_required(Action.CIRCULATE)
def letters(request: HttpRequest) -> HttpResponse:
    """Printed letters of the working library: how many wait, print a batch, earlier batches."""
    library = request.working_library
    context = {
        "library": library,
        **selectors.letters_of_library(library.pk),
        "failed": selectors.failed_notices(library.pk),
    }
    return render(request, "notices/letters.html", context)


@require_POST
@staff_required(Action.CIRCULATE)
def print_letters(request: HttpRequest) -> HttpResponse:
    """Gather the waiting letters into a batch and open its PDF."""
    batch = services.print_letters(
        library=request.working_library, staff=request.user, now=timezone.now()
    )
    if batch is None:
        messages.info(request, _("No letters are waiting."))
        return redirect("notices:letters")
    return redirect("notices:letter-pdf", batch_id=batch.pk)


@staff_required(Action.CIRCULATE)
def letter_pdf(request: HttpRequest, batch_id: int) -> HttpResponse:
    """One batch of letters as a PDF (for window envelopes)."""
    batch = get_object_or_404(LetterBatch.objects.select_related("library"), pk=batch_id)
    if not request.staff_access.may(Action.CIRCULATE, batch.library):
        raise PermissionDenied
    response = HttpResponse(services.batch_pdf(batch), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="brev-{batch.library.code}-{batch.created_at:%Y%m%d}-{batch.pk}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


def _consortium_admin(request: HttpRequest) -> None:
    if not request.staff_access.is_consortium_admin:
        raise PermissionDenied


@staff_required()
def templates(request: HttpRequest) -> HttpResponse:
    """The notice templates, per kind and language (consortium admins edit them)."""
    _consortium_admin(request)
    edited = selectors.edited_templates()
    rows = [
        (kind, label, [(lang, (kind, lang) in edited) for lang in ("sv", "en")])
        for kind, label in Kind.choices
    ]
    return render(request, "notices/templates.html", {"rows": rows})


@staff_required()
def edit_template(request: HttpRequest, kind: str, language: str) -> HttpResponse:
    """Edit one template; "Preview" renders it for a made-up patron without saving."""
    _consortium_admin(request)
    if (kind, language) not in defaults.DEFAULTS:
        raise Http404
    current = compose.template_for(kind, language)
    form = TemplateForm(request.POST or None, initial={**current})
    preview, status = None, 200
    if request.method == "POST":
        action = request.POST.get("action", "preview")
        if action == "reset":
            services.reset_template(kind=kind, language=language)
            messages.success(request, _("The built-in text is back."))
            return redirect("notices:templates")
        if form.is_valid():
            data = form.cleaned_data
            try:
                template = {"subject": data["subject"], "body": data["body"], "sms": data["sms"]}
                if action == "save":
                    services.save_template(
                        kind=kind, language=language, subject=data["subject"],
                        body=data["body"], sms_text=data["sms"], staff=request.user,
                        now=timezone.now(),
                    )  # fmt: skip
                    messages.success(request, _("The template is saved."))
                    return redirect("notices:templates")
                preview = compose.render(template, compose.sample_context(), language)
            except sandbox.TemplateRefused as refused:
                form.add_error(None, str(refused.message))
        if form.errors:
            status = 400
    context = {
        "form": form,
        "kind": kind,
        "kind_label": Kind(kind).label,
        "language": language,
        "preview": preview,
        "variables": sandbox.VARIABLES.items(),
    }
    if request.htmx and preview is not None:
        return render(request, "notices/template_edit.html#preview", context)
    return render(request, "notices/template_edit.html", context, status=status)
