from django.http import FileResponse

from minsheng.access.decorators import citizen

from .selectors import attachment_get_for


@citizen
def download(request, key):
    """Serve a file to someone allowed to see what it is attached to."""
    attachment = attachment_get_for(user=request.user, key=key)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=request.GET.get("download") == "1",
        filename=attachment.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response
