"""The learner's referral pages under ``/<lang>/referrals/``."""

from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.earnings, name="earnings"),
    path("join/", views.join, name="join"),
    path("claim/", views.claim, name="claim"),
    path("withdraw/", views.withdraw, name="withdraw"),
    path("share/", views.share_pick, name="share_pick"),
    path("courses/<slug:slug>/", views.share, name="share"),
    path("plans/<slug:slug>/", views.share_plan, name="share_plan"),
    path("statements/<uuid:number>/", views.statement, name="statement"),
]
