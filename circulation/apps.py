from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CirculationConfig(AppConfig):
    name = "circulation"
    verbose_name = _("Circulation")

    def ready(self) -> None:
        # Catalog shows "On loan until 12 March" on the record page; loans live here, and
        # catalog may not import circulation, so circulation hands it the due dates.
        from catalog.selectors import register_due_date_provider
        from circulation.selectors import local_due_dates_of_items

        register_due_date_provider(local_due_dates_of_items)

        # The patron page shows loans, holds and fees, and removing a patron checks open loans
        # and debt; patrons may not import circulation either, so circulation plugs them in.
        from circulation import patron_page
        from patrons.selectors import register_circulation_provider

        register_circulation_provider(patron_page)

        # Cache bookkeeping only: the per-process copy of rules, calendars and settings is
        # rebuilt after any change to the tables it is made of (see circulation.config_cache).
        from circulation import config_cache

        config_cache.connect()
