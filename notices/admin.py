from django.contrib import admin

from notices.models import LetterBatch, Notice, NoticeTemplate


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("kind", "level", "channel", "state", "created_at", "sent_at")
    list_filter = ("kind", "channel", "state", "library")
    raw_id_fields = ("patron", "letter_batch")


admin.site.register(NoticeTemplate)
admin.site.register(LetterBatch)
