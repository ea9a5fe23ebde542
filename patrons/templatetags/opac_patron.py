from django import template

from patrons.opac_auth import current_patron

register = template.Library()


@register.simple_tag(takes_context=True)
def opac_patron(context):
    """The logged-in OPAC patron (or None), for the account links in the header."""
    request = context.get("request")
    return current_patron(request) if request is not None else None
