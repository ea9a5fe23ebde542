from django.contrib import admin

from sip2.models import Terminal


@admin.register(Terminal)
class TerminalAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "name",
        "library",
        "institution_id",
        "charset",
        "enabled",
        "last_login_at",
    )
    list_filter = ("library", "enabled", "charset")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "last_login_at")
