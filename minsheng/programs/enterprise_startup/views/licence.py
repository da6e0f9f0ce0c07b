"""The licence: the founder's (or an officer's) PDF download, and the public verification
of a licence's QR code or PDF."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from minsheng.access.decorators import citizen, public

from .. import licence as lic
from .. import selectors
from ..forms import VerifyPdfForm, VerifyTextForm
from ..services import licence as services
from . import http_errors

MAX_PDF = 5 * 1024 * 1024


@citizen
@http_errors
def licence_download(request, app_id: int):
    app = selectors.application_get_for(user=request.user, application_id=app_id, as_founder=not request.user.is_staff)
    licence = selectors.licence_of(application=app)
    if licence is None:
        raise Http404
    response = HttpResponse(
        services.licence_pdf(licence=licence, verify_base_url=request.build_absolute_uri(reverse("enterprise_startup:verify"))),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="licence-{licence.credit_code}.pdf"'
    return response


@public
def verify(request):
    result = None
    if request.method == "POST":
        upload = request.FILES.get("pdf")
        if upload is not None:
            data = upload.read(MAX_PDF + 1)
            result = selectors.licence_verify(pdf=data[:MAX_PDF]) if len(data) <= MAX_PDF else {"result": "unreadable"}
        else:
            result = selectors.licence_verify(document=request.POST.get("document", "")[:8000])
    elif request.GET.get("d"):
        result = selectors.licence_verify(document=lic.document_from_url_value(request.GET["d"][:12000]))
    return render(request, "enterprise_startup/verify.html", {"result": result, "text_form": VerifyTextForm(), "pdf_form": VerifyPdfForm()})
