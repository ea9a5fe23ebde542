from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibrariesConfig(AppConfig):
    name = "libraries"
    verbose_name = _("Libraries")

    def ready(self) -> None:
        # Cache bookkeeping only: cached staff roles are rebuilt after any change to the
        # tables they are made of (see libraries.access.cached_access).
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from libraries.access import invalidate_access, warm_access
        from libraries.models import Library, StaffRole

        for model in (StaffRole, Library):
            name = model.__name__
            post_save.connect(invalidate_access, sender=model, dispatch_uid=f"access-save-{name}")
            post_delete.connect(invalidate_access, sender=model, dispatch_uid=f"access-del-{name}")
        user_logged_in.connect(warm_access, dispatch_uid="access-warm-at-login")

        # The per-process copy of logged-in users (libraries.auth_backend) follows user changes.
        from libraries import auth_backend

        auth_backend.connect()
