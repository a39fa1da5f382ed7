"""Storefront API of the player, drip release, quizzes and certificates: a lesson's
content with a signed media URL, the player's position, a quiz and its attempts, the
learner's certificate. Serializers check the shape; the rules live in the services."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound

from .. import services
from ..exceptions import CourseNotFound, NotEnrolled
from ..learning import media, selectors
from ..learning import services as learning_services
from ..models import Course, Lesson
from .learning import LessonNotFound


class QuizNotFound(NotFound):
    code = "quiz_not_found"

    def default_message(self):
        return _("This quiz does not exist.")


class CertificateNotFound(NotFound):
    code = "certificate_not_found"

    def default_message(self):
        return _("Complete every lesson and required quiz of this course to get your certificate.")


def _lesson_of_course(slug: str, lesson_id: int) -> Lesson:
    lesson = (
        Lesson.objects.select_related("section__course")
        .filter(pk=lesson_id, section__course__slug=slug)
        .first()
    )
    if lesson is None:
        raise LessonNotFound()
    return lesson


class LessonMediaSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["video", "audio"])
    url = serializers.CharField(
        help_text="Signed URL, valid for LESSON_MEDIA_URL_SECONDS, for this learner only."
    )
    seconds = serializers.IntegerField(help_text="Length entered by staff; 0 when unknown.")


class LessonDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    section = serializers.CharField()
    is_preview = serializers.BooleanField()
    locked = serializers.BooleanField()
    opens_at = serializers.DateTimeField(allow_null=True)
    body = serializers.CharField(
        allow_null=True, help_text="The text (an e-book chapter); null while locked."
    )
    media = LessonMediaSerializer(allow_null=True)
    position = serializers.FloatField(help_text="Where to resume, in seconds.")
    completed = serializers.BooleanField()


class LessonDetailView(APIView):
    """A lesson to learn: its text and a signed media URL. Preview lessons are open to
    everyone; others to enrolled learners once their section has opened (drip: ``locked``
    with ``opens_at``, and no content, until then)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=LessonDetailSerializer)
    def get(self, request, slug: str, lesson_id: int):
        lesson = _lesson_of_course(slug, lesson_id)
        course = lesson.section.course
        enrollment = selectors.enrollment_active_get(user=request.user, course_id=course.pk)
        if enrollment is None and not (lesson.is_preview and course.is_published):
            if not course.is_published:
                raise CourseNotFound()
            raise NotEnrolled()
        opens_at = services.lesson_opens_at(lesson=lesson, section=lesson.section, enrollment=enrollment)
        progress = selectors.lesson_progress_get(user=request.user, lesson=lesson) if enrollment else None
        open_now = opens_at is None
        body = {
            "id": lesson.pk,
            "title": lesson.title,
            "section": lesson.section.title,
            "is_preview": lesson.is_preview,
            "locked": not open_now,
            "opens_at": opens_at,
            "body": lesson.body if open_now else None,
            "media": (
                {
                    "kind": lesson.media_kind,
                    "url": request.build_absolute_uri(
                        media.lesson_media_url(lesson=lesson, user=request.user)
                    ),
                    "seconds": lesson.media_seconds,
                }
                if open_now and lesson.media_file
                else None
            ),
            "position": progress.position_seconds if progress else 0.0,
            "completed": bool(progress and progress.completed),
        }
        return Response(LessonDetailSerializer(body).data)


class PositionInputSerializer(serializers.Serializer):
    position = serializers.FloatField(min_value=0, max_value=24 * 3600)
    duration = serializers.FloatField(min_value=0, max_value=24 * 3600, required=False, allow_null=True)


class PositionOutputSerializer(serializers.Serializer):
    lesson = serializers.IntegerField()
    position = serializers.FloatField()
    watched = serializers.FloatField(help_text="Seconds really played, counted by the server.")
    media_seconds = serializers.FloatField()
    completed = serializers.BooleanField()


