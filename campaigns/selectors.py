"""Campaign reads. Lists and pages cost a fixed number of queries whatever their length;
every partner-facing read is scoped to the partner (lead or co-partner)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.money import round_money
from courses.models import Course, Price
from partners.models import Partner

from .models import (
    Campaign,
    CampaignCourse,
    CampaignDailyMetric,
    CampaignPartner,
    DiscountCode,
    OrderAttribution,
    Touch,
    TrackingLink,
    Variant,
)

METRIC_COUNT_FIELDS = (
    "unique_visitors",
    "landing_views",
    "clicks",
    "signups",
    "orders",
    "holdout_visitors",
    "holdout_orders",
)
METRIC_MONEY_FIELDS = ("revenue", "refunds", "discount_cost", "spend")
MAX_METRIC_DAYS = 366


def _with_related(queryset: QuerySet[Campaign]) -> QuerySet[Campaign]:
    return queryset.select_related("partner").prefetch_related(
        Prefetch(
            "campaign_courses",
            queryset=CampaignCourse.objects.select_related("course").order_by("position", "id"),
        ),
        Prefetch(
            "campaign_partners",
            queryset=CampaignPartner.objects.select_related("partner").order_by("partner_id"),
        ),
        Prefetch("variants", queryset=Variant.objects.order_by("id")),
        "fixed_discounts",
    )


def campaign_list_for_partner(*, partner: Partner) -> QuerySet[Campaign]:
    """Campaigns the partner leads or takes part in, with courses, parties, variants and
    fixed amounts prefetched (five queries for any number of rows)."""
    return _with_related(
        Campaign.objects.filter(Q(partner=partner) | Q(campaign_partners__partner=partner)).distinct()
    ).order_by("-created_at", "-id")


def campaign_get(*, pk: int) -> Campaign:
    return _with_related(Campaign.objects.filter(pk=pk)).get()


def campaign_get_for_partner(*, partner: Partner, pk: int) -> Campaign | None:
    return campaign_list_for_partner(partner=partner).filter(pk=pk).first()


def campaign_is_party(*, campaign: Campaign, partner_id: int | None) -> bool:
    if partner_id is None:
        return False
    return campaign.partner_id == partner_id or any(
        cp.partner_id == partner_id for cp in campaign.campaign_partners.all()
    )


def campaign_for_landing(*, slug: str) -> Campaign | None:
    return (
        Campaign.objects.select_related("partner")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("id")),
            Prefetch(
                "campaign_partners",
                queryset=CampaignPartner.objects.select_related("partner").order_by("id"),
            ),
            "fixed_discounts",
        )
        .filter(slug=slug)
        .first()
    )


def campaign_courses_priced(*, campaign: Campaign, currency: str) -> list[Course]:
    """The campaign's published courses in campaign order with ``price_amount`` in
    ``currency`` (``None`` when the course has no price there). One query."""
    price = Subquery(Price.objects.filter(course=OuterRef("pk"), currency=currency).values("amount")[:1])
    return list(
        Course.objects.filter(campaign_parts__campaign=campaign, is_published=True)
        .select_related("category", "instructor")
        .annotate(price_amount=price, price_currency=Value(currency))
        .order_by("campaign_parts__position", "campaign_parts__id")
    )


def campaign_course_ids(*, campaign_id: int) -> set[int]:
    """The joint courses of a campaign: the lines its partners share in."""
    return set(CampaignCourse.objects.filter(campaign_id=campaign_id).values_list("course_id", flat=True))


def campaign_public_code(*, campaign: Campaign, requested: str = "") -> DiscountCode | None:
    """The code a landing page prefills: the one in the link when it belongs to this
    campaign and can still be used, else the campaign's named public code."""
    now = timezone.now()
    usable = DiscountCode.objects.filter(campaign=campaign, is_active=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    if requested:
        code = "".join(ch for ch in requested if ch.isascii() and ch.isalnum()).upper()[:40]
        return usable.filter(code=code).first()
    return usable.filter(batch_id__isnull=True).order_by("-max_redemptions", "id").first()


def tracking_link_get(*, token: str) -> TrackingLink | None:
    return (
        TrackingLink.objects.select_related("campaign", "campaign__partner", "variant")
        .filter(token=token)
        .first()
    )


def tracking_link_list(*, campaign: Campaign) -> QuerySet[TrackingLink]:
    return TrackingLink.objects.filter(campaign=campaign).select_related("variant").order_by("id")


def discount_code_list(*, campaign: Campaign) -> QuerySet[DiscountCode]:
    return DiscountCode.objects.filter(campaign=campaign).order_by("id")


# --- Figures and metrics -------------------------------------------------------------------


def campaign_live_figures(*, campaign_ids: list[int]) -> dict[int, dict]:
    """Counts straight from touches and attributions, for campaigns whose nightly rows do
    not exist yet (two queries for any number of campaigns)."""
    figures = {
        pk: {"unique_visitors": 0, "clicks": 0, "landing_views": 0, "orders": 0, "revenue": Decimal("0")}
        for pk in campaign_ids
    }
    touches = (
        Touch.objects.filter(campaign_id__in=campaign_ids)
        .values("campaign_id")
        .annotate(
            unique_visitors=Count("visitor_id", distinct=True),
            clicks=Count("id", filter=Q(kind=Touch.Kind.CLICK)),
            landing_views=Count("id", filter=Q(kind=Touch.Kind.LANDING_VIEW)),
        )
        .order_by()
    )
    for row in touches:
        figures[row["campaign_id"]].update(
            unique_visitors=row["unique_visitors"], clicks=row["clicks"], landing_views=row["landing_views"]
        )
    orders = (
        OrderAttribution.objects.filter(campaign_id__in=campaign_ids)
        .values("campaign_id", "campaign__budget_currency")
        .annotate(
            orders=Count("id"),
            # Every attributed order counts, converted into the campaign's own currency.
            revenue=Sum(
                _in_reporting_currency(F("amount") - F("refunded_amount"), to="campaign__budget_currency")
            ),
        )
        .order_by()
    )
    for row in orders:
        figures[row["campaign_id"]].update(
            orders=row["orders"], revenue=_rounded(row["revenue"], row["campaign__budget_currency"])
        )
    return figures


_FX_AMOUNT = DecimalField(max_digits=30, decimal_places=10)


def _rate_case(field: str) -> Case:
    """``settings.REPORTING_FX_RATES`` (value of one unit in a common base) for the currency
    in ``field``, as SQL: the whole conversion stays in the one aggregate query."""
    return Case(
        *[
            When(**{field: code}, then=Value(Decimal(str(rate)), output_field=_FX_AMOUNT))
            for code, rate in sorted(settings.REPORTING_FX_RATES.items())
        ],
        default=None,
        output_field=_FX_AMOUNT,
    )


def _in_reporting_currency(
    amount, *, to: str | None = None, currency: str | None = None
) -> ExpressionWrapper:
    """``amount * rate[from] / rate[to]``: ``to`` names the target currency's field, or
    ``currency`` gives it as a constant."""
    if currency is not None:
        target = Value(Decimal(str(settings.REPORTING_FX_RATES[currency])), output_field=_FX_AMOUNT)
    else:
        target = _rate_case(to)
    return ExpressionWrapper(amount * _rate_case("currency") / target, output_field=_FX_AMOUNT)


def _rounded(amount, currency: str) -> Decimal:
    """Summed unrounded, then rounded once with the platform's rule."""
    return round_money(Decimal(str(amount)) if amount is not None else Decimal("0"), currency)


def _ratio(numerator, denominator, places: str = "0.0001") -> str | None:
    if not denominator:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places)))


