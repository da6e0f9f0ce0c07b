"""City-wide reference data of home care in /admin/, every change on the audit trail.

Only what the whole city shares: the service catalogue and the alarm-device vendors.
Provider contracts and prices, caregivers and devices belong to a district or provider
and are kept on workbench pages that apply the scope; the entitlement rules have their
own page (views/manage.py), which previews who gains or loses and re-applies the month.
"""

from django.contrib import admin

from minsheng.audit.admin import AuditedAdmin

from .models import DeviceVendor, ServiceItem


@admin.register(ServiceItem)
class ServiceItemAdmin(AuditedAdmin):
    list_display = ("code", "title", "unit", "default_price", "default_minutes", "is_active")
    list_filter = ("unit", "is_active")
    search_fields = ("code", "title")


@admin.register(DeviceVendor)
class DeviceVendorAdmin(AuditedAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
    # The signing secret stays out of the form: the audit entry records the changed
    # fields' values, and a secret must not be copied there.
    exclude = ("secret",)
