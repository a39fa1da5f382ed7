"""Learning endpoints of the storefront API; included by ``courses.api.urls`` inside the
``api`` namespace."""

from django.urls import path

from . import learning, lessons

urlpatterns = [
    path("me/enrollments/", learning.MyEnrollmentListView.as_view(), name="my-enrollments"),
    path("me/progress/", learning.MyProgressView.as_view(), name="my-progress"),
    path(
        "me/lessons/<int:lesson_id>/position/",
        lessons.MyLessonPositionView.as_view(),
        name="my-lesson-position",
    ),
    path(
        "courses/<slug:slug>/lessons/<int:lesson_id>/",
        lessons.LessonDetailView.as_view(),
        name="course-lesson",
    ),
    path("courses/<slug:slug>/quizzes/<int:quiz_id>/", lessons.QuizDetailView.as_view(), name="course-quiz"),
    path(
        "courses/<slug:slug>/quizzes/<int:quiz_id>/attempts/",
        lessons.QuizAttemptView.as_view(),
        name="course-quiz-attempts",
    ),
    path("courses/<slug:slug>/certificate/", lessons.MyCertificateView.as_view(), name="course-certificate"),
    path("me/wishlist/", learning.MyWishlistView.as_view(), name="my-wishlist"),
    path("me/wishlist/<slug:slug>/", learning.MyWishlistItemView.as_view(), name="my-wishlist-item"),
    path("courses/<slug:slug>/reviews/", learning.CourseReviewListView.as_view(), name="course-reviews"),
    path(
        "courses/<slug:slug>/reviews/mine/", learning.MyCourseReviewView.as_view(), name="course-review-mine"
    ),
]
