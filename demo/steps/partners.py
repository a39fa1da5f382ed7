"""Partners: five partner brands in four languages, their admins, the current data-sharing
consent text, one fresh demo API key per partner (printed, only its hash stored), a few pushed
customers and a few linked learners.

Idempotent except for the API keys, as CONTRACTS.md asks: every run revokes the previous
"demo" key of each partner and prints a newly issued one."""

import hashlib
import random

from accounts.models import User
from courses.models import Category
from demo.content import arabic
from demo.content.base import translated
from partners.models import ApiKey, ConsentText, Partner, PartnerMember
from partners.services import (
    api_key_issue,
    api_key_revoke,
    consent_text_make_current,
    partner_consent_grant,
    partner_create,
    partner_customers_upsert,
    partner_member_add,
)

DEMO_KEY_NAME = "demo"
CUSTOMERS_PER_PARTNER = 12
LINKED_LEARNERS_PER_PARTNER = 4

# slug: (industry, primary, secondary, website, name, description, interests)
PARTNERS = {
    "bank": (
        "banking",
        "#0b3d91",
        "#f5b700",
        "https://harbor-bank.example",
        ("Harbor Bank", "港湾银行", "ハーバー銀行", "Banco Harbor"),
        (
            "A retail bank that helps its clients learn to budget, save and invest.",
            "一家帮助客户学习预算、储蓄与投资的零售银行。",
            "お客さまの家計管理・貯蓄・投資の学びを支えるリテール銀行です。",
            "Un banco minorista que ayuda a sus clientes a aprender a presupuestar, ahorrar e invertir.",
        ),
        ["personal-finance", "investing", "budgeting-saving"],
    ),
    "home": (
        "home furnishing",
        "#6b4f3a",
        "#e9d8a6",
        "https://nestwood-home.example",
        ("Nestwood Home", "巢木家居", "ネストウッド・ホーム", "Nestwood Hogar"),
        (
            "Furniture and home goods for small city flats, with free design advice.",
            "为城市小户型打造的家具与家居用品，并提供免费设计建议。",
            "都会の小さな住まいのための家具と生活雑貨。デザイン相談は無料です。",
            "Muebles y artículos para pisos pequeños de ciudad, con asesoría de diseño gratuita.",
        ),
        ["home-living", "interior-design"],
    ),
    "travel": (
        "travel",
        "#0077b6",
        "#90e0ef",
        "https://skyway-journeys.example",
        ("Skyway Journeys", "天路旅行", "スカイウェイ・ジャーニー", "Viajes Skyway"),
        (
            "Small-group journeys across Asia and Latin America, guided by locals.",
            "由当地向导带领的亚洲与拉丁美洲小团旅行。",
            "地元ガイドと巡る、アジアと中南米の少人数ツアー。",
            "Viajes en grupos pequeños por Asia y América Latina, guiados por gente local.",
        ),
        ["travel-cultures", "languages"],
    ),
    "museum": (
        "museum",
        "#7b2d26",
        "#d4a373",
        "https://lantern-hall.example",
        ("Lantern Hall Museum", "灯阁博物馆", "ランタンホール美術館", "Museo Lantern Hall"),
        (
            "A museum of East Asian art, calligraphy and everyday objects.",
            "一座收藏东亚艺术、书法与日常器物的博物馆。",
            "東アジアの美術・書・暮らしの道具を集めた美術館です。",
            "Un museo de arte de Asia oriental, caligrafía y objetos cotidianos.",
        ),
        ["art-history", "chinese-history", "calligraphy"],
    ),
    "sports": (
        "sports",
        "#d62828",
        "#003049",
        "https://stride-athletics.example",
        ("Stride Athletics", "步履运动", "ストライド・アスレチックス", "Stride Deportes"),
        (
            "Running shoes and training gear, and coaching for every level.",
            "跑鞋与训练装备，以及面向各水平的训练指导。",
            "ランニングシューズとトレーニング用品、レベルに合わせたコーチング。",
            "Zapatillas de running, ropa de entrenamiento y entrenamiento para todos los niveles.",
        ),
        ["health-sports", "running-fitness", "mind-body"],
    ),
}

MEMBERS = {"bank-admin": "bank", "home-admin": "home"}

