from django.urls import path

from .auth import ObtainTokenView
from .profile import MeView

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="me"),
]
