"""Storefront API of learning: the learner's enrollments, lesson progress, course reviews
and wishlist. Serializers check the shape of input; the rules live in ``courses.services``."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import CURRENCY_PARAMETER, LANG_PARAMETER
from core.exceptions import NotFound
from core.money import currency_for_request

from .. import services
from ..exceptions import CourseNotFound
from ..learning import selectors
from ..models import Course, Enrollment, Lesson, Review
from ..selectors import course_list
from .catalog import CourseListSerializer


class LessonNotFound(NotFound):
    code = "lesson_not_found"

    def default_message(self):
        return _("This lesson does not exist.")


class ReviewNotFound(NotFound):
    code = "review_not_found"

    def default_message(self):
        return _("You have not reviewed this course.")


# --- Serializers -----------------------------------------------------------------------


class LearningCourseSerializer(serializers.ModelSerializer):
    instructor = serializers.CharField(source="instructor.name")
    category = serializers.CharField(source="category.slug")
    cover = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = [
            "slug",
            "title",
            "subtitle",
            "format",
            "level",
            "category",
            "instructor",
            "cover",
            "cover_color",
            "rating_average",
            "rating_count",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_cover(self, course: Course) -> str | None:
        """URL of the uploaded cover; null when the client should draw one in ``cover_color``."""
        return course.cover.url if course.cover else None


class LessonRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ["id", "title"]


class EnrollmentSerializer(serializers.ModelSerializer):
    course = LearningCourseSerializer()
    lesson_count = serializers.IntegerField(source="lesson_total")
    completion = serializers.SerializerMethodField(help_text="Completed share of the course, 0.0 to 1.0.")
    completion_percent = serializers.IntegerField()
    last_lesson = LessonRefSerializer(allow_null=True)
    resume_lesson = serializers.SerializerMethodField(help_text="The lesson to continue with.")
    enrolled_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "course",
            "source",
            "live_session",
            "enrolled_at",
            "lesson_count",
            "completed_lessons",
            "completion",
            "completion_percent",
            "last_lesson",
            "resume_lesson",
            "completed_at",
        ]

    def get_completion(self, enrollment: Enrollment) -> float:
        return selectors.completion_share(
            completed_lessons=enrollment.completed_lessons, lesson_total=enrollment.lesson_total
        )

    def get_resume_lesson(self, enrollment: Enrollment) -> int | None:
        return enrollment.last_lesson_id or enrollment.first_lesson_id


class ProgressInputSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(min_value=1)
    completed = serializers.BooleanField(default=True)


class ProgressOutputSerializer(serializers.Serializer):
    lesson = serializers.IntegerField()
    completed = serializers.BooleanField()
    course = serializers.CharField()
    lesson_count = serializers.IntegerField()
    completed_lessons = serializers.IntegerField()
    completion = serializers.FloatField()
    completed_at = serializers.DateTimeField(allow_null=True)


@extend_schema_field(OpenApiTypes.INT)
class RawRatingField(serializers.Field):
    """Passed through untouched: the service decides what a valid rating is, so 0, 6,
    "abc" and a missing rating all answer the same ``invalid_rating`` code."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class ReviewInputSerializer(serializers.Serializer):
    rating = RawRatingField(required=False, allow_null=True, default=None)
    text = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="The language the review is written in; defaults to the request's language.",
    )


class ReviewSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = ["id", "rating", "text", "language", "author", "created_at", "updated_at"]

    def get_author(self, review: Review) -> str:
        return review.user.first_name or review.user.username


class ReviewQuerySerializer(serializers.Serializer):
    ordering = serializers.ChoiceField(
        choices=list(selectors.REVIEW_ORDERINGS),
        default=selectors.DEFAULT_REVIEW_ORDERING,
        help_text="newest (default), oldest, highest or lowest rating first.",
    )
    rating = serializers.IntegerField(
        required=False, min_value=1, max_value=5, help_text="Only reviews with this many stars."
    )


class WishlistCourseSerializer(CourseListSerializer):
    saved_at = serializers.DateTimeField(help_text="When the learner saved the course.")

    class Meta(CourseListSerializer.Meta):
        fields = [*CourseListSerializer.Meta.fields, "saved_at"]


