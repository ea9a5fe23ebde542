from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransportConfig(AppConfig):
    name = "transport"
    verbose_name = _("Transport")

    def ready(self) -> None:
        # Cache bookkeeping only: the network snapshot is rebuilt after any change to the
        # tables it is made of (see transport.network_cache).
        from libraries.models import CalendarException, Library
        from transport import network_cache
        from transport.models import FloatingRule, TransportLink

        network_cache.connect(TransportLink, FloatingRule, CalendarException, Library)
