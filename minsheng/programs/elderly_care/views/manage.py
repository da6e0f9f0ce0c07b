"""Set-up by civil affairs: the city's entitlement rules, edited with a preview of who gains
or loses, then saved and re-applied in the background."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.core.errors import DomainError
from minsheng.imports.exports import export_response

from .. import exports
from ..forms import RuleForm
from ..models import EntitlementRule
from ..services import entitlements
from ..services.periods import month_start
from . import month_param, setup_tabs, show_error


@staff("civil_affairs_officer", "supervisor")
def rules(request):
    if (download := export_response(request, exports.RULES)) is not None:
        return download
    return render(
        request,
        "elderly_care/rules.html",
        {
            "rules": EntitlementRule.objects.all(),
            "month": month_start(timezone.localdate()),
            "tabs": setup_tabs(request, "rules"),
        },
    )


@staff("civil_affairs_officer")
def rule_edit(request, rule_id=None):
    rule = None
    if rule_id is not None:
        rule = EntitlementRule.objects.filter(pk=rule_id).first()  # city-wide rules, not scoped
        if rule is None:
            raise Http404
    month = month_param(request.POST.get("month") or request.GET.get("month"))
    preview = None
    data = request.POST if request.method == "POST" else None
    if data is not None:
        try:
            if data.get("step") == "apply":
                saved, _run = entitlements.rule_save(
                    data=data, actor=request.user, rule=rule, month=month
                )
                messages.success(
                    request,
                    _("Rule saved. Entitlements for %(month)s are being recalculated.")
                    % {"month": f"{month:%Y-%m}"},
                )
                return redirect("elderly_care:rules")
            candidate = entitlements.rule_clean(data=data, rule=rule)
            preview = entitlements.rule_preview(rule=candidate, month=month)
        except DomainError as exc:
            show_error(request, exc)
    initial = data or (
        {
            "name": rule.name,
            "category": rule.category,
            "min_level": rule.min_level,
            "max_level": rule.max_level,
            "unit": rule.unit,
            "amount": rule.amount,
            "effective_from": rule.effective_from.isoformat(),
            "effective_to": rule.effective_to.isoformat() if rule.effective_to else "",
            "priority": rule.priority,
        }
        if rule
        else {"effective_from": month.isoformat(), "min_level": 0, "max_level": 4, "priority": 0}
    )
    return render(
        request,
        "elderly_care/rule_edit.html",
        {
            "rule": rule,
            "form": RuleForm(data) if data is not None else RuleForm(initial={**initial, "month": f"{month:%Y-%m}"}),
            "month": month,
            "preview": preview,
        },
    )
