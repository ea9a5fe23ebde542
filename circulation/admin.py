from django.contrib import admin

from circulation.models import Fee, Loan, LoanRule, LoanRuleChange, OverrideLog


@admin.register(LoanRule)
class LoanRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "loan_period_days", "max_renewals", "fine_per_day", "fine_cap"]
    list_filter = ["library", "patron_category", "item_type"]
    list_select_related = ["library", "patron_category", "item_type"]


@admin.register(LoanRuleChange)
class LoanRuleChangeAdmin(admin.ModelAdmin):
    list_display = ["changed_at", "changed_by", "library", "field", "old_value", "new_value"]
    list_filter = ["library"]


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    list_display = ["id", "item", "checkout_library", "checked_out_at", "due_at", "returned_at"]
    list_filter = ["checkout_library", "end_reason"]
    raw_id_fields = ["item", "patron"]
    list_select_related = ["item", "checkout_library"]


@admin.register(Fee)
class FeeAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "amount", "state", "library", "created_at"]
    list_filter = ["kind", "state", "library"]
    raw_id_fields = ["patron", "loan"]


@admin.register(OverrideLog)
class OverrideLogAdmin(admin.ModelAdmin):
    list_display = ["at", "staff", "library", "action", "refusal", "reason"]
    list_filter = ["library", "action"]
    raw_id_fields = ["loan"]
