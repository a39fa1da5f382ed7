"""Questions and answers in the storefront API (mounted by ``config.urls`` in ``api``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("lessons/<int:pk>/questions/", views.LessonQuestionListView.as_view(), name="lesson-questions"),
    path("questions/<int:pk>/", views.QuestionDetailView.as_view(), name="question-detail"),
    path("questions/<int:pk>/answers/", views.AnswerCreateView.as_view(), name="question-answers"),
    path("questions/<int:pk>/report/", views.QuestionReportView.as_view(), name="question-report"),
    path("answers/<int:pk>/best/", views.AnswerBestView.as_view(), name="answer-best"),
    path("answers/<int:pk>/upvote/", views.AnswerUpvoteView.as_view(), name="answer-upvote"),
    path("answers/<int:pk>/report/", views.AnswerReportView.as_view(), name="answer-report"),
]
