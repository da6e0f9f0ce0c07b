"""人员管理 — staff administrators invite staff by phone, give and take roles, remove staff.

A city's or district's administrator (role ``staff_admin``) sees and changes only the
roles within its own organisation and region subtree (access.selectors); each change is
one service in identity.services.staff and writes the audit trail.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minsheng.access.decorators import staff
from minsheng.access.models import Role
from minsheng.access.selectors import (
    RESERVED_ROLES,
    STAFF_ADMIN_ROLES,
    staff_admin_organisations,
    staff_assignments_for,
)
from minsheng.core.errors import DomainError
from minsheng.identity.models import User
from minsheng.identity.services import (
    staff_invite,
    staff_link_resend,
    staff_remove,
    staff_role_grant,
    staff_role_revoke,
)
from minsheng.imports.exports import ExportColumn, ListExport, export_response

from ..forms import StaffFilterForm, StaffInviteForm, StaffRoleForm


def _roles(user):
    roles = Role.objects.filter(is_staff_role=True)
    return roles if user.is_superuser else roles.exclude(code__in=RESERVED_ROLES)


def staff_rows(*, user, params: dict[str, str]):
    """The role assignments the staff list shows for these filters (``q``, ``role``, ``organisation``)."""
    return staff_assignments_for(
        user=user, q=params.get("q", ""), role=params.get("role", ""),
        organisation=params.get("organisation", ""),
    )


STAFF_EXPORT = ListExport(
    key="minsheng.workbench.views.staff:STAFF_EXPORT",
    title=gettext_lazy("staff and their roles"),
    columns=[
        ExportColumn(gettext_lazy("Name"), lambda a: a.user.name),
        ExportColumn(gettext_lazy("Username"), lambda a: a.user.username or ""),
        ExportColumn(gettext_lazy("Mobile number"), lambda a: a.user.phone_masked),
        ExportColumn(gettext_lazy("Role"), lambda a: a.role.title),
        ExportColumn(gettext_lazy("Organisation"), lambda a: a.organisation.name),
        ExportColumn(gettext_lazy("Region"), lambda a: a.region.name),
        ExportColumn(gettext_lazy("Since"), lambda a: a.created_at),
    ],
    rows=staff_rows,
)


def _show(request, form, exc: DomainError) -> None:
    form.add_error(None, exc.message)
    for field, msgs in exc.fields.items():
        for msg in msgs:
            form.add_error(field if field in form.fields else None, msg)


@staff(*STAFF_ADMIN_ROLES)
def staff_list(request):
    """The staff within the administrator's scope, with a form to invite someone by phone."""
    download = export_response(request, STAFF_EXPORT)
    if download is not None:
        return download
    user = request.user
    roles = _roles(user)
    organisations = staff_admin_organisations(user=user)
    invite = StaffInviteForm(request.POST or None, organisations=organisations, roles=roles)
    if request.method == "POST" and invite.is_valid():
        data = invite.cleaned_data
        try:
            assignment = staff_invite(
                actor=user, phone=data["phone"], name=data["name"], role_code=data["role"].code,
                organisation=data["organisation"], region=data["region"],
                site_url=request.build_absolute_uri("/"),
            )
        except DomainError as exc:
            _show(request, invite, exc)
        else:
            messages.success(request, _("%(name)s now holds the role %(role)s.") % {
                "name": assignment.user.name, "role": assignment.role.title})
            return redirect("workbench:staff_member", assignment.user_id)
    filters = StaffFilterForm(request.GET or None, roles=roles)
    params = {}
    if filters.is_valid():
        params = {k: (v.code if isinstance(v, Role) else v) for k, v in filters.cleaned_data.items() if v}
    page = Paginator(staff_rows(user=user, params=params), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workbench/staff_list.html",
        {"page": page, "invite": invite, "filters": filters, "query": query.urlencode()},
        status=422 if invite.errors else 200,
    )


def _member(request, user_id: int):
    assignments = staff_assignments_for(user=request.user).filter(user_id=user_id)
    member = User.objects.filter(pk=user_id, pk__in=assignments.values("user_id")).first()
    if member is None:
        raise Http404
    return member, assignments


@staff(*STAFF_ADMIN_ROLES)
def staff_member(request, user_id: int):
    """One member of staff: the roles the administrator sees, to take away or add to."""
    member, assignments = _member(request, user_id)
    form = StaffRoleForm(
        request.POST or None, organisations=staff_admin_organisations(user=request.user),
        roles=_roles(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff_role_grant(actor=request.user, user=member, role_code=data["role"].code,
                             organisation=data["organisation"], region=data["region"])
        except DomainError as exc:
            _show(request, form, exc)
        else:
            messages.success(request, _("The role was given."))
            return redirect("workbench:staff_member", member.pk)
    return render(
        request,
        "workbench/staff_member.html",
        {"member": member, "assignments": assignments.order_by("pk"), "form": form,
         "link": member.sign_in_links.order_by("-created_at").first(),
         "signed_in": member.has_usable_password(), "now": timezone.now()},
        status=422 if form.errors else 200,
    )


@require_POST
@staff(*STAFF_ADMIN_ROLES)
def staff_role_take(request, user_id: int, assignment_id: int):
    member, assignments = _member(request, user_id)
    assignment = assignments.filter(pk=assignment_id).first()
    if assignment is None:
        raise Http404
    try:
        staff_role_revoke(actor=request.user, assignment=assignment)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The role was taken away."))
    if assignments.exists():
        return redirect("workbench:staff_member", member.pk)
    return redirect("workbench:staff")


@require_POST
@staff(*STAFF_ADMIN_ROLES)
def staff_member_remove(request, user_id: int):
    member, assignments = _member(request, user_id)
    try:
        taken = staff_remove(actor=request.user, user=member, assignments=assignments)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("workbench:staff_member", member.pk)
    messages.success(request, _("%(name)s no longer holds %(count)d role(s) here.") % {
        "name": member.name, "count": taken})
    return redirect("workbench:staff")


@require_POST
@staff(*STAFF_ADMIN_ROLES)
def staff_link_send(request, user_id: int):
    """Send the person a new one-time sign-in link by SMS (the earlier one stops working)."""
    member, _assignments = _member(request, user_id)
    try:
        staff_link_resend(actor=request.user, user=member, site_url=request.build_absolute_uri("/"))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A new sign-in link was sent to %(phone)s; the earlier link no longer works.")
                         % {"phone": member.phone_masked})
    return redirect("workbench:staff_member", member.pk)
