"""Storefront recommendation endpoints. Both read the stored lists of the active version
through ``recommender.selectors`` and answer ``{"results": [{"course", "score", "reason"}]}``
with the reason in the request's language."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.caching import SharedCacheMixin
from core.exceptions import ApplicationError, NotFound

from ..selectors import (
    InvalidK,
    RecommendedCourse,
    parse_k,
    published_course,
    recommendations_for_user,
    similar_courses,
)

K_PARAMETER = OpenApiParameter(
    "k",
    # Below 1 is a 400 (`invalid_k`); above the maximum is served capped, so no maximum here.
    {"type": "integer", "minimum": 1, "default": 10},
    description="How many courses (1..50, default 10; larger values are capped at 50; below 1 is a 400).",
)


class RecommendedCourseSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    subtitle = serializers.CharField()
    format = serializers.CharField()
    level = serializers.CharField()
    category = serializers.SerializerMethodField()
    cover_color = serializers.CharField()
    rating_average = serializers.DecimalField(max_digits=3, decimal_places=2)
    enrollment_count = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_category(self, course) -> dict:
        return {"slug": course.category.slug, "name": course.category.name}

    def get_url(self, course) -> str:
        return reverse("api:course-detail", kwargs={"slug": course.slug})


class RecommendationSerializer(serializers.Serializer):
    course = RecommendedCourseSummarySerializer()
    score = serializers.FloatField()
    reason = serializers.CharField()
    reason_code = serializers.CharField()


class RecommendationListSerializer(serializers.Serializer):
    results = RecommendationSerializer(many=True)


def _k(request: Request) -> int:
    try:
        return parse_k(request.query_params.get("k"))
    except InvalidK as exc:
        raise ApplicationError(_("k must be a whole number from 1 to 50."), code="invalid_k") from exc


def _answer(items: list[RecommendedCourse]) -> Response:
    rows = [
        {
            "course": item.course,
            "score": round(item.score, 6),
            "reason": item.reason,
            "reason_code": item.reason_code,
        }
        for item in items
    ]
    return Response(RecommendationListSerializer({"results": rows}).data)


class MyRecommendationsView(SharedCacheMixin, APIView):
    """The learner's list, cached per learner until the catalog, the active model or the
    learner's enrollments change (``learner:<id>`` is bumped on enrollment)."""

    permission_classes = [IsAuthenticated]

    def get_cache_namespaces(self, request: Request) -> tuple[str, ...]:
        return ("catalog", f"learner:{request.user.pk}")

    @extend_schema(parameters=[K_PARAMETER], responses=RecommendationListSerializer)
    def get(self, request: Request) -> Response:
        response = self.cached_get(
            request, lambda: _answer(recommendations_for_user(user=request.user, k=_k(request)))
        )
        response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
        return response


class SimilarCoursesView(SharedCacheMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[K_PARAMETER], responses=RecommendationListSerializer)
    def get(self, request: Request, slug: str) -> Response:
        def build() -> Response:
            k = _k(request)
            course = published_course(slug=slug)
            if course is None:
                raise NotFound(_("Course not found."), code="not_found")
            return _answer(similar_courses(course=course, k=k))

        return self.cached_get(request, build)
