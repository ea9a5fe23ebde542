from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class TransportConfig(AppConfig):
    name = "transport"
    verbose_name = _("Transport")

    def ready(self) -> None:
        # Cache bookkeeping only: the network snapshot is rebuilt after any change to the
        # tables it is made of (see transport.network_cache).
        from libraries.models import CalendarException, Library
        from transport.models import FloatingRule, TransportLink
        from transport.network_cache import invalidate

        for model in (TransportLink, FloatingRule, CalendarException, Library):
            post_save.connect(invalidate, sender=model, dispatch_uid=f"net-save-{model.__name__}")
            post_delete.connect(invalidate, sender=model, dispatch_uid=f"net-del-{model.__name__}")
