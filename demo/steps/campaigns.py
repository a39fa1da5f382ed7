"""Campaigns: one running co-branded campaign per demo partner, with 2-4 courses of the
partner's field, a 10-20 % discount, two variants and a 10 % control group, a named code
(printed), a small batch of generated codes, one tracking link per channel and some touches.

Idempotent: campaigns, codes and links are matched on their slug, code or name; touches are
added only when the campaign has none."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, DiscountCode, Touch, TrackingLink
from courses.models import Course
from demo.content import arabic
from demo.content.base import translated
from partners.models import Partner

# Partner slug -> category slugs (top or sub) its campaign draws courses from.
CATEGORIES = {
    "bank": ["personal-finance", "investing", "budgeting-saving"],
    "home": ["home-living", "interior-design"],
    "travel": ["travel-cultures", "languages"],
    "museum": ["art-history", "chinese-history", "calligraphy"],
    "sports": ["health-sports", "running-fitness", "mind-body"],
}
HEADLINES = {
    "bank": (
        ("Money skills, together", "一起学理财", "いっしょに学ぶお金のスキル", "Finanzas, juntos"),
        (
            "Your first budget in a weekend",
            "一个周末做好第一份预算",
            "週末で最初の家計簿を",
            "Tu primer presupuesto en un fin de semana",
        ),
    ),
    "home": (
        (
            "Make your home a place to learn",
            "让家成为学习的地方",
            "家を学びの場に",
            "Haz de tu casa un lugar para aprender",
        ),
        (
            "Small flat, big ideas",
            "小户型，大创意",
            "小さな部屋に大きなアイデア",
            "Piso pequeño, grandes ideas",
        ),
    ),
    "travel": (
        (
            "Travel further: learn before you go",
            "出发之前先学习",
            "旅の前に学ぼう",
            "Viaja más lejos: aprende antes de ir",
        ),
        (
            "Speak the language of your next trip",
            "说下一站的语言",
            "次の旅先の言葉で話そう",
            "Habla el idioma de tu próximo viaje",
        ),
    ),
    "museum": (
        (
            "Art and history, from the museum to you",
            "艺术与历史，从博物馆到你身边",
            "美術と歴史を、美術館からあなたへ",
            "Arte e historia, del museo a ti",
        ),
        (
            "See the collection with new eyes",
            "用新的眼光看馆藏",
            "新しい目でコレクションを",
            "Mira la colección con otros ojos",
        ),
    ),
    "sports": (
        (
            "Train smarter with the experts",
            "跟专家科学训练",
            "専門家と賢くトレーニング",
            "Entrena mejor con expertos",
        ),
        (
            "Your next personal best starts here",
            "下一个个人最好成绩从这里开始",
            "自己ベストはここから",
            "Tu próxima marca personal empieza aquí",
        ),
    ),
}
CALL_TO_ACTION = ("Start learning", "开始学习", "学びはじめる", "Empieza a aprender")
BODY = (
    "A co-branded offer for our customers: selected courses on Zhiqiao at a special price.",
    "为我们的客户准备的联名优惠：知桥精选课程限时特价。",
    "お客さま限定の共同キャンペーン：知橋（Zhiqiao）の厳選コースを特別価格で。",
    "Una oferta conjunta para nuestros clientes: cursos seleccionados de Zhiqiao a precio especial.",
)
CHANNELS = [choice for choice, _label in TrackingLink.Channel.choices]
TOUCHES_PER_CAMPAIGN = 40
GENERATED_CODES = 20
HOLDOUT_SHARE = Decimal("0.3500")
BUDGET = Decimal("40000.00")
# The partner alliance: the bank leads a joint campaign with the museum (money through the
# ages), each partner with its revenue share, drawing courses from both fields.
ALLIANCE = {
    "slug": "bank-museum-treasures",
    "lead": "bank",
    "partner": "museum",
    "share": Decimal("0.0500"),
    "categories": ["personal-finance", "art-history", "chinese-history"],
    "names": (
        "Treasures and savings: Harbor Bank × Lantern Hall",
        "珍藏与储蓄：港湾银行 × 灯阁博物馆",
        "宝物と貯蓄：ハーバー銀行 × ランタンホール美術館",
        "Tesoros y ahorro: Banco Harbor × Museo Lantern Hall",
    ),
    "headlines": (
        (
            "Money through the ages",
            "历代钱币与理财",
            "時代をめぐるお金の話",
            "El dinero a través de los siglos",
        ),
        (
            "From ancient coins to your first budget",
            "从古钱币到你的第一份预算",
            "古銭から最初の家計簿まで",
            "De las monedas antiguas a tu primer presupuesto",
        ),
    ),
}


def _courses(slug: str, rng: random.Random) -> list[int]:
    categories = CATEGORIES.get(slug, [])
    # Free courses have nothing to discount.
    queryset = Course.objects.filter(is_published=True, prices__currency="USD", prices__amount__gt=0)
    matching = list(
        queryset.filter(Q(category__slug__in=categories) | Q(category__parent__slug__in=categories))
        .order_by("-enrollment_count", "slug")
        .values_list("pk", flat=True)[:12]
    )
    if len(matching) < 2:
        matching += list(
            queryset.exclude(pk__in=matching)
            .order_by("-enrollment_count", "slug")
            .values_list("pk", flat=True)[:4]
        )
    return rng.sample(matching, k=min(len(matching), rng.randint(2, 4)))


def _campaign(partner: Partner, rng: random.Random, started: datetime) -> Campaign:
    slug = f"{partner.slug}-learning-week"
    main_ar, second_ar = arabic.CAMPAIGN_HEADLINES.get(partner.slug, arabic.CAMPAIGN_HEADLINES["bank"])
    arabic_fields = _arabic_fields(f"{partner.name_ar or partner.name_en} × Zhiqiao", main_ar)
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is not None:
        return _fill_arabic(campaign, arabic_fields, second_ar)
    main, second = HEADLINES.get(partner.slug, HEADLINES["bank"])
    names = tuple(
        f"{partner_name} × Zhiqiao"
        for partner_name in (
            partner.name_en,
            partner.name_zh_hans or partner.name_en,
            partner.name_ja or partner.name_en,
            partner.name_es or partner.name_en,
        )
    )
    percent = Decimal(rng.choice([10, 15, 20]))
    now = timezone.now()
    campaign = services.campaign_create(
        partner=partner,
        slug=slug,
        fields={
            **translated("name", names),
            **translated("headline", main),
            **translated("body", BODY),
            **translated("call_to_action", CALL_TO_ACTION),
            **arabic_fields,
            "discount_percent": percent,
            # A large control group, so that its daily orders clear the privacy minimum and
            # partners see the lift on the demo's traffic.
            "holdout_share": HOLDOUT_SHARE,
            "starts_at": min(started, now - timedelta(days=14)),
            "ends_at": now + timedelta(days=60),
            "budget_amount": BUDGET,
            "budget_currency": "USD",
        },
        course_ids=_courses(partner.slug, rng),
        variants=[
            {"name": "A", "weight": 1},
            {
                "name": "B",
                "weight": 1,
                "discount_percent": min(percent + 5, Decimal(20)),
                **translated("headline", second),
                "headline_ar": second_ar,
            },
        ],
    )
    services.campaign_submit(campaign=campaign)
    return services.campaign_approve(campaign=campaign)


def _arabic_fields(name: str, headline: str) -> dict[str, str]:
    return {
        "name_ar": name,
        "headline_ar": headline,
        "body_ar": arabic.CAMPAIGN_BODY,
        "call_to_action_ar": arabic.CAMPAIGN_CALL_TO_ACTION,
    }


def _fill_arabic(campaign: Campaign, fields: dict[str, str], second_headline: str) -> Campaign:
    """A campaign seeded before Arabic gets its Arabic texts; texts already there (perhaps
    edited by the partner) stay."""
    empty = [name for name in fields if not getattr(campaign, name)]
    if empty:
        for name in empty:
            setattr(campaign, name, fields[name])
        campaign.save(update_fields=[*empty, "updated_at"])
    campaign.variants.filter(name="B", headline_ar="").update(
        headline_ar=second_headline, updated_at=timezone.now()
    )
    return campaign


def _touches(campaign: Campaign, links: list[TrackingLink], rng: random.Random) -> None:
    if Touch.objects.filter(campaign=campaign).exists():
        return
    variants = list(campaign.variants.order_by("id"))
    now = timezone.now()
    for i in range(TOUCHES_PER_CAMPAIGN):
        visitor = f"00000000-0000-4000-8000-{campaign.pk:06d}{i:06d}"
        assignment = services.visitor_assign(campaign=campaign, visitor_id=visitor, variants=variants)
        link = rng.choice(links)
        at = now - timedelta(days=rng.randint(0, 13), minutes=rng.randint(0, 1440))
        language = rng.choice(["en", "zh-hans", "ja", "es"])
        for kind in ("click", "landing_view"):
            services.touch_record(
                campaign=campaign,
                kind=kind,
                visitor_id=visitor,
                variant=assignment.variant,
                is_holdout=assignment.is_holdout,
                link=link if kind == "click" else None,
                channel=link.channel,
                language=language,
                at=at + timedelta(seconds=5 if kind == "landing_view" else 0),
            )


def _alliance(rng: random.Random, started: datetime) -> Campaign | None:
    main_ar, second_ar = arabic.ALLIANCE_HEADLINES
    arabic_fields = _arabic_fields(arabic.ALLIANCE_NAME, main_ar)
    campaign = Campaign.objects.filter(slug=ALLIANCE["slug"]).first()
    if campaign is not None:
        return _fill_arabic(campaign, arabic_fields, second_ar)
    partners = {p.slug: p for p in Partner.objects.filter(slug__in=[ALLIANCE["lead"], ALLIANCE["partner"]])}
    if len(partners) < 2:
        return None
    lead = partners[ALLIANCE["lead"]]
    course_ids = []
    for category in ALLIANCE["categories"]:
        picks = [pk for pk in _courses_in([category]) if pk not in course_ids]
        course_ids.extend(picks[:1])
    main, second = ALLIANCE["headlines"]
    now = timezone.now()
    campaign = services.campaign_create(
        partner=lead,
        slug=ALLIANCE["slug"],
        fields={
            **translated("name", ALLIANCE["names"]),
            **translated("headline", main),
            **translated("body", BODY),
            **translated("call_to_action", CALL_TO_ACTION),
            **arabic_fields,
            "discount_percent": Decimal("15"),
            "holdout_share": HOLDOUT_SHARE,
            "starts_at": min(started, now - timedelta(days=14)),
            "ends_at": now + timedelta(days=60),
            "budget_amount": BUDGET,
            "budget_currency": "USD",
        },
        course_ids=course_ids,
        lead_share=ALLIANCE["share"],
        co_partners={partners[ALLIANCE["partner"]].pk: ALLIANCE["share"]},
        variants=[
            {"name": "A", "weight": 1},
            {
                "name": "B",
                "weight": 1,
                "discount_percent": Decimal("20"),
                **translated("headline", second),
                "headline_ar": second_ar,
            },
        ],
    )
    services.campaign_submit(campaign=campaign)
    return services.campaign_approve(campaign=campaign)


def _courses_in(categories: list[str]) -> list[int]:
    queryset = Course.objects.filter(is_published=True, prices__currency="USD", prices__amount__gt=0)
    return list(
        queryset.filter(Q(category__slug__in=categories) | Q(category__parent__slug__in=categories))
        .exclude(format=Course.Format.LIVE)
        .order_by("-enrollment_count", "slug")
        .values_list("pk", flat=True)[:4]
    )


def run(*, rng: random.Random, options: dict, stdout) -> None:
    # Started at the beginning of the history step's first day, which fills the weeks since.
    first_day = timezone.localdate() - timedelta(days=options.get("history_days", 60))
    started = timezone.make_aware(datetime.combine(first_day, time.min))
    campaigns = []
    for partner in Partner.objects.filter(status=Partner.Status.ACTIVE).order_by("slug"):
        campaigns.append((partner, _campaign(partner, rng, started)))
    alliance = _alliance(rng, started)
    if alliance is not None:
        campaigns.append((alliance.partner, alliance))
    for partner, campaign in campaigns:
        prefix = "TREASURE" if campaign.slug == ALLIANCE["slug"] else partner.slug.upper()
        named = f"{prefix}{int(campaign.discount_percent)}"
        if not DiscountCode.objects.filter(code=named).exists():
            services.discount_code_create_named(
                campaign=campaign, code=named, max_redemptions=1000, per_customer_limit=1
            )
        if not DiscountCode.objects.filter(campaign=campaign, batch_id__isnull=False).exists():
            services.discount_codes_generate(campaign=campaign, count=GENERATED_CODES)
        links = []
        for channel in CHANNELS:
            link = TrackingLink.objects.filter(campaign=campaign, name=f"demo-{channel}").first()
            links.append(
                link
                or services.tracking_link_create(campaign=campaign, channel=channel, name=f"demo-{channel}")
            )
        _touches(campaign, links, rng)
        stdout.write(f"Campaign for {partner.slug}: /en/c/{campaign.slug}/ (code {named})")
