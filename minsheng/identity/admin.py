"""Back office for accounts and people: numbers always masked; search by exact ID or phone number.

Encrypted columns cannot be searched with LIKE; the search box hashes an
exact ID or phone number with the lookup key and matches the keyed hash.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .crypto import keyed_hash
from .idnumbers import id_number_normalize
from .models import Person, PersonRelation, User
from .normalize import normalize_phone


def _hash_search(queryset, term: str, *, id_field: str | None, phone_field: str):
    number = id_number_normalize(term)
    if id_field and len(number) == 18:
        return queryset.filter(**{id_field: keyed_hash(number)}), True
    phone = normalize_phone(term)
    if phone:
        return queryset.filter(**{phone_field: keyed_hash(phone)}), True
    return None, False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "name", "masked_phone", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "name"]
    search_help_text = _("Search by username or name, or enter a full mobile number.")
    ordering = ["-date_joined"]
    readonly_fields = ["masked_phone", "last_login", "date_joined", "totp_confirmed_at"]
    fieldsets = [
        (None, {"fields": ["username", "password", "name", "masked_phone", "email"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Sign-in"), {"fields": ["last_login", "date_joined", "totp_confirmed_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "name", "password1", "password2", "is_staff"]}),
    ]

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj):
        return obj.phone_masked

    def get_search_results(self, request, queryset, search_term):
        found, matched = _hash_search(queryset, search_term.strip(), id_field=None, phone_field="phone_hash")
        if matched:
            return found, False
        return super().get_search_results(request, queryset, search_term)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "masked_id_number", "masked_phone", "birth_date", "sex", "residence_region", "verified_by"]
    list_filter = ["sex", "verified_by"]
    search_fields = ["name"]
    search_help_text = _("Search by name, or enter a full resident ID number or mobile number.")
    list_select_related = ["residence_region"]
    raw_id_fields = ["user", "hukou_region", "residence_region"]
    readonly_fields = ["masked_id_number", "masked_phone", "birth_date", "sex", "verified_at", "verified_by"]
    fields = [
        "name", "masked_id_number", "masked_phone", "birth_date", "sex", "user",
        "hukou_region", "residence_region", "address", "latitude", "longitude",
        "verified_at", "verified_by",
    ]

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj):
        return obj.id_number_masked

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj):
        return obj.phone_masked

    def has_add_permission(self, request):
        # People are registered through person_create (validation, hashes, audit).
        return False

    def get_search_results(self, request, queryset, search_term):
        found, matched = _hash_search(
            queryset, search_term.strip(), id_field="id_number_hash", phone_field="phone_hash"
        )
        if matched:
            return found, False
        return super().get_search_results(request, queryset, search_term)


@admin.register(PersonRelation)
class PersonRelationAdmin(admin.ModelAdmin):
    list_display = ["person", "kind", "relative", "detail", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["person__name", "relative__name"]
    raw_id_fields = ["person", "relative"]
    list_select_related = ["person", "relative"]
