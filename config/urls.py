"""Top-level URLs: each app's pages, the API, OGC API – Features, the admin, the map
scripts' message catalogue, the health check, the metrics and the proposals' pictures."""

import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as accounts_views
from config import metrics
from config.health import healthz
from core.jsi18n import javascript_catalogue
from opendata import ogc
from proposals.media import media_file

urlpatterns = [
    path("", include("proposals.urls")),
    path("", include("voting.urls")),
    path("", include("gisdata.urls")),
    path("", include("reports.urls")),
    path("", include("notifications.urls")),
    path("", include("energy.page_urls")),
    path("dashboard/", include("dashboard.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.pages_urls")),  # terms of use, privacy policy, contact
    path("api/v1/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view: Swagger UI's set-up script is a file (`?script=`), so the page runs
    # under the site's Content-Security-Policy, with no inline script (core/security.py).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
         name="api-docs"),
    # OGC API – Features: the landing page answers at /ogc and /ogc/ alike.
    path("ogc", ogc.LandingWithoutSlash.as_view(), name="ogc-root"),
    path("ogc/", include("opendata.urls")),
    path("admin/", admin.site.urls),
    # The language picker (Django's set_language), which also keeps a signed-in
    # person's choice for the e-mails the workers write to them.
    path("i18n/setlang/", accounts_views.language_set, name="set_language"),
    path("jsi18n/", javascript_catalogue, name="javascript-catalog"),
    path("healthz", healthz, name="healthz"),
    # Prometheus' scrape, for the monitoring's addresses only (core/metrics.py).
    path("metrics", metrics.view, name="metrics"),
]

# Proposal pictures, with DEBUG on or off, where no front server answers /media/ first
# (proposals/media.py). A MEDIA_URL on another host (a CDN) is not served from here.
if settings.MEDIA_URL.startswith("/") and not settings.MEDIA_URL.startswith("//"):
    urlpatterns.append(re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$",
                               media_file, name="media"))

handler404 = "core.api_http.not_found"
handler500 = "core.api_http.server_error"
handler400 = "core.api_http.bad_request"
handler403 = "core.api_http.permission_denied"
