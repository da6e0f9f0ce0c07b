"""Set-up in the field: a provider's administrator invites its caregivers by mobile number and
keeps their qualifications; officers and community workers register the alarm devices
installed in elders' homes and retire them.

Civil-affairs officers and supervisors see the caregivers of their region's providers, read
only. Records come through the gates in selectors_setup; each change is one service call.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.access.selectors import staff_admin_may_grant
from minsheng.core.errors import DomainError, NotFound
from minsheng.identity.services import staff_link_resend
from minsheng.imports.exports import export_response

from .. import exports_setup as exports
from .. import selectors
from .. import selectors_setup as sel
from ..forms import SearchForm
from ..forms_setup import CaregiverForm, CaregiverInviteForm, DeviceForm, ReasonForm
from ..services import caregivers as caregiver_svc
from ..services import device_registry as device_svc
from . import form_submit, http_errors, page_of, setup_tabs

CAREGIVER_READERS = ("provider_admin", "civil_affairs_officer", "supervisor")


def _status(request) -> int:
    return 422 if request.method == "POST" else 200


# --- caregivers -----------------------------------------------------------------------------
@staff(*CAREGIVER_READERS)
@http_errors
def caregivers(request):
    if (download := export_response(request, exports.CAREGIVERS)) is not None:
        return download
    administered = sel.providers_administered(user=request.user)
    providers = list(administered)
    form = None
    if providers:
        form = CaregiverInviteForm(request.POST or None, providers=administered)
        if request.method == "POST":
            done = form_submit(request, form, lambda d: caregiver_svc.caregiver_invite(
                actor=request.user, provider=d["provider"], phone=d["phone"], name=d["name"],
                qualification=d["qualification"], certificate_number=d["certificate_number"],
                certificate_valid_to=d["certificate_valid_to"], site_url=request.build_absolute_uri("/")),
                _("The caregiver was invited: an SMS gives them a one-time link for their first sign-in."),
                reverse("elderly_care:caregivers"))
            if done is not None:
                return done
    elif request.method == "POST":
        raise NotFound()
    # The invitation goes through staff administration, which needs the staff-administrator role.
    may_invite = request.user.is_superuser or any(
        staff_admin_may_grant(user=request.user, role_code=caregiver_svc.ROLE, organisation=p, region=p.region)
        for p in providers
    )
    rows = exports.caregivers_rows(user=request.user, params=request.GET)
    return render(request, "elderly_care/setup/caregivers.html", {
        "page_obj": page_of(request, rows), "form": form, "may_invite": may_invite, "tabs": setup_tabs(request, "caregivers"),
        "search": SearchForm(request.GET or None),
    }, status=_status(request))


@staff("provider_admin")
@http_errors
def caregiver_edit(request, caregiver_id: int):
    caregiver = sel.caregiver_get_managed(user=request.user, caregiver_id=caregiver_id)
    here = reverse("elderly_care:caregiver_edit", args=[caregiver.pk])
    form = CaregiverForm(initial={
        "qualification": caregiver.qualification, "certificate_number": caregiver.certificate_number,
        "certificate_valid_to": caregiver.certificate_valid_to})
    leave = ReasonForm(label=_("Why does the caregiver leave?"))
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "save":
            form = CaregiverForm(request.POST)
            done = form_submit(request, form, lambda d: caregiver_svc.caregiver_update(
                actor=request.user, caregiver=caregiver, **d), _("The caregiver's record was saved."), here)
        elif action == "send_link":
            # The invitation's link again (or one to choose a new password): identity's service
            # checks that this administrator may give the caregiver's role.
            try:
                staff_link_resend(actor=request.user, user=caregiver.user, site_url=request.build_absolute_uri("/"))
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("A new sign-in link was sent to the caregiver's phone; "
                                            "the earlier link no longer works."))
            return redirect(here)
        elif action == "deactivate":
            leave = ReasonForm(request.POST, label=_("Why does the caregiver leave?"))
            done = form_submit(request, leave, lambda d: caregiver_svc.caregiver_deactivate(
                actor=request.user, caregiver=caregiver, reason=d["reason"]),
                _("The caregiver was deactivated; their planned visits wait to be dispatched again."),
                reverse("elderly_care:caregivers"))
        else:
            raise NotFound()
        if done is not None:
            return done
    return render(request, "elderly_care/setup/caregiver.html", {
        "caregiver": caregiver, "form": form, "leave": leave, "tabs": setup_tabs(request, "caregivers"),
    }, status=_status(request))


# --- alarm devices --------------------------------------------------------------------------
@staff(*sel.DEVICE_VIEWERS)
def devices(request):
    if (download := export_response(request, exports.DEVICES)) is not None:
        return download
    may_register = request.user.is_superuser or any(
        a.role_id in sel.DEVICE_KEEPERS for a in request.staff_assignments)
    search = SearchForm(request.GET or None, label=_("Find the elder to register a device for"))
    found = []
    if may_register and request.GET.get("q", "").strip():
        found = selectors.elders_for_officers(user=request.user).filter(
            person__name__contains=request.GET["q"].strip()).select_related("person", "region").order_by(
            "person__name", "pk")[:20]
    rows = exports.devices_rows(user=request.user, params=request.GET)
    return render(request, "elderly_care/setup/devices.html", {
        "page_obj": page_of(request, rows), "may_register": may_register, "search": search, "found": found,
        "state": request.GET.get("state", ""), "tabs": setup_tabs(request, "devices"),
    })


def _elder_for_device(request, elder_id):
    elder = selectors.elder_get_for_officer(user=request.user, elder_id=elder_id)
    if elder is None:
        raise NotFound()
    return elder


@staff(*sel.DEVICE_KEEPERS)
@http_errors
def device_new(request, elder_id: int):
    elder = _elder_for_device(request, elder_id)
    form = DeviceForm(request.POST or None)
    if request.method == "POST":
        done = form_submit(request, form, lambda d: device_svc.device_register(
            actor=request.user, elder=elder, **d),
            _("The device was registered; its alarms are received from now on."), reverse("elderly_care:devices"))
        if done is not None:
            return done
    return render(request, "elderly_care/setup/device_new.html", {"elder": elder, "form": form, "tabs": setup_tabs(request, "devices")},
                  status=_status(request))


@staff(*sel.DEVICE_KEEPERS)
@http_errors
def device_retire(request, device_id: int):
    device = sel.device_get_managed(user=request.user, device_id=device_id)
    form = ReasonForm(request.POST or None, label=_("Why is the device retired?"))
    if request.method == "POST":
        done = form_submit(request, form, lambda d: device_svc.device_retire(
            actor=request.user, device=device, reason=d["reason"]),
            _("The device was retired; its messages are no longer accepted."), reverse("elderly_care:devices"))
        if done is not None:
            return done
    return render(request, "elderly_care/setup/device_retire.html", {"device": device, "form": form, "tabs": setup_tabs(request, "devices")},
                  status=_status(request))
