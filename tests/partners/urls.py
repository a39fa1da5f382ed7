"""The project's URLs plus the learner consent pages, for as long as config/urls.py does not
mount partners.urls yet (it belongs at /<lang>/account/partners/)."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import NoReverseMatch, include, path, reverse

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = list(project_urlpatterns)


def _mounted() -> bool:
    try:
        reverse("partners:consent_list", urlconf="config.urls")
    except NoReverseMatch:
        return False
    return True


if not _mounted():
    urlpatterns += i18n_patterns(
        path("account/partners/", include("partners.urls")), prefix_default_language=True
    )
