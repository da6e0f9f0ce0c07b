"""City-wide reference data of the after-school program in /admin/: the terms every school's
offerings and windows belong to, and the fee waivers by family category. Everything scoped
to a school (offerings, windows, rosters) is set up on the management page, which applies
the scope."""

from django.contrib import admin

from minsheng.audit.admin import AuditedAdmin

from .models import FeeWaiverRule, Term


@admin.register(Term)
class TermAdmin(AuditedAdmin):
    list_display = ("name", "school_year", "starts_on", "ends_on")
    list_filter = ("school_year",)
    search_fields = ("name",)


@admin.register(FeeWaiverRule)
class FeeWaiverRuleAdmin(AuditedAdmin):
    list_display = ("category", "term", "waiver_percent")
    list_filter = ("category",)
