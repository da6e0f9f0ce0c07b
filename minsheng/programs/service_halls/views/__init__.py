"""The program's pages, one module per audience: public (no sign-in), portal (citizens),
workbench (clerks and supervisors at work), manage (hall managers), display (the hall's TV)."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from minsheng.core.errors import NotAllowed, NotFound


def http_errors(view):
    """NotFound → 404 and NotAllowed → 403 for pages (the API maps them itself)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as e:
            raise Http404(str(e.message))
        except NotAllowed as e:
            raise PermissionDenied(str(e.message))

    return wrapped


def qr_svg(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_inline(scale=4)
