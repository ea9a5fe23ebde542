from django.contrib import admin

from transport.models import FloatingRule, Transfer, TransferEvent, TransportLink


@admin.register(TransportLink)
class TransportLinkAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "departure_time", "duration", "active"]
    list_filter = ["kind", "active", "from_library", "to_library"]
    list_select_related = ["from_library", "to_library"]


@admin.register(FloatingRule)
class FloatingRuleAdmin(admin.ModelAdmin):
    list_display = ["library", "item_type"]
    list_filter = ["library"]
    list_select_related = ["library", "item_type"]


class TransferEventInline(admin.TabularInline):
    model = TransferEvent
    extra = 0
    can_delete = False
    readonly_fields = ["state", "at", "library", "staff", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    """Read-only: transfers change only through the transport services (locks, events, crates)."""

    list_display = ["id", "item", "from_library", "to_library", "reason", "state", "created_at"]
    list_filter = ["state", "reason", "from_library", "to_library"]
    list_select_related = ["item", "from_library", "to_library"]
    search_fields = ["item__barcode"]
    inlines = [TransferEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
