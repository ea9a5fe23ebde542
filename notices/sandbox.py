"""Staff-editable notice templates, rendered safely.

Templates use Django template syntax, but only a small part of it: ``{{ variable }}`` with the
variables in ``VARIABLES`` (and fields of a loan inside ``{% for loan in loans %}``), a few
filters, ``{% if %}`` and ``{% for %}``. Anything else (``{% load %}``, ``{% include %}``,
``{% url %}``, ``{% debug %}``, unknown variables) is refused when the template is saved. The
context holds plain strings, numbers and dates only, never model objects, so even an allowed
expression can reach nothing else. Never the personnummer: it is not in the context.
"""

from __future__ import annotations

from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Node, TextNode, VariableNode
from django.template.defaulttags import ForNode, IfNode
from django.utils.translation import gettext_lazy as _

VARIABLES = {
    "first_name": _("the patron's first name"),
    "library": _("the library that sends the notice"),
    "libraries": _("the five libraries, where the items may be returned"),
    "count": _("how many items the notice is about"),
    "due_date": _("the (earliest) due date"),
    "level": _("the reminder level (1, 2, …)"),
    "loans": _("the items: loop with {% for loan in loans %}"),
    "loan.title": _("an item's title (inside the loop)"),
    "loan.due_date": _("an item's due date (inside the loop)"),
    "loan.amount": _("an item's replacement price (bills)"),
    "total": _("the total of a bill"),
    "pickup_library": _("where a hold is picked up"),
    "deadline": _("last day to pick up a hold"),
    "title": _("the title of a hold"),
    "expiry_date": _("the day the card expires"),
}
ALLOWED_ROOTS = {name.split(".")[0] for name in VARIABLES} | {"loan", "forloop"}
ALLOWED_FILTERS = {"date", "default", "upper", "lower", "capfirst", "length", "pluralize"}
ALLOWED_NODES = (TextNode, VariableNode, IfNode, ForNode)

_engine = Engine(
    builtins=["django.template.defaulttags", "django.template.defaultfilters"],
    libraries={},
    autoescape=False,
    debug=False,
    string_if_invalid="",
)
_html_engine = Engine(
    builtins=["django.template.defaulttags", "django.template.defaultfilters"],
    libraries={},
    autoescape=True,
)


class TemplateRefused(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _expressions(node: Node) -> list[FilterExpression]:
    if isinstance(node, VariableNode):
        return [node.filter_expression]
    if isinstance(node, ForNode):
        return [node.sequence]
    if isinstance(node, IfNode):
        found = []
        for condition, _nodelist in node.conditions_nodelists:
            stack = [condition] if condition is not None else []
            while stack:
                item = stack.pop()
                if hasattr(item, "value") and isinstance(item.value, FilterExpression):
                    found.append(item.value)
                stack.extend(
                    x for x in (getattr(item, "first", None), getattr(item, "second", None)) if x
                )
        return found
    return []


def _check(nodelist) -> None:
    for node in nodelist:
        if not isinstance(node, ALLOWED_NODES):
            raise TemplateRefused(_("Only {{ variables }}, {% if %} and {% for %} may be used."))
        for expression in _expressions(node):
            var = expression.var
            name = getattr(var, "var", None)
            lookups = getattr(var, "lookups", None) if name is not None else None
            if lookups and (
                lookups[0] not in ALLOWED_ROOTS or any(part.startswith("_") for part in lookups)
            ):
                raise TemplateRefused(_("Unknown variable: %(name)s") % {"name": ".".join(lookups)})
            for func, _args in expression.filters:
                if func.__name__ not in ALLOWED_FILTERS:
                    raise TemplateRefused(
                        _("Filter not allowed: %(name)s") % {"name": func.__name__}
                    )
        for attr in getattr(node, "child_nodelists", ()):
            child = getattr(node, attr, None)
            if child:
                _check(child)
        if isinstance(node, IfNode):
            for _condition, nodelist in node.conditions_nodelists:
                _check(nodelist)


def validate(source: str) -> None:
    """Raise ``TemplateRefused`` unless the text uses only what the allow-list permits."""
    if len(source) > 10_000:
        raise TemplateRefused(_("The text is too long."))
    try:
        template = _engine.from_string(source)
    except TemplateSyntaxError as error:
        raise TemplateRefused(_("Template error: %(error)s") % {"error": error}) from None
    _check(template.nodelist)


def render(source: str, context: dict, *, html: bool = False) -> str:
    """Render a validated template with a plain-values context."""
    validate(source)
    engine = _html_engine if html else _engine
    return engine.from_string(source).render(Context(context, autoescape=html))