def metrics_totals(rows: list[dict]) -> dict:
    totals: dict = {name: 0 for name in METRIC_COUNT_FIELDS}
    totals.update({name: Decimal("0") for name in METRIC_MONEY_FIELDS})
    for row in rows:
        for name in METRIC_COUNT_FIELDS:
            totals[name] += row[name]
        for name in METRIC_MONEY_FIELDS:
            totals[name] += Decimal(row[name])
    net = totals["revenue"] - totals["refunds"]
    cost = totals["spend"] + totals["discount_cost"]
    totals.update(
        {
            # Click-through: clicks per landing view; conversion: orders per unique visitor.
            "ctr": _ratio(totals["clicks"], totals["landing_views"]),
            "cvr": _ratio(totals["orders"], totals["unique_visitors"]),
            "roas": _ratio(net, totals["spend"]),
            "roi": _ratio(net - cost, cost),
        }
    )
    for name in METRIC_MONEY_FIELDS:
        totals[name] = str(totals[name])
    return totals


@dataclass(frozen=True)
class MetricsResult:
    rows: list[dict]
    totals: dict
    source: str  # "nightly" or "live"


def campaign_metrics(
    *, campaign: Campaign, date_from: date, date_to: date, live_fallback: bool = False
) -> MetricsResult:
    """Daily rows (all variants and languages together) between two dates inclusive, from
    the nightly table. With ``live_fallback`` and no nightly rows yet, the same shape is
    counted live from touches and attributions."""
    stored = list(
        CampaignDailyMetric.objects.filter(
            campaign=campaign,
            date__gte=date_from,
            date__lte=date_to,
            variant__isnull=True,
            language__isnull=True,
        )
        .order_by("date")
        .values("date", "currency", *METRIC_COUNT_FIELDS, *METRIC_MONEY_FIELDS)
    )
    if stored or not live_fallback:
        rows = [{**row, "date": row["date"].isoformat(), **_money_str(row)} for row in stored]
        return MetricsResult(rows=rows, totals=metrics_totals(rows), source="nightly")
    rows = _live_rows(campaign=campaign, date_from=date_from, date_to=date_to)
    return MetricsResult(rows=rows, totals=metrics_totals(rows), source="live")


