"""Referral endpoints of the storefront API (mounted by ``config.urls`` in ``api``)."""

from django.urls import path

from . import storefront as views

urlpatterns = [
    path("me/referral/", views.MyReferralView.as_view(), name="my-referral"),
    path("me/referral/commissions/", views.MyCommissionListView.as_view(), name="my-referral-commissions"),
    path("me/referral/withdrawals/", views.MyWithdrawalListView.as_view(), name="my-referral-withdrawals"),
    path("me/referral/claims/", views.MyReferralClaimView.as_view(), name="my-referral-claims"),
    path("me/referral/poster/", views.MyReferralPosterView.as_view(), name="referral-poster"),
]