class MyLessonPositionView(APIView):
    """The player's position in a lesson (resume); saving it also counts what was played,
    and at the lesson's watched share (``LESSON_COMPLETION_SHARE``) the lesson completes."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=PositionInputSerializer, responses=PositionOutputSerializer)
    def post(self, request, lesson_id: int):
        data = PositionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lesson = Lesson.objects.filter(pk=lesson_id).first()
        if lesson is None:
            raise LessonNotFound()
        progress = learning_services.lesson_position_save(
            user=request.user,
            lesson=lesson,
            position=data.validated_data["position"],
            duration=data.validated_data.get("duration"),
        )
        body = {
            "lesson": lesson.pk,
            "position": progress.position_seconds,
            "watched": progress.watched_seconds,
            "media_seconds": progress.media_seconds,
            "completed": progress.completed,
        }
        return Response(PositionOutputSerializer(body).data)


class ChoiceOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class QuestionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    choices = ChoiceOutSerializer(many=True, source="choices.all")


class QuizSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    section = serializers.IntegerField(source="section_id", allow_null=True)
    pass_mark = serializers.IntegerField()
    required_for_certificate = serializers.BooleanField()
    questions = QuestionOutSerializer(many=True, source="questions.all")


class AttemptInputSerializer(serializers.Serializer):
    answers = serializers.JSONField(
        help_text='{"<question id>": [<choice id>, ...]}; a question left out counts as wrong.'
    )


class AttemptOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    score = serializers.IntegerField()
    passed = serializers.BooleanField()
    pass_mark = serializers.IntegerField(source="quiz.pass_mark")
    course_completed = serializers.BooleanField()


def _enrolled_course(request, slug: str) -> Course:
    course = Course.objects.filter(slug=slug).first()
    if course is None:
        raise CourseNotFound()
    if selectors.enrollment_active_get(user=request.user, course_id=course.pk) is None:
        raise NotEnrolled()
    return course


class QuizDetailView(APIView):
    """A quiz of a course the caller is enrolled in: questions and choices (never which
    choices are correct)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=QuizSerializer)
    def get(self, request, slug: str, quiz_id: int):
        quiz = selectors.quiz_for_taking(course=_enrolled_course(request, slug), quiz_id=quiz_id)
        if quiz is None:
            raise QuizNotFound()
        return Response(QuizSerializer(quiz).data)


class QuizAttemptView(APIView):
    """Submit answers; the answer says the score and whether the quiz is passed."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=AttemptInputSerializer, responses={201: AttemptOutputSerializer})
    def post(self, request, slug: str, quiz_id: int):
        course = _enrolled_course(request, slug)
        data = AttemptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quiz = selectors.quiz_for_taking(course=course, quiz_id=quiz_id)
        if quiz is None:
            raise QuizNotFound()
        attempt = learning_services.quiz_attempt_submit(
            user=request.user, quiz=quiz, answers=data.validated_data["answers"]
        )
        attempt.course_completed = (
            selectors.certificate_for_user(user=request.user, course_id=course.pk) is not None
        )
        return Response(AttemptOutputSerializer(attempt).data, status=status.HTTP_201_CREATED)


class CertificateSerializer(serializers.Serializer):
    verification_id = serializers.CharField()
    issued_at = serializers.DateTimeField()
    verify_url = serializers.URLField(
        help_text="Public page that confirms the certificate: the link to share."
    )
    pdf_url = serializers.URLField()


class MyCertificateView(APIView):
    """The caller's certificate for a course, once earned."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=CertificateSerializer)
    def get(self, request, slug: str):
        course = Course.objects.filter(slug=slug).only("id").first()
        certificate = course and selectors.certificate_for_user(user=request.user, course_id=course.pk)
        if not certificate:
            raise CertificateNotFound()
        verify = reverse(
            "courses:certificate_verify", kwargs={"verification_id": certificate.verification_id}
        )
        pdf = reverse(
            "courses:certificate_pdf_public", kwargs={"verification_id": certificate.verification_id}
        )
        body = {
            "verification_id": certificate.verification_id,
            "issued_at": certificate.issued_at,
            "verify_url": request.build_absolute_uri(verify),
            "pdf_url": request.build_absolute_uri(pdf),
        }
        return Response(CertificateSerializer(body).data)
