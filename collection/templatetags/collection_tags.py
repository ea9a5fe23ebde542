from django import template
from django.utils import timezone

from collection.selectors import due_rounds

register = template.Library()


@register.inclusion_tag("collection/_due_rounds.html", takes_context=True)
def due_weeding_rounds(context):
    """Weeding rounds due at the working library, for the staff start page."""
    request = context.get("request")
    library = getattr(request, "working_library", None)
    today = timezone.localdate()
    rounds = list(due_rounds(library.pk if library else None, today=today))
    return {"rounds": rounds, "today": today}


@register.inclusion_tag("collection/_save_to_list.html", takes_context=True)
def save_to_list(context, record):
    """On an OPAC title page: "Save in my list" for a logged-in patron (one query)."""
    from collection.models import ReadingList
    from patrons.opac_auth import current_patron

    request = context.get("request")
    patron = current_patron(request) if request is not None else None
    own = list(ReadingList.objects.filter(patron=patron).only("id", "title")) if patron else []
    return {
        "record": record,
        "patron": patron,
        "lists": own,
        "csrf_token": context.get("csrf_token"),
    }
