"""The question forms under ``/<lang>/questions/`` (namespace ``questions``)."""

from django.urls import path

from . import views

app_name = "questions"
urlpatterns = [
    path("lessons/<int:lesson_id>/ask/", views.question_ask, name="ask"),
    path("<int:question_id>/answer/", views.answer_post, name="answer"),
    path("answers/<int:answer_id>/best/", views.answer_best, name="best"),
    path("answers/<int:answer_id>/upvote/", views.answer_upvote, name="upvote"),
    path("<int:item_id>/report/", views.report, {"kind": "question"}, name="report_question"),
    path("answers/<int:item_id>/report/", views.report, {"kind": "answer"}, name="report_answer"),
]
