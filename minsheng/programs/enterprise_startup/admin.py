"""The city-wide reference data of enterprise start-up in /admin/: the banned and restricted
name words, the business-scope catalogue and the register of licensed seal shops (the city's
one list, filed with public security; the form offers the shops of the founder's city).
Every change writes the audit trail (AuditedAdmin); each list's selected rows download as Excel
or CSV, and the three lists load from a spreadsheet at /imports/ (services/reference_imports.py:
``enterprise_startup.scope_items``, ``.banned_words``, ``.seal_shops``)."""

from django.contrib import admin

from minsheng.audit.admin import AuditedAdmin

from .models import BannedWord, ScopeItem, SealShop


@admin.register(BannedWord)
class BannedWordAdmin(AuditedAdmin):
    list_display = ["word", "kind", "reason", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["word", "reason"]


@admin.register(ScopeItem)
class ScopeItemAdmin(AuditedAdmin):
    list_display = ["code", "wording", "category", "industry", "licence_needed", "is_active"]
    list_filter = ["category", "is_active", "industry"]
    search_fields = ["code", "wording", "licence_needed"]


@admin.register(SealShop)
class SealShopAdmin(AuditedAdmin):
    list_display = ["name", "region", "licence_number", "address", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "licence_number", "address"]
    raw_id_fields = ["region"]
    list_select_related = ["region"]