CONSENT_TEXT_V1 = (
    "I agree that Zhiqiao shares my username, country, language, interests and the courses I "
    "buy or take with this partner, so that it can offer me joint courses and benefits. I can "
    "withdraw this consent at any time in my account; the partner then no longer sees me.",
    "我同意知桥与该合作伙伴共享我的用户名、国家或地区、语言、兴趣以及我购买或学习的课程，"
    "以便其向我提供联名课程与权益。我可以随时在账户中撤回此授权，撤回后该合作伙伴将无法再看到我。",
    "私は、知橋（Zhiqiao）がこのパートナーと私のユーザー名・国・言語・興味・購入または受講したコースを"
    "共有し、共同コースや特典の案内に使うことに同意します。この同意はアカウントからいつでも撤回でき、"
    "撤回後パートナーは私を見ることができなくなります。",
    "Acepto que Zhiqiao comparta con este socio mi nombre de usuario, país, idioma, intereses y "
    "los cursos que compro o sigo, para que pueda ofrecerme cursos y ventajas conjuntos. Puedo "
    "retirar este consentimiento en cualquier momento desde mi cuenta; el socio dejará de verme.",
)
COUNTRIES = ["CN", "JP", "ES", "MX", "US", "SG"]
LANGUAGES = {"CN": "zh-hans", "JP": "ja", "ES": "es", "MX": "es", "US": "en", "SG": "en"}


def run(*, rng: random.Random, options: dict, stdout) -> None:
    partners = {slug: _partner(slug, spec) for slug, spec in PARTNERS.items()}
    for username, slug in MEMBERS.items():
        user = User.objects.filter(username=username).first()
        if user is not None:
            partner_member_add(partner=partners[slug], user=user, role=PartnerMember.Role.OWNER)
    consent_text = _consent_text()
    known = set(Category.objects.values_list("slug", flat=True))
    for slug, partner in partners.items():
        _customers(rng, partner, [c for c in PARTNERS[slug][6] if c in known])
        _linked_learners(partner, consent_text)
        stdout.write(f"API key for {slug}: {_fresh_demo_key(partner)}")


def _partner(slug: str, spec: tuple) -> Partner:
    industry, primary, secondary, website, name, description, _interests = spec
    values = {
        "industry": industry,
        "primary_color": primary,
        "secondary_color": secondary,
        "website": website,
        "contact_email": f"partners@{slug}.example",
        "status": Partner.Status.ACTIVE,
        **translated("name", name),
        **translated("description", description),
        "name_ar": arabic.PARTNERS[slug][0],
        "description_ar": arabic.PARTNERS[slug][1],
    }
    partner = Partner.objects.filter(slug=slug).first()
    if partner is None:
        return partner_create(slug=slug, name=name[0], **values)
    changed = [field for field, value in values.items() if getattr(partner, field) != value]
    if changed:
        for field in changed:
            setattr(partner, field, values[field])
        partner.save(update_fields=[*changed, "updated_at"])
    return partner


def _consent_text() -> ConsentText:
    text, _created = ConsentText.objects.get_or_create(
        version=1, defaults={**translated("body", CONSENT_TEXT_V1), "body_ar": arabic.CONSENT_TEXT_V1}
    )
    # A database seeded before Arabic gets the Arabic text; the other languages stay as agreed.
    if not text.body_ar:
        text.body_ar = arabic.CONSENT_TEXT_V1
        text.save(update_fields=["body_ar", "updated_at"])
    if not ConsentText.objects.filter(is_current=True).exists():
        consent_text_make_current(consent_text=text)
    return ConsentText.objects.get(is_current=True)


def _customers(rng: random.Random, partner: Partner, interests: list[str]) -> None:
    customers = []
    for number in range(CUSTOMERS_PER_PARTNER):
        # What a partner would send: its own keyed hash of a customer, never contact data.
        external_id = hashlib.sha256(f"{partner.slug}-crm-{number}".encode()).hexdigest()
        country = rng.choice(COUNTRIES)
        customers.append(
            {
                "external_id": external_id,
                "interests": rng.sample(interests, k=min(len(interests), rng.randint(1, 2))),
                "country": country,
                "language": LANGUAGES[country],
                "consent": True,
            }
        )
    partner_customers_upsert(partner=partner, customers=customers)


def _linked_learners(partner: Partner, consent_text: ConsentText) -> None:
    """A few generated learners linked to every partner, and the demo learner to the bank."""
    offset = list(PARTNERS).index(partner.slug) * LINKED_LEARNERS_PER_PARTNER
    usernames = [f"learner{offset + n + 1:04d}" for n in range(LINKED_LEARNERS_PER_PARTNER)]
    if partner.slug == "bank":
        usernames.append("learner")
    for user in User.objects.filter(username__in=usernames).select_related("profile"):
        language = getattr(getattr(user, "profile", None), "preferred_language", "en")
        partner_consent_grant(user=user, partner=partner, language=language)


def _fresh_demo_key(partner: Partner) -> str:
    for old in ApiKey.objects.filter(partner=partner, name=DEMO_KEY_NAME, revoked_at__isnull=True):
        api_key_revoke(api_key=old)
    _api_key, raw_key = api_key_issue(
        partner=partner, name=DEMO_KEY_NAME, scopes=ApiKey.Scope.values, created_by=None
    )
    return raw_key
