from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpacConfig(AppConfig):
    name = "opac"
    verbose_name = _("OPAC")
