from django.urls import path

from .auth import ObtainTokenView
from .phone import MyPhoneCodeView, MyPhoneView, PhoneCodeView, PhoneTokenView
from .profile import MeView

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("auth/phone/code/", PhoneCodeView.as_view(), name="auth-phone-code"),
    path("auth/phone/token/", PhoneTokenView.as_view(), name="auth-phone-token"),
    path("me/", MeView.as_view(), name="me"),
    path("me/phone/code/", MyPhoneCodeView.as_view(), name="my-phone-code"),
    path("me/phone/", MyPhoneView.as_view(), name="my-phone"),
]
