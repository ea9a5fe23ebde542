"""Admin: categories are configured here by admins; patrons are served through the staff pages
(the admin never shows the personnummer or the PIN hash)."""

from django.contrib import admin

from patrons.models import PatronCategory


@admin.register(PatronCategory)
class PatronCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_sv", "name_en", "min_age", "max_age", "needs_guardian"]
    list_editable = ["min_age", "max_age", "needs_guardian"]
    ordering = ["code"]
