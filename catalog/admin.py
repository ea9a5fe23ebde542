from django.contrib import admin

from catalog.models import ImportJob, Item, ItemType, Record


@admin.register(ItemType)
class ItemTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_sv", "name_en", "not_for_loan"]


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ["title", "author_sort", "year", "media_type", "language"]
    list_filter = ["media_type", "audience"]
    search_fields = ["title", "control_number"]
    exclude = ["marc"]
    readonly_fields = ["control_number", "control_source", "isbns", "library_ids"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["barcode", "record", "home_library", "current_library", "status"]
    list_filter = ["status", "home_library"]
    search_fields = ["barcode", "call_number"]
    raw_id_fields = ["record"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["original_name", "library", "state", "records_done", "created_at"]
    readonly_fields = ["report"]
