"""Partner API: the partner's monthly statements and current balances (scope
``statements:read``). Scoped to the key's partner: another partner's statement is a 404."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api.auth import PartnerApiMixin
from partners.models import ApiKey

from .. import selectors
from ..models import PartnerStatement, StatementLine

ERRORS = {
    401: OpenApiResponse(description="Missing, invalid or revoked API key."),
    403: OpenApiResponse(description="The key lacks the `statements:read` scope."),
}


class StatementLineSerializer(serializers.ModelSerializer):
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True)
    net = serializers.SerializerMethodField()

    class Meta:
        model = StatementLine
        fields = ["campaign", "campaign_name", "earned", "reversed", "net"]

    def get_net(self, line: StatementLine) -> str:
        return str(line.earned + line.reversed)


class StatementSerializer(serializers.ModelSerializer):
    lines = StatementLineSerializer(many=True)

    class Meta:
        model = PartnerStatement
        fields = [
            "id",
            "currency",
            "period_start",
            "period_end",
            "opening_balance",
            "earned",
            "reversed",
            "paid_out",
            "closing_balance",
            "closed_at",
            "lines",
        ]


class BalanceSerializer(serializers.Serializer):
    currency = serializers.CharField()
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Owed now.")
    this_month = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Added since the last closed month."
    )
    paid_out = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Paid out in all.")


@extend_schema(tags=["partner: statements"], responses={200: StatementSerializer(many=True), **ERRORS})
class StatementListView(PartnerApiMixin, generics.ListAPIView):
    """Closed monthly statements, the latest first. Amounts are decimal strings in the
    statement's currency; a statement never changes once closed."""

    required_scope = ApiKey.Scope.READ_STATEMENTS
    serializer_class = StatementSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PartnerStatement.objects.none()
        return selectors.statement_list(partner_id=self.request.partner.pk)


@extend_schema(
    tags=["partner: statements"],
    responses={200: StatementSerializer, 404: OpenApiResponse(description="No such statement."), **ERRORS},
)
class StatementDetailView(PartnerApiMixin, APIView):
    required_scope = ApiKey.Scope.READ_STATEMENTS

    def get(self, request, pk: int):
        statement = selectors.statement_get(partner_id=request.partner.pk, pk=pk)
        return Response(StatementSerializer(statement).data)


@extend_schema(tags=["partner: statements"], responses={200: BalanceSerializer(many=True), **ERRORS})
class BalanceView(PartnerApiMixin, APIView):
    """What the platform owes the partner now, per currency."""

    required_scope = ApiKey.Scope.READ_STATEMENTS

    def get(self, request):
        rows = selectors.partner_balances(partner_id=request.partner.pk)
        return Response(BalanceSerializer(rows, many=True).data)
