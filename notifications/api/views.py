"""The learner's notifications in the storefront API: ``GET me/notifications/`` (the inbox),
mark one or all read, and the e-mail preferences per kind."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..models import Kind, Notification


def _json_only(request) -> None:
    """Parse the body even where none is expected: a form body is refused (415) as on every
    other endpoint, before anything is written."""
    _ = request.data


class NotificationSerializer(serializers.ModelSerializer):
    link = serializers.SerializerMethodField()
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "link", "is_read", "read_at", "created_at"]

    def get_link(self, notification: Notification) -> str:
        return notification.link

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    label = serializers.CharField(read_only=True)
    email = serializers.BooleanField()


class MyNotificationListView(generics.ListAPIView):
    """The caller's inbox, newest first; the unread count is ``me/notifications/unread/``."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.inbox_for_user(user=self.request.user)


class MyUnreadCountView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}))
    def get(self, request):
        return Response({"unread": request.user.unread_notifications})


class MyNotificationReadView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request, pk: int):
        _json_only(request)
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationSerializer(notification).data)


class MyNotificationsReadAllView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None, responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()})
    )
    def post(self, request):
        _json_only(request)
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})


class MyNotificationPreferencesView(APIView):
    """E-mail on or off per optional kind (receipts and refunds always go)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=PreferenceSerializer(many=True))
    def get(self, request):
        return Response(
            PreferenceSerializer(selectors.preferences_for_user(user=request.user), many=True).data
        )

    @extend_schema(request=PreferenceSerializer, responses=PreferenceSerializer(many=True))
    def put(self, request):
        data = PreferenceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.preference_set(
            user_id=request.user.pk, kind=data.validated_data["kind"], email=data.validated_data["email"]
        )
        return Response(
            PreferenceSerializer(selectors.preferences_for_user(user=request.user), many=True).data
        )
