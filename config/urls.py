from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from minsheng.access.decorators import public
from minsheng.api.main import api, guard_path_ids
from minsheng.core import views as core_views
from minsheng.core.registry import registry

admin.site.site_header = _("Minsheng back office")
admin.site.site_title = _("Minsheng back office")
admin.site.index_title = _("Configuration and records")

# The API authenticates its own way (session or token) and answers 401 in
# JSON, so the login-redirect middleware stands aside for it.
api_patterns, api_app_name, api_namespace = api.urls
api_patterns = guard_path_ids(api_patterns)
for pattern in api_patterns:
    pattern.callback.login_required = False
    pattern.callback.minsheng_access = "api"

urlpatterns = [
    path("healthz", public(core_views.health), name="health"),
    path("metrics", public(core_views.metrics), name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", (api_patterns, api_app_name, api_namespace)),
    path("accounts/", include("minsheng.identity.urls")),
    path("notifications/", include("minsheng.notifications.urls")),
    path("ratings/", include("minsheng.ratings.urls")),
    path("files/", include("minsheng.attachments.urls")),
    path("draws/", include("minsheng.draws.urls")),
    path("imports/", include("minsheng.imports.urls")),
    path("workbench/", include("minsheng.workbench.urls")),
    path("", include("minsheng.portal.urls")),
]

# Each program mounts its pages under /p/<key>/.
urlpatterns += [
    path(f"p/{program.key}/", include(program.urls))
    for program in registry.programs()
    if program.urls
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
