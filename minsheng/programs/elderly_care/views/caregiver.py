"""Caregivers, on their phones: today's visits and the visit page (check in, task list,
photos, check out, the elder's confirmation). The API (api.py) offers check-in and check-out
through the same services."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.core.errors import DomainError, NotFound
from minsheng.imports.exports import export_response

from .. import exports, selectors
from ..forms import ChecklistForm, CodeForm, PhotoForm
from ..models import OrderStatus
from ..services import confirmation, visits
from . import show_error


@staff("caregiver")
def caregiver_today(request):
    if (download := export_response(request, exports.CAREGIVER_TODAY)) is not None:
        return download
    day = timezone.localdate()
    orders = exports.caregiver_today_rows(user=request.user, params={})
    return render(request, "elderly_care/caregiver_today.html", {"orders": orders, "day": day})


@staff("caregiver")
def visit(request, order_id):
    if request.method == "POST":
        return _visit_step(request, order_id)
    order = selectors.order_get_for_caregiver(user=request.user, order_id=order_id)
    if order is None:
        raise Http404
    return render(
        request,
        "elderly_care/visit.html",
        {
            "order": order,
            "checklist_form": ChecklistForm(initial={"done": order.checklist_done}, tasks=order.service.checklist),
            "photo_form": PhotoForm(phases=[("before", _("before")), ("during", _("during")), ("after", _("after"))], name="kind", initial={"kind": "during"}),
            "code_form": CodeForm(),
            "photos": order.photos.all(),
            "S": OrderStatus,
        },
    )


def _visit_step(request, order_id: int):
    """One step of the visit. The service locks the caregiver's own order (the check that
    it is theirs is part of that statement), so the view reads nothing before it."""
    action = request.POST.get("action", "")
    try:
        if action == "check_in":
            visits.visit_check_in(
                order_id=order_id,
                user=request.user,
                lat=request.POST.get("lat"),
                lon=request.POST.get("lon"),
            )
            messages.success(request, _("Checked in. Remember the photos and the task list."))
        elif action == "checklist":
            visits.visit_set_checklist(
                order_id=order_id, user=request.user, done=request.POST.getlist("done")
            )
            messages.success(request, _("Task list saved."))
        elif action == "photo":
            upload = request.FILES.get("photo")
            if upload is None:
                messages.error(request, _("Choose or take a photo first."))
            else:
                visits.visit_add_photo(
                    order_id=order_id,
                    user=request.user,
                    file=upload,
                    kind=request.POST.get("kind", "during"),
                )
                messages.success(request, _("Photo added."))
        elif action == "check_out":
            visits.visit_check_out(
                order_id=order_id,
                user=request.user,
                lat=request.POST.get("lat"),
                lon=request.POST.get("lon"),
            )
            messages.success(
                request, _("Checked out. Now ask the elder or family to confirm the visit.")
            )
        elif action == "send_code":
            confirmation.visit_send_code(order_id=order_id, user=request.user)
            messages.success(request, _("A confirmation code was sent to the family's phone."))
        elif action == "confirm_code":
            confirmation.visit_confirm_code(
                order_id=order_id, user=request.user, code=request.POST.get("code", "")
            )
            messages.success(request, _("The visit is confirmed. Thank you."))
        elif action == "signature":
            confirmation.visit_confirm_signature(
                order_id=order_id, user=request.user, data_url=request.POST.get("signature", "")
            )
            messages.success(request, _("The visit is confirmed. Thank you."))
        else:
            messages.error(request, _("Unknown action. Reload the page and try again."))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        show_error(request, exc)
    return redirect("elderly_care:visit", order_id=order_id)
