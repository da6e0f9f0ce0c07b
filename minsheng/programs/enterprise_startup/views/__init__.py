"""Pages of the enterprise start-up program, one module per audience: portal (the founder
and the shareholders), workbench (the departments' officers and the supervisors) and licence
(the download, and the public verification)."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from minsheng.core.errors import NotAllowed, NotFound


def http_errors(view):
    """A gate's NotFound becomes a 404 page and NotAllowed a 403, as for any other page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404
        except NotAllowed as e:
            raise PermissionDenied(str(e.message))

    return wrapped
