from django.contrib import admin

from libraries.models import CalendarException, ConsortiumSettings, Library, StaffRole


class CalendarExceptionInline(admin.TabularInline):
    model = CalendarException
    extra = 0
    fields = ("date", "is_open", "reason")


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "municipality", "county", "population")
    inlines = [CalendarExceptionInline]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "library", "role")
    list_filter = ("role", "library")


admin.site.register(ConsortiumSettings)
