"""机构设置 — a staff administrator sets up the organisations it runs.

The departments, schools, providers and service points a city runs sit in a tree under
the people's government. A city's or district's administrator (role ``staff_admin``)
creates organisations under those it administers, inside its own region subtree, and
changes or deactivates them (``access.services.organisation_create`` / ``_update``,
audited); the rule of where one may place an organisation is
``access.selectors.staff_admin_may_place``.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.access.decorators import staff
from minsheng.access.departments import department_title
from minsheng.access.selectors import STAFF_ADMIN_ROLES, staff_admin_organisations
from minsheng.access.services import organisation_create, organisation_update
from minsheng.core.errors import DomainError
from minsheng.imports.exports import ExportColumn, ListExport, export_response

from ..forms import OrganisationFilterForm, OrganisationForm
from .staff import _show


def organisation_rows(*, user, params: dict[str, str]):
    """The organisations the administrator runs, filtered by name (``q``) and ``kind``."""
    qs = staff_admin_organisations(user=user).select_related("region", "parent")
    if params.get("q", "").strip():
        qs = qs.filter(name__contains=params["q"].strip())
    if params.get("kind"):
        qs = qs.filter(kind=params["kind"])
    return qs.annotate(staff_count=Count("role_assignments__user", distinct=True)).order_by("region__code", "name", "pk")


ORGANISATION_EXPORT = ListExport(
    key="minsheng.workbench.views.organisations:ORGANISATION_EXPORT",
    title=gettext_lazy("organisations"),
    columns=[
        ExportColumn(gettext_lazy("Name"), lambda o: o.name),
        ExportColumn(gettext_lazy("Kind"), lambda o: o.get_kind_display()),
        ExportColumn(gettext_lazy("Department"), lambda o: department_title(o.department_code)),
        ExportColumn(gettext_lazy("Region"), lambda o: o.region.name),
        ExportColumn(gettext_lazy("Under (parent organisation)"), lambda o: o.parent.name if o.parent else ""),
        ExportColumn(gettext_lazy("Unified social credit code"), lambda o: o.credit_code),
        ExportColumn(gettext_lazy("Staff"), lambda o: o.staff_count),
        ExportColumn(gettext_lazy("Active"), lambda o: _("yes") if o.is_active else _("no")),
    ],
    rows=organisation_rows,
)


def _values(data: dict) -> dict:
    parent = data.get("parent")
    return {
        "name": data["name"], "kind": data["kind"], "department_code": data.get("department_code") or "",
        "parent": parent, "region": data.get("region") or (parent.region if parent else ""),
        "credit_code": data.get("credit_code") or "", "address": data.get("address") or "",
    }


@staff(*STAFF_ADMIN_ROLES)
def organisation_list(request):
    """The organisations the administrator runs, with a form to set up a new one."""
    download = export_response(request, ORGANISATION_EXPORT)
    if download is not None:
        return download
    user = request.user
    form = OrganisationForm(request.POST or None, organisations=staff_admin_organisations(user=user))
    if request.method == "POST" and form.is_valid():
        try:
            organisation = organisation_create(actor=user, **_values(form.cleaned_data))
        except DomainError as exc:
            _show(request, form, exc)
        else:
            messages.success(request, _("%(name)s is set up. Invite its staff next.") % {"name": organisation.name})
            return redirect("workbench:organisation", organisation.pk)
    filters = OrganisationFilterForm(request.GET or None)
    params = {k: v for k, v in filters.cleaned_data.items() if v} if filters.is_valid() else {}
    page = Paginator(organisation_rows(user=user, params=params), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "workbench/organisation_list.html",
        {"page": page, "form": form, "filters": filters, "query": query.urlencode()},
        status=422 if form.errors else 200,
    )


@staff(*STAFF_ADMIN_ROLES)
def organisation_detail(request, organisation_id: int):
    """One organisation: change it, see the organisations under it and its staff."""
    runs = staff_admin_organisations(user=request.user)
    organisation = runs.select_related("region", "parent").filter(pk=organisation_id).first()
    if organisation is None:
        raise Http404
    initial = {
        "name": organisation.name, "kind": organisation.kind, "department_code": organisation.department_code,
        "parent": organisation.parent_id, "region": organisation.region.code,
        "credit_code": organisation.credit_code, "address": organisation.address, "is_active": organisation.is_active,
    }
    form = OrganisationForm(
        request.POST or None, initial=initial, organisations=runs.exclude(pk=organisation.pk), editing=True,
        current_department=organisation.department_code,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation_update(actor=request.user, organisation=organisation, is_active=data["is_active"], **_values(data))
        except DomainError as exc:
            _show(request, form, exc)
        else:
            messages.success(request, _("The organisation was saved."))
            return redirect("workbench:organisation", organisation.pk)
    children = (
        runs.filter(parent=organisation).select_related("region")
        .annotate(staff_count=Count("role_assignments__user", distinct=True))
        .order_by("name")
    )
    return render(
        request, "workbench/organisation.html",
        {"organisation": organisation, "department": department_title(organisation.department_code),
         "children": children, "form": form},
        status=422 if form.errors else 200,
    )
