"""Every partner-portal page, mounted in the ``portal`` namespace at /<lang>/partner/. The
portal stands on the top floor: its pages compose the selectors of every app."""

from django.urls import path

from . import analytics, campaigns, markets, members, partners, payouts, webhooks

urlpatterns = [
    path("", partners.dashboard, name="dashboard"),
    path("api-keys/", partners.api_key_list, name="api_key_list"),
    path("api-keys/new/", partners.api_key_create, name="api_key_create"),
    path("api-keys/<int:pk>/revoke/", partners.api_key_revoke_view, name="api_key_revoke"),
    path("customers/", partners.customer_list, name="customer_list"),
    path("customers/upload/", partners.customer_upload, name="customer_upload"),
    path("customers/<str:external_hash>/", partners.customer_detail, name="customer_detail"),
    path("learners/", partners.linked_learner_list, name="linked_learner_list"),
    path("webhooks/", webhooks.webhook_list, name="webhook_list"),
    path("webhooks/new/", webhooks.webhook_create, name="webhook_create"),
    path("webhooks/<int:pk>/", webhooks.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/ping/", webhooks.webhook_action, {"action": "ping"}, name="webhook_ping"),
    path("webhooks/<int:pk>/toggle/", webhooks.webhook_action, {"action": "toggle"}, name="webhook_toggle"),
    path("webhooks/<int:pk>/delete/", webhooks.webhook_action, {"action": "delete"}, name="webhook_delete"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_id>/redeliver/",
        webhooks.webhook_redeliver_view,
        name="webhook_redeliver",
    ),
    path("members/", members.member_list, name="member_list"),
    path("members/invite/", members.member_invite, name="member_invite"),
    path("members/<int:pk>/role/", members.member_role, name="member_role"),
    path("members/<int:pk>/remove/", members.member_remove, name="member_remove"),
    path("statements/", payouts.statement_list, name="statement_list"),
    path("statements/<int:pk>/", payouts.statement_detail, name="statement_detail"),
    path("statements/<int:pk>.csv", payouts.statement_download, {"extension": "csv"}, name="statement_csv"),
    path(
        "statements/<int:pk>.xlsx", payouts.statement_download, {"extension": "xlsx"}, name="statement_xlsx"
    ),
    path("campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", campaigns.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/submit/", campaigns.campaign_submit, name="campaign_submit"),
    path("campaigns/<int:pk>/reopen/", campaigns.campaign_reopen, name="campaign_reopen"),
    path("campaigns/<int:pk>/codes/", campaigns.campaign_codes, name="campaign_codes"),
    path("campaigns/<int:pk>/codes.csv", campaigns.campaign_codes_csv, name="campaign_codes_csv"),
    path("campaigns/<int:pk>/links/", campaigns.campaign_links, name="campaign_links"),
    path("campaigns/<int:pk>/plan-grants/", campaigns.campaign_plan_grants, name="campaign_plan_grants"),
    path("campaigns/<int:pk>/metrics/", analytics.campaign_metrics, name="campaign_metrics"),
    path("campaigns/<int:pk>/markets/", markets.campaign_markets, name="campaign_markets"),
    path("campaigns/<int:pk>/metrics.csv", analytics.campaign_analytics_csv, name="campaign_analytics_csv"),
    # The former "Analytics" tab and its CSV address: kept working, both lead to the one page.
    path("campaigns/<int:pk>/analytics/", analytics.campaign_analytics, name="campaign_analytics"),
    path("campaigns/<int:pk>/analytics.csv", analytics.campaign_analytics_csv),
]
