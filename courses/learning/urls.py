"""Learning pages under ``/<lang>/learn/`` and a course's reviews page; included by
``courses.urls`` inside the ``courses`` namespace."""

from django.urls import path

from . import views as learning

urlpatterns = [
    path("courses/<slug:slug>/reviews/", learning.course_reviews, name="reviews"),
    path("learn/", learning.my_learning, name="my_learning"),
    path("learn/wishlist/", learning.wishlist, name="wishlist"),
    path(
        "learn/certificates/<str:verification_id>/",
        learning.certificate_verify,
        name="certificate_verify",
    ),
    path(
        "learn/certificates/<str:verification_id>/pdf/",
        learning.certificate_pdf_public,
        name="certificate_pdf_public",
    ),
    path("learn/media/<str:token>/", learning.lesson_media, name="lesson_media"),
    path("learn/<slug:slug>/", learning.course_resume, name="course_resume"),
    path("learn/<slug:slug>/enroll/", learning.enroll_free, name="enroll_free"),
    path("learn/<slug:slug>/lessons/<int:lesson_id>/", learning.lesson_view, name="lesson"),
    path(
        "learn/<slug:slug>/lessons/<int:lesson_id>/progress/",
        learning.lesson_progress,
        name="lesson_progress",
    ),
    path("learn/<slug:slug>/certificate/", learning.certificate_view, name="certificate"),
    path("learn/<slug:slug>/certificate.pdf", learning.certificate_pdf_view, name="certificate_pdf"),
    path("learn/<slug:slug>/quizzes/<int:quiz_id>/", learning.quiz_view, name="quiz"),
    path("learn/<slug:slug>/review/", learning.review_submit, name="review_submit"),
    path("learn/<slug:slug>/review/delete/", learning.review_remove, name="review_delete"),
    path("learn/<slug:slug>/wishlist/", learning.wishlist_toggle, name="wishlist_toggle"),
]
