"""Staff-edited templates: only the allow-listed variables, filters and tags."""

from __future__ import annotations

import pytest

from notices import compose, defaults, sandbox


@pytest.mark.parametrize("key", sorted(defaults.DEFAULTS))
def test_every_built_in_template_passes_the_sandbox(key):
    for part in defaults.DEFAULTS[key].values():
        sandbox.validate(part)
        assert sandbox.render(part, compose.sample_context()).strip()


@pytest.mark.parametrize(
    "source",
    [
        "{% load static %}",
        "{% include 'opac/base.html' %}",
        "{% debug %}",
        "{% url 'opac:home' %}",
        "{{ patron.personnummer }}",
        "{{ settings.SECRET_KEY }}",
        "{{ first_name.__class__ }}",
        "{% for loan in loans %}{{ loan._secret }}{% endfor %}",
        "{{ first_name|safe }}",
        "{% if request.user %}x{% endif %}",
        "{% with x=first_name %}{{ x }}{% endwith %}",
    ],
)
def test_anything_else_is_refused(source):
    with pytest.raises(sandbox.TemplateRefused):
        sandbox.validate(source)


def test_allowed_template_renders_plain_values():
    text = sandbox.render(
        "Hej {{ first_name|upper }}! {% for loan in loans %}{{ loan.title }};{% endfor %}"
        "{% if count > 1 %} många{% endif %}",
        {"first_name": "Astrid", "loans": [{"title": "A"}, {"title": "B"}], "count": 2},
    )
    assert text == "Hej ASTRID! A;B; många"


def test_html_rendering_escapes_values():
    html = sandbox.render("{{ first_name }}", {"first_name": "<b>x</b>"}, html=True)
    assert html == "&lt;b&gt;x&lt;/b&gt;"
