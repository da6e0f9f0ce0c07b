"""Operators' endpoints: health and metrics (public; marked where config/urls.py mounts them)."""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.cache import never_cache
from django_prometheus.exports import ExportToDjangoView

from .health import as_json, health_report
from .middleware import client_ip


@never_cache
def health(request):
    """For load balancers and monitoring: 200 (ok or degraded) or 503 with each check's result."""
    status, checks = health_report()
    return JsonResponse(as_json(status, checks), status=503 if status == "error" else 200)


@never_cache
def metrics(request):
    """Prometheus metrics, to the scraper's addresses only (METRICS_ALLOWED_IPS)."""
    if client_ip(request) not in settings.METRICS_ALLOWED_IPS:
        raise Http404
    return ExportToDjangoView(request)
