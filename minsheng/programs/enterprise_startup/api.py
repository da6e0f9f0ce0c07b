"""/api/v1/enterprise_startup/ — the same services as the pages."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from minsheng.access.selectors import user_has_role
from minsheng.core.errors import NotFound

from . import selectors
from .services import departments, draft, names, submission
from .services import licence as licence_services
from .services.form import STEP_ORDER

router = Router(tags=["enterprise_startup"])
STAFF = ["case_officer", "department_head"]


class NameIn(Schema):
    region: str
    trade_name: str
    industry: str
    org_form: str
    enterprise_type: str = ""
    restricted_note: str = ""


class ReserveIn(NameIn):
    pledge: bool = False


class CheckOut(Schema):
    ok: bool
    full_name: str
    errors: dict[str, list[str]]
    warnings: list[str]
    restricted: list[str]
    similar: list[str]


class DraftOut(Schema):
    id: int
    name: str
    state: str
    steps_done: list[str]
    data: dict
    case_reference: str | None


class StepIn(Schema):
    data: dict


class StepOut(Schema):
    code: str
    title: str
    state: str
    organisation: str
    due_at: datetime | None
    completed_at: datetime | None
    overdue: bool
    working_hours: float | None
    result: dict


class TrackerOut(Schema):
    id: int
    name: str
    state: str
    reference: str | None
    visits: int
    elapsed_working_hours: float | None
    credit_code: str | None
    delivery_state: str | None
    steps: list[StepOut]


class TaskDoneIn(Schema):
    data: dict = {}
    outcome: str = "done"
    comment: str = ""


class VerifyIn(Schema):
    document: str


class VerifyOut(Schema):
    result: str
    signature_valid: bool
    payload: dict | None
    status: str | None


def _draft(app) -> DraftOut:
    data = draft.draft_data(app)
    return DraftOut(
        id=app.pk,
        name=app.reservation.full_name,
        state=app.state,
        steps_done=app.steps_done,
        data={k: data.get(k) for k in STEP_ORDER if k in data},
        case_reference=app.case.reference if app.case_id else None,
    )


@router.get("/names/check", response=CheckOut)
def name_check(request, region: str, trade_name: str, industry: str, org_form: str, enterprise_type: str = "", restricted_note: str = ""):
    return names.name_check(
        region_code=region[:12], trade_name=trade_name[:40], industry=industry[:40], org_form=org_form[:20],
        enterprise_type=enterprise_type[:20], restricted_note=restricted_note[:500],
    ).as_dict()


@router.post("/drafts", response={201: DraftOut})
def draft_create(request, body: ReserveIn):
    app = names.name_reserve(
        applicant=request.auth, region_code=body.region, trade_name=body.trade_name, industry=body.industry,
        org_form=body.org_form, enterprise_type=body.enterprise_type, pledge=body.pledge, restricted_note=body.restricted_note,
    )
    return 201, _draft(app)


@router.get("/drafts", response=list[DraftOut])
def draft_list(request):
    return [_draft(a) for a in selectors.applications_of(user=request.auth)]


@router.get("/drafts/{app_id}", response=DraftOut)
def draft_get(request, app_id: int):
    return _draft(selectors.application_get_for(user=request.auth, application_id=app_id))


@router.put("/drafts/{app_id}/steps/{step}", response=DraftOut)
def draft_step_save(request, app_id: int, step: str, body: StepIn):
    app = selectors.application_get_for(user=request.auth, application_id=app_id)
    draft.draft_save(application=app, actor=request.auth, step=step, data=body.data)
    return _draft(app)


class ProofOut(Schema):
    attachment_id: int


@router.post("/drafts/{app_id}/proof", response={201: ProofOut})
def address_proof_upload(request, app_id: int, proof: UploadedFile = File(...)):  # noqa: B008
    """Upload the proof of title or lease (PDF, JPEG or PNG); then save the address step
    with ``proof_attachment`` set to the id returned. A refusal names ``address.proof``."""
    app = selectors.application_get_for(user=request.auth, application_id=app_id)
    attachment = draft.address_proof_store(application=app, actor=request.auth, file=proof)
    return Status(201, ProofOut(attachment_id=attachment.pk))


@router.post("/drafts/{app_id}/confirmations", response=DraftOut)
def confirmations_request(request, app_id: int):
    app = selectors.application_get_for(user=request.auth, application_id=app_id)
    submission.confirmations_request(application=app, actor=request.auth)
    app.refresh_from_db()
    return _draft(app)


@router.post("/confirmations/{confirmation_id}", response={204: None})
def confirmation_sign(request, confirmation_id: int):
    row = selectors.confirmation_get_for(user=request.auth, confirmation_id=confirmation_id)
    submission.confirmation_sign(confirmation=row, user=request.auth)
    return 204, None


@router.post("/drafts/{app_id}/submit", response=TrackerOut)
def submit(request, app_id: int):
    app = selectors.application_get_for(user=request.auth, application_id=app_id)
    submission.application_submit(application=app, actor=request.auth)
    return tracker(request, app_id)


@router.get("/applications/{app_id}/tracker", response=TrackerOut)
def tracker(request, app_id: int):
    app = selectors.application_get_for(user=request.auth, application_id=app_id, as_founder=not request.auth.is_staff)
    lic_row = selectors.licence_of(application=app)
    delivery = getattr(app, "delivery", None)
    return TrackerOut(
        id=app.pk, name=app.reservation.full_name, state=app.state,
        reference=app.case.reference if app.case_id else None, visits=app.visits,
        elapsed_working_hours=app.elapsed_working_hours,
        credit_code=lic_row.credit_code if lic_row else None,
        delivery_state=delivery.state if delivery else None,
        steps=[StepOut(**{**s.__dict__, "state": s.state}) for s in selectors.tracker(application=app)],
    )


@router.post("/tasks/{task_id}/complete", response=TrackerOut, url_name="enterprise_startup_task_complete")
def task_complete(request, task_id: int, body: TaskDoneIn):
    if not user_has_role(user=request.auth, roles=STAFF) and not request.auth.is_superuser:
        raise PermissionDenied
    task = selectors.task_for_staff(user=request.auth, task_id=task_id)
    departments.step_complete(task=task, actor=request.auth, data=body.data, outcome=body.outcome, comment=body.comment)
    return tracker(request, task.case.startup_application.pk)


@router.get("/applications/{app_id}/licence.pdf")
def licence_download(request, app_id: int):
    app = selectors.application_get_for(user=request.auth, application_id=app_id, as_founder=not request.auth.is_staff)
    lic_row = selectors.licence_of(application=app)
    if lic_row is None:
        raise NotFound()
    response = HttpResponse(
        licence_services.licence_pdf(licence=lic_row, verify_base_url=request.build_absolute_uri(reverse("enterprise_startup:verify"))),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="licence-{lic_row.credit_code}.pdf"'
    return response


@router.post("/verify", auth=None, response=VerifyOut)
def verify(request, body: VerifyIn):
    return selectors.licence_verify(document=body.document[:8000])


@router.post("/verify/pdf", auth=None, response=VerifyOut)
def verify_pdf(request, pdf: UploadedFile = File(...)):  # noqa: B008 — ninja declares uploads this way
    data = pdf.read(5 * 1024 * 1024 + 1)
    if len(data) > 5 * 1024 * 1024:
        return {"result": "unreadable", "signature_valid": False, "payload": None, "status": None}
    return selectors.licence_verify(pdf=data)


class LicenceStatusIn(Schema):
    status: str  # "changed" | "revoked"
    reason: str


class LicenceStatusOut(Schema):
    credit_code: str
    status: str


@router.post("/applications/{app_id}/licence/status", response=LicenceStatusOut)
def licence_status(request, app_id: int, body: LicenceStatusIn):
    """Market regulation records that the application's licence was changed or revoked."""
    app = selectors.application_get_for(user=request.auth, application_id=app_id, as_founder=False)
    row = licence_services.licence_status_record(user=request.auth, application=app, status=body.status,
                                                 reason=body.reason)
    return {"credit_code": row.credit_code, "status": row.status}
