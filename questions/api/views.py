"""Storefront API of questions and answers on lessons. Serializers check the shape of
input; the rules (who may take part, lengths, one upvote each) live in the services."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.throttling import AtomicScopedRateThrottle

from .. import selectors, services
from ..models import BODY_MAX, TITLE_MAX, Answer, Question, Report


def _json_only(request) -> None:
    """Parse the body even where none is expected: a form body is refused (415) as on every
    other endpoint, before anything is written."""
    _ = request.data


class WriteRateThrottle(AtomicScopedRateThrottle):
    """Counts the writes of a client address (asks, answers, upvotes, reports), like every
    other form of the site; reading is not counted."""

    def allow_request(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().allow_request(request, view)


# --- Serializers -----------------------------------------------------------------------


class TextField(serializers.CharField):
    """Text only: a number, a boolean or a list is refused rather than turned into text
    (DRF's CharField would store ``10**40`` as its digits), and so are noncharacters."""

    default_error_messages = {"not_text": _("Enter text.")}

    def to_internal_value(self, data):
        if not isinstance(data, str) or services.has_noncharacters(data):
            self.fail("not_text")
        return super().to_internal_value(data)


class AnswerSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    upvoted = serializers.BooleanField(source="viewer_upvoted", default=False, read_only=True)

    class Meta:
        model = Answer
        fields = ["id", "author", "body", "upvote_count", "upvoted", "created_at"]

    def get_author(self, answer: Answer) -> str:
        return answer.author.first_name or answer.author.username


class QuestionSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    answer_count = serializers.IntegerField(source="answer_total", read_only=True, default=0)
    answers = AnswerSerializer(many=True, read_only=True, source="visible_answers", default=list)

    class Meta:
        model = Question
        fields = [
            "id",
            "lesson",
            "title",
            "body",
            "author",
            "best_answer",
            "answer_count",
            "answers",
            "created_at",
        ]

    def get_author(self, question: Question) -> str:
        return question.author.first_name or question.author.username


class QuestionInputSerializer(serializers.Serializer):
    title = TextField(max_length=TITLE_MAX)
    body = TextField(max_length=BODY_MAX, required=False, allow_blank=True, default="")


class AnswerInputSerializer(serializers.Serializer):
    body = TextField(max_length=BODY_MAX)


class ReportInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    note = TextField(max_length=500, required=False, allow_blank=True, default="")


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "reason", "note", "created_at"]


class UpvoteSerializer(serializers.Serializer):
    upvote_count = serializers.IntegerField()
    upvoted = serializers.BooleanField()


# --- Views -----------------------------------------------------------------------------


class _Base:
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle]
    throttle_scope = "questions"


class LessonQuestionListView(_Base, generics.ListCreateAPIView):
    """Questions on a lesson, newest first, each with its visible answers (most upvoted
    first). Enrolled learners, the instructor and staff read and ask."""

    serializer_class = QuestionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Question.objects.none()
        lesson = selectors.lesson_get(lesson_id=self.kwargs["pk"])
        services.participant_check(user=self.request.user, course=lesson.section.course)
        return selectors.question_list_for_lesson(lesson=lesson, user=self.request.user)

    @extend_schema(request=QuestionInputSerializer, responses={201: QuestionSerializer})
    def post(self, request, pk: int):
        # The body first: bad input is a 400 whatever the lesson, and changes nothing.
        data = QuestionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lesson = selectors.lesson_get(lesson_id=pk)
        question = services.question_ask(user=request.user, lesson=lesson, **data.validated_data)
        question = selectors.question_get(question_id=question.pk, user=request.user)
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionDetailView(_Base, APIView):
    @extend_schema(responses=QuestionSerializer)
    def get(self, request, pk: int):
        question = selectors.question_get(question_id=pk, user=request.user)
        services.participant_check(user=request.user, course=question.course)
        return Response(QuestionSerializer(question).data)


class AnswerCreateView(_Base, APIView):
    @extend_schema(request=AnswerInputSerializer, responses={201: AnswerSerializer})
    def post(self, request, pk: int):
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = selectors.question_for_write(question_id=pk)
        answer = services.answer_post(user=request.user, question=question, body=data.validated_data["body"])
        return Response(AnswerSerializer(answer).data, status=status.HTTP_201_CREATED)


class AnswerBestView(_Base, APIView):
    @extend_schema(request=None, responses=QuestionSerializer)
    def post(self, request, pk: int):
        _json_only(request)
        answer = selectors.answer_for_write(answer_id=pk)
        services.answer_mark_best(user=request.user, answer=answer)
        question = selectors.question_get(question_id=answer.question_id, user=request.user)
        return Response(QuestionSerializer(question).data)


class AnswerUpvoteView(_Base, APIView):
    """POST upvotes once (repeating it changes nothing); DELETE takes the upvote back."""

    @extend_schema(request=None, responses=UpvoteSerializer)
    def post(self, request, pk: int):
        _json_only(request)
        answer = services.answer_upvote(user=request.user, answer=selectors.answer_for_write(answer_id=pk))
        return Response({"upvote_count": answer.upvote_count, "upvoted": True})

    @extend_schema(request=None, responses=UpvoteSerializer)
    def delete(self, request, pk: int):
        _json_only(request)
        answer = selectors.answer_for_write(answer_id=pk)
        services.participant_check(user=request.user, course=answer.question.course)
        answer = services.answer_unvote(user=request.user, answer=answer)
        return Response({"upvote_count": answer.upvote_count, "upvoted": False})


class QuestionReportView(_Base, APIView):
    @extend_schema(request=ReportInputSerializer, responses={201: ReportSerializer})
    def post(self, request, pk: int):
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = selectors.question_for_write(question_id=pk)
        report = services.content_report(user=request.user, question=question, **data.validated_data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class AnswerReportView(_Base, APIView):
    @extend_schema(request=ReportInputSerializer, responses={201: ReportSerializer})
    def post(self, request, pk: int):
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = selectors.answer_for_write(answer_id=pk)
        report = services.content_report(user=request.user, answer=answer, **data.validated_data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)
