"""The patron's own notice settings in the OPAC ("Mitt konto")."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from notices import services
from notices.forms import PreferenceForm
from notices.models import NoticePreference
from patrons.opac_auth import patron_required


@patron_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Choose how notices reach me and whether to get a reminder before loans are due."""
    patron = request.patron
    due_soon = NoticePreference.objects.filter(patron=patron, due_soon=True).exists()
    form = PreferenceForm(
        request.POST or None, initial={"channel": patron.notice_channel, "due_soon": due_soon}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_preferences(
                    patron=patron,
                    channel=form.cleaned_data["channel"],
                    due_soon=form.cleaned_data["due_soon"],
                )
            except services.NoticeRefused as refused:
                form.add_error("channel", str(refused.message))
            else:
                messages.success(request, _("Your notice settings are saved."))
                return redirect("notices-opac:preferences")
        status = 400
    return render(request, "notices/preferences.html", {"form": form}, status=status)
