from django.urls import include, path

from .catalog import CategoryListView, CourseDetailView, CourseListView, InstructorDetailView

urlpatterns = [
    path("categories/", CategoryListView.as_view(), name="category-list"),
    path("courses/", CourseListView.as_view(), name="course-list"),
    path("courses/<slug:slug>/", CourseDetailView.as_view(), name="course-detail"),
    path("instructors/<slug:slug>/", InstructorDetailView.as_view(), name="instructor-detail"),
    path("", include("courses.api.learning_urls")),
]
