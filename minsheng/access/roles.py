"""Core roles, declared in code and synced into the Role table (access.services.roles_sync).

Programs declare their own roles in their registry entry (Program.roles).
A permission is "app.action"; identity.unmask lets a role see personal
numbers unmasked (with a second factor, and an audit entry per view).
"""

from django.utils.translation import gettext_lazy as _

CORE_ROLES: dict[str, dict] = {
    "admin": {"title": _("platform administrator"), "permissions": ["*"]},
    "supervisor": {"title": _("supervisor"), "permissions": ["cases.view", "dashboards.view", "ratings.view"]},
    "case_officer": {"title": _("case officer"), "permissions": ["cases.view", "cases.act"]},
    "department_head": {"title": _("department head"), "permissions": ["cases.view", "cases.act", "cases.assign", "ratings.view"]},
    # 人事管理员: invites staff and gives roles within its own organisation and region subtree.
    "staff_admin": {"title": _("staff administrator"), "permissions": ["access.manage_staff"]},
    "pii_viewer": {"title": _("personal data viewer"), "permissions": ["identity.unmask"]},
}
