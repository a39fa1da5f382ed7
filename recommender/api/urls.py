from django.urls import path

from .storefront import MyRecommendationsView, SimilarCoursesView

urlpatterns = [
    path("me/recommendations/", MyRecommendationsView.as_view(), name="my-recommendations"),
    path("courses/<slug:slug>/similar/", SimilarCoursesView.as_view(), name="course-similar"),
]
