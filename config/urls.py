"""Root URLs: the storefront and the partner portal under ``/<lang>/``, the two APIs,
the schema, the admin and the health probes. Each app owns its URL modules; this file
only mounts them, so the portal and each API are namespaces assembled from several apps."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views as core_views

storefront_api = [
    path("", include("accounts.api.urls")),
    path("", include("courses.api.urls")),
    path("", include("commerce.api.urls")),
    path("", include("invoices.api.urls")),
    path("", include("plans.api.urls")),
    path("", include("campaigns.api.storefront_urls")),
    path("", include("recommender.api.urls")),
    path("", include("questions.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("referrals.api.urls")),
]

partner_api = [
    path("", include("partners.api.urls")),
    path("", include("campaigns.api.urls")),
    path("", include("analytics.api.partner_urls")),
    path("", include("payouts.api.partner_urls")),
    path("", include("recommender.api.partner_urls")),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/analytics/", include("analytics.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((storefront_api, "api"), namespace="api")),
    path("api/partner/v1/", include((partner_api, "partner_api"), namespace="partner_api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("t/", include("campaigns.tracking_urls")),
    # Sign in with WeChat and Google: allauth's provider hand-shakes only (SOCIALACCOUNT_ONLY),
    # without a language prefix so each provider has one callback URL (accounts/social.py).
    path("accounts/social/", include("allauth.urls")),
    path("r/", include("referrals.link_urls")),
]

urlpatterns += i18n_patterns(
    path("accounts/", include("accounts.urls")),
    path("account/partners/", include("partners.urls")),
    path("partners/", include("partners.onboarding_urls")),
    path("partner/", include(("portal.urls", "portal"), namespace="portal")),
    path("c/", include("campaigns.urls")),
    path("questions/", include("questions.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("invoices.urls")),
    path("referrals/", include("referrals.urls")),
    path("", include("culture.urls")),
    path("", include("commerce.urls")),
    path("", include("plans.urls")),
    path("", include("courses.urls")),
    prefix_default_language=True,
)

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
elif getattr(settings, "SERVE_MEDIA", False):
    # static() serves nothing without DEBUG, and `make run` runs with DEBUG off.
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [re_path(rf"^{media_prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