def _money_str(row: dict) -> dict:
    return {name: str(row[name]) for name in METRIC_MONEY_FIELDS}


def _live_rows(*, campaign: Campaign, date_from: date, date_to: date) -> list[dict]:
    touches = (
        Touch.objects.filter(
            campaign=campaign, created_at__date__gte=date_from, created_at__date__lte=date_to
        )
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            unique_visitors=Count("visitor_id", distinct=True, filter=Q(is_holdout=False)),
            holdout_visitors=Count("visitor_id", distinct=True, filter=Q(is_holdout=True)),
            clicks=Count("id", filter=Q(kind=Touch.Kind.CLICK)),
            landing_views=Count("id", filter=Q(kind=Touch.Kind.LANDING_VIEW)),
        )
        .order_by()
    )
    cur = campaign.budget_currency
    orders = (
        OrderAttribution.objects.filter(
            campaign=campaign, paid_at__date__gte=date_from, paid_at__date__lte=date_to
        )
        .annotate(day=TruncDate("paid_at"))
        .values("day")
        .annotate(
            orders=Count("id", filter=Q(is_holdout=False)),
            holdout_orders=Count("id", filter=Q(is_holdout=True)),
            # Orders in any currency, converted into the campaign's own.
            revenue=Sum(_in_reporting_currency(F("amount"), currency=cur)),
            refunds=Sum(_in_reporting_currency(F("refunded_amount"), currency=cur)),
            discount_cost=Sum(_in_reporting_currency(F("discount_amount"), currency=cur)),
        )
        .order_by()
    )
    by_day: dict[date, dict] = {}

    def row_for(day: date) -> dict:
        return by_day.setdefault(
            day,
            {
                "date": day.isoformat(),
                "currency": campaign.budget_currency,
                **{name: 0 for name in METRIC_COUNT_FIELDS},
                **{name: "0" for name in METRIC_MONEY_FIELDS},
            },
        )

    for row in touches:
        row_for(row["day"]).update(
            {k: row[k] for k in ("unique_visitors", "holdout_visitors", "clicks", "landing_views")}
        )
    for row in orders:
        row_for(row["day"]).update(
            orders=row["orders"],
            holdout_orders=row["holdout_orders"],
            revenue=str(_rounded(row["revenue"], cur)),
            refunds=str(_rounded(row["refunds"], cur)),
            discount_cost=str(_rounded(row["discount_cost"], cur)),
        )
    return [by_day[day] for day in sorted(by_day)]


def default_metrics_range(*, campaign: Campaign) -> tuple[date, date]:
    today = timezone.localdate()
    start = timezone.localdate(campaign.starts_at) if campaign.starts_at else today - timedelta(days=29)
    end = min(today, timezone.localdate(campaign.ends_at)) if campaign.ends_at else today
    if start > end:
        start = end
    if (end - start).days >= MAX_METRIC_DAYS:
        start = end - timedelta(days=MAX_METRIC_DAYS - 1)
    return start, end


def attribution_list(*, campaign: Campaign) -> QuerySet[OrderAttribution]:
    return (
        OrderAttribution.objects.filter(campaign=campaign)
        .select_related("code", "variant")
        .order_by("-paid_at")
    )
