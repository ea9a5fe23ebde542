"""Public machine interfaces: SRU (/sru) and OAI-PMH (/oai). No login: the catalogue is public,
and nothing about patrons or loans is in what they answer."""

from __future__ import annotations

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from interop.oai import oai
from interop.sru import sru

sru_endpoint = require_GET(sru)
# OAI-PMH allows POST (application/x-www-form-urlencoded) as well as GET; it changes nothing.
oai_endpoint = csrf_exempt(require_http_methods(["GET", "POST"])(oai))