class WishlistStateSerializer(serializers.Serializer):
    course = serializers.SlugField()
    saved = serializers.BooleanField()


# --- Views -----------------------------------------------------------------------------


def _published_course(slug: str) -> Course:
    course = Course.objects.filter(slug=slug, is_published=True).first()
    if course is None:
        raise CourseNotFound()
    return course


class MyEnrollmentListView(generics.ListAPIView):
    """The caller's active enrollments with completion and where to resume."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = EnrollmentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Enrollment.objects.none()
        return selectors.enrollment_list_for_user(user=self.request.user)


class MyProgressView(APIView):
    """Mark a lesson complete (``"completed": false`` undoes it)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=ProgressInputSerializer, responses=ProgressOutputSerializer)
    def post(self, request):
        data = ProgressInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lesson = (
            Lesson.objects.select_related("section__course").filter(pk=data.validated_data["lesson"]).first()
        )
        if lesson is None:
            raise LessonNotFound()
        completed = data.validated_data["completed"]
        enrollment = services.lesson_progress_set(user=request.user, lesson=lesson, completed=completed)
        total = services.course_lesson_total(course_id=enrollment.course_id)
        body = {
            "lesson": lesson.pk,
            "completed": completed,
            "course": lesson.section.course.slug,
            "lesson_count": total,
            "completed_lessons": enrollment.completed_lessons,
            "completion": selectors.completion_share(
                completed_lessons=enrollment.completed_lessons, lesson_total=total
            ),
            "completed_at": enrollment.completed_at,
        }
        return Response(ProgressOutputSerializer(body).data)


class CourseReviewListView(generics.ListCreateAPIView):
    """Reviews of a published course, newest first; enrolled learners post (or edit)
    their one review."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    serializer_class = ReviewSerializer

    @extend_schema(parameters=[ReviewQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no course
            return Review.objects.none()
        course = _published_course(self.kwargs["slug"])
        query = ReviewQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.review_list_for_course(course=course, **query.validated_data)

    @extend_schema(request=ReviewInputSerializer, responses={200: ReviewSerializer, 201: ReviewSerializer})
    def post(self, request, slug: str):
        course = _published_course(slug)
        data = ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        existed = selectors.review_for_user(user=request.user, course=course) is not None
        review = services.review_upsert(user=request.user, course=course, **data.validated_data)
        body = ReviewSerializer(review).data
        body["course"] = {"rating_average": str(course.rating_average), "rating_count": course.rating_count}
        return Response(body, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class MyCourseReviewView(APIView):
    """The caller's own review of a course: read or delete it."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ReviewSerializer)
    def get(self, request, slug: str):
        review = selectors.review_for_user(user=request.user, course=_published_course(slug))
        if review is None:
            raise ReviewNotFound()
        return Response(ReviewSerializer(review).data)

    @extend_schema(responses={204: None})
    def delete(self, request, slug: str):
        if not services.review_delete(user=request.user, course=_published_course(slug)):
            raise ReviewNotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[LANG_PARAMETER, CURRENCY_PARAMETER])
class MyWishlistView(generics.ListAPIView):
    """The caller's saved courses, the latest saved first."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = WishlistCourseSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Course.objects.none()
        currency = currency_for_request(self.request)
        return selectors.wishlist_courses(user=self.request.user, courses=course_list(currency=currency))


class MyWishlistItemView(APIView):
    """Save a course (``PUT``, idempotent: 201 when new, 200 when already saved) or take it
    off the wishlist (``DELETE``)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: WishlistStateSerializer, 201: WishlistStateSerializer})
    def put(self, request, slug: str):
        created = services.wishlist_add(user=request.user, course=_published_course(slug))
        return Response(
            {"course": slug, "saved": True}, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(request=None, responses={200: WishlistStateSerializer})
    def delete(self, request, slug: str):
        services.wishlist_remove(user=request.user, course=_published_course(slug))
        return Response({"course": slug, "saved": False})
