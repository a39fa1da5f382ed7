"""House rule: every API view declares its permission classes instead of inheriting
the project default by accident."""

from django.urls import URLResolver, get_resolver
from rest_framework.views import APIView

API_PREFIXES = ("api/v1/", "api/partner/v1/")


def _api_views():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), getattr(pattern.callback, "cls", None)

    return [
        (route, cls)
        for route, cls in walk(get_resolver().url_patterns)
        if route.startswith(API_PREFIXES) and cls is not None and issubclass(cls, APIView)
    ]


def _declares_permissions(cls) -> bool:
    ours = [klass for klass in cls.__mro__ if not klass.__module__.startswith(("rest_framework", "builtins"))]
    return any("permission_classes" in vars(klass) for klass in ours)


def test_every_api_view_declares_its_permission_classes():
    views = _api_views()

    undeclared = sorted(
        f"{route} ({cls.__module__}.{cls.__name__})" for route, cls in views if not _declares_permissions(cls)
    )

    assert len(views) >= 5
    assert undeclared == []


def test_storefront_catalog_is_public_and_profile_is_private():
    from rest_framework.permissions import AllowAny, IsAuthenticated

    from accounts.api.auth import ObtainTokenView
    from accounts.api.profile import MeView
    from courses.api.catalog import CategoryListView, CourseDetailView, CourseListView

    for view in (CategoryListView, CourseListView, CourseDetailView, ObtainTokenView):
        assert view.permission_classes == [AllowAny]
    assert MeView.permission_classes == [IsAuthenticated]
