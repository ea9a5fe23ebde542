from django.db import models
from django.utils.translation import gettext_lazy as _


class MigratedRow(models.Model):
    """One row of a migration from the previous system that is stored here: a re-run of the
    migration skips it (docs/migration.md)."""

    kind = models.CharField(_("kind"), max_length=10)  # patron | loan | hold
    legacy_key = models.CharField(_("key in the previous system"), max_length=200)
    object_id = models.BigIntegerField(_("stored as"))
    migrated_at = models.DateTimeField(_("migrated"), auto_now_add=True)

    class Meta:
        verbose_name = _("migrated row")
        verbose_name_plural = _("migrated rows")
        constraints = [
            models.UniqueConstraint(fields=["kind", "legacy_key"], name="migrated_row_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.legacy_key} → {self.object_id}"
