"""Set-up by civil affairs: the providers of the officer's region, their contracts with the
bureau and the price of each service a contract covers, and the service catalogue with the
prices the region's contracts pay.

A supervisor sees the lists; an officer changes what lies in its region subtree; a provider's
administrator reads its own contracts. Records come through the gates in selectors_setup
(another district's are 404); every change is one service call (services/providers).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.core.errors import DomainError, NotFound
from minsheng.imports.exports import export_response

from .. import exports_setup as exports
from .. import selectors_setup as sel
from ..forms_setup import ContractForm, ContractStatusForm, ProviderForm, ReasonForm
from ..models import ContractStatus
from ..services import providers as svc
from . import form_submit, http_errors, page_of, setup_tabs, show_error

VIEWERS = ("civil_affairs_officer", "supervisor")
READERS = (*VIEWERS, "provider_admin")


def _may_change(request) -> bool:
    return request.user.is_superuser or any(a.role_id == "civil_affairs_officer" for a in request.staff_assignments)


# --- providers ------------------------------------------------------------------------------
@staff(*VIEWERS)
def providers(request):
    if (download := export_response(request, exports.PROVIDERS)) is not None:
        return download
    rows = exports.providers_rows(user=request.user, params=request.GET)
    return render(request, "elderly_care/setup/providers.html", {
        "page_obj": page_of(request, rows), "may_change": _may_change(request), "tabs": setup_tabs(request, "providers"),
        "q": request.GET.get("q", ""),
    })


@staff("civil_affairs_officer")
@http_errors
def provider_new(request):
    form = ProviderForm(request.POST or None, regions=sel.regions_managed(user=request.user))
    if request.method == "POST":
        done = form_submit(request, form, lambda d: svc.provider_create(
            actor=request.user, name=d["name"], region=d["region"], credit_code=d["credit_code"],
            address=d["address"]), _("The provider was registered. Sign a contract with it next."),
            lambda provider: reverse("elderly_care:contract_new") + f"?provider={provider.pk}")
        if done is not None:
            return done
    return render(request, "elderly_care/setup/provider_form.html", {"form": form, "tabs": setup_tabs(request, "providers")},
                  status=422 if request.method == "POST" else 200)


@staff("civil_affairs_officer")
@http_errors
def provider_edit(request, provider_id: int):
    provider = sel.provider_get_managed(user=request.user, provider_id=provider_id)
    here = reverse("elderly_care:provider_edit", args=[provider.pk])
    regions = sel.regions_managed(user=request.user)
    form = ProviderForm(regions=regions, initial={
        "name": provider.name, "region": provider.region_id, "credit_code": provider.credit_code,
        "address": provider.address})
    suspend = ReasonForm(label=_("Why is the provider suspended?"))
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "save":
            form = ProviderForm(request.POST, regions=regions)
            done = form_submit(request, form, lambda d: svc.provider_update(
                actor=request.user, provider=provider, name=d["name"], region=d["region"],
                credit_code=d["credit_code"], address=d["address"]), _("The provider was saved."), here)
        elif action == "suspend":
            suspend = ReasonForm(request.POST, label=_("Why is the provider suspended?"))
            done = form_submit(request, suspend, lambda d: svc.provider_suspend(
                actor=request.user, provider=provider, reason=d["reason"]),
                _("The provider is suspended: it takes no new visits until reinstated."), here)
        elif action == "reinstate":
            try:
                svc.provider_reinstate(actor=request.user, provider=provider)
                messages.success(request, _("The provider is in service again."))
            except DomainError as exc:
                show_error(request, exc)
            return redirect(here)
        else:
            raise NotFound()
        if done is not None:
            return done
    return render(request, "elderly_care/setup/provider_form.html", {
        "form": form, "provider": provider, "suspend": suspend, "reinstate_hidden": {"action": "reinstate"}, "tabs": setup_tabs(request, "providers"),
        "contracts": sel.contracts_for(user=request.user).filter(provider=provider).order_by("-valid_to"),
    }, status=422 if request.method == "POST" else 200)


# --- contracts ------------------------------------------------------------------------------
@staff(*READERS)
def contracts(request):
    if (download := export_response(request, exports.CONTRACTS)) is not None:
        return download
    rows = exports.contracts_rows(user=request.user, params=request.GET)
    return render(request, "elderly_care/setup/contracts.html", {
        "page_obj": page_of(request, rows), "may_change": _may_change(request), "tabs": setup_tabs(request, "contracts"),
        "statuses": ContractStatus.choices, "status": request.GET.get("status", ""),
    })


@staff("civil_affairs_officer")
@http_errors
def contract_new(request):
    providers = sel.providers_managed(user=request.user)
    regions = sel.regions_managed(user=request.user)
    initial = {**ContractForm.initial_prices(), "provider": request.GET.get("provider")}
    form = ContractForm(request.POST or None, providers=providers, regions=regions, initial=initial)
    if request.method == "POST":
        done = form_submit(request, form, lambda d: svc.contract_create(
            actor=request.user, provider=d["provider"], region=d["region"], number=d["number"],
            valid_from=d["valid_from"], valid_to=d["valid_to"], prices=form.prices()),
            _("The contract was signed; its prices apply to visits from its first day."),
            reverse("elderly_care:contracts"))
        if done is not None:
            return done
    return render(request, "elderly_care/setup/contract_form.html", {"form": form, "tabs": setup_tabs(request, "contracts")},
                  status=422 if request.method == "POST" else 200)


@staff("civil_affairs_officer")
@http_errors
def contract_edit(request, contract_id: int):
    contract = sel.contract_get_managed(user=request.user, contract_id=contract_id)
    here = reverse("elderly_care:contract_edit", args=[contract.pk])
    form = ContractForm(editing=True, initial={
        "valid_from": contract.valid_from, "valid_to": contract.valid_to,
        **ContractForm.initial_prices(sel.contract_prices(contract=contract))})
    status_form = ContractStatusForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "save":
            form = ContractForm(request.POST, editing=True)
            done = form_submit(request, form, lambda d: svc.contract_update(
                actor=request.user, contract=contract, valid_from=d["valid_from"], valid_to=d["valid_to"],
                prices=form.prices()), _("The contract was saved."), here)
        elif action == "status":
            status_form = ContractStatusForm(request.POST)
            done = form_submit(request, status_form, lambda d: svc.contract_set_status(
                actor=request.user, contract=contract, status=d["status"], reason=d["reason"]),
                _("The contract's status was changed."), here)
        else:
            raise NotFound()
        if done is not None:
            return done
    return render(request, "elderly_care/setup/contract_form.html", {
        "form": form, "contract": contract, "status_form": status_form, "tabs": setup_tabs(request, "contracts"),
    }, status=422 if request.method == "POST" else 200)


# --- the service catalogue and its prices in the region ----------------------------------------
@staff(*READERS)
def catalogue(request):
    if (download := export_response(request, exports.CATALOGUE)) is not None:
        return download
    return render(request, "elderly_care/setup/catalogue.html", {
        "items": exports.catalogue_rows(user=request.user, params=request.GET), "tabs": setup_tabs(request, "catalogue"),
        "may_change": _may_change(request),
    })

