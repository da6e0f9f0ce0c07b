"""审计日志 — the audit trail's search page for supervisors and administrators."""

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from minsheng.access.decorators import staff
from minsheng.audit.export import audit_export
from minsheng.audit.selectors import audit_search

from .. import audit_present
from ..forms import AuditSearchForm

AUDIT_ROLES = ("supervisor", "admin")


@staff(*AUDIT_ROLES)
def search(request):
    """审计日志 — search the trail by actor, target, type and time; export the result as CSV."""
    form = AuditSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    results = audit_search(**filters).select_related("actor") if not form.errors else None
    if results is not None and request.GET.get("format") == "csv":
        response = StreamingHttpResponse(
            audit_export(actor=request.user, queryset=results, filters=filters),
            content_type="text/csv; charset=utf-8",
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response
    page = Paginator(results, 50).get_page(request.GET.get("page")) if results is not None else None
    for event in page or []:
        event.module, event.action = audit_present.event_title(event.event_type)
        event.target_title = audit_present.target_title(event.target_type)
        event.changes = audit_present.changes(event)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workbench/audit_search.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=422 if form.errors else 200,
    )
