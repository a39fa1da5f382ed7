from django.urls import path

from . import views

app_name = "culture"

urlpatterns = [
    path("themes/", views.theme_index_view, name="theme_index"),
    path("themes/<str:slug>/", views.theme_detail_view, name="theme_detail"),
]
