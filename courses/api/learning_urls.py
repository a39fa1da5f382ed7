"""Learning endpoints of the storefront API; included by ``courses.api.urls`` inside the
``api`` namespace."""

from django.urls import path

from . import learning

urlpatterns = [
    path("me/enrollments/", learning.MyEnrollmentListView.as_view(), name="my-enrollments"),
    path("me/progress/", learning.MyProgressView.as_view(), name="my-progress"),
    path("me/wishlist/", learning.MyWishlistView.as_view(), name="my-wishlist"),
    path("me/wishlist/<slug:slug>/", learning.MyWishlistItemView.as_view(), name="my-wishlist-item"),
    path("courses/<slug:slug>/reviews/", learning.CourseReviewListView.as_view(), name="course-reviews"),
    path(
        "courses/<slug:slug>/reviews/mine/", learning.MyCourseReviewView.as_view(), name="course-review-mine"
    ),
]
