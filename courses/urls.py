"""Storefront pages of the ``courses`` app under ``/<lang>/``. Learning pages (my learning,
lessons) are added to ``urlpatterns`` by their own module."""

from django.urls import include, path

from .views import catalog

app_name = "courses"

urlpatterns = [
    path("", catalog.home, name="home"),
    path("courses/", catalog.course_list_view, name="list"),
    path("courses/<slug:slug>/", catalog.course_detail_view, name="detail"),
    path("instructors/<slug:slug>/", catalog.instructor_view, name="instructor"),
    path("", include("courses.learning.urls")),
]
