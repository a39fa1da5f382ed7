"""Notification endpoints of the storefront API (mounted by ``config.urls`` in ``api``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("me/notifications/", views.MyNotificationListView.as_view(), name="my-notifications"),
    path("me/notifications/unread/", views.MyUnreadCountView.as_view(), name="my-notifications-unread"),
    path(
        "me/notifications/read-all/",
        views.MyNotificationsReadAllView.as_view(),
        name="my-notifications-read-all",
    ),
    path(
        "me/notifications/<int:pk>/read/", views.MyNotificationReadView.as_view(), name="my-notification-read"
    ),
    path(
        "me/notification-preferences/",
        views.MyNotificationPreferencesView.as_view(),
        name="my-notification-preferences",
    ),
]
