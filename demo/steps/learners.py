"""Learners: the demo accounts of CONTRACTS.md and a few hundred generated learners
(``learner0001``...) with profiles in several countries and languages."""

import random
from datetime import UTC, datetime, timedelta

from accounts.models import LearnerProfile, User
from demo.accounts import DEMO_ACCOUNTS
from demo.content import CATEGORIES
from demo.upsert import upsert

# An unusable password (Django's "!" prefix): generated learners cannot sign in, and the
# fixed value keeps reruns from rewriting every row. Hashing hundreds of real passwords
# would cost minutes.
NO_LOGIN = "!seed-demo-learner"

# country: (weight, languages with weights, currency, first names)
COUNTRIES: dict[str, tuple[int, tuple[tuple[str, int], ...], str, tuple[str, ...]]] = {
    "CN": (
        30,
        (("zh-hans", 9), ("en", 1)),
        "CNY",
        ("Wei", "Fang", "Hao", "Jing", "Lei", "Min", "Xin", "Yan"),
    ),
    "JP": (14, (("ja", 9), ("en", 1)), "JPY", ("Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Riku", "Mei")),
    "ES": (
        10,
        (("es", 9), ("en", 1)),
        "EUR",
        ("Lucía", "Hugo", "Martina", "Pablo", "Sofía", "Daniel", "Carmen"),
    ),
    "MX": (9, (("es", 9), ("en", 1)), "USD", ("Valeria", "Diego", "Regina", "Santiago", "Ximena", "Mateo")),
    "US": (12, (("en", 8), ("es", 2)), "USD", ("Emma", "Liam", "Olivia", "Noah", "Ava", "Ethan", "Mia")),
    "GB": (7, (("en", 1),), "EUR", ("Amelia", "Oliver", "Isla", "George", "Freya", "Harry")),
    "SG": (8, (("en", 6), ("zh-hans", 4)), "USD", ("Jun Jie", "Hui Min", "Arjun", "Siti", "Ethan", "Chloe")),
    "DE": (6, (("en", 1),), "EUR", ("Lena", "Jonas", "Mia", "Felix", "Hannah", "Paul")),
    "TW": (4, (("zh-hans", 1), ("en", 1)), "USD", ("Yu-Ting", "Chia-Hao", "Pei-Shan", "Po-Han")),
    # Arabic-speaking markets, where Chinese culture courses are sold in Arabic.
    "AE": (4, (("ar", 7), ("en", 3)), "USD", ("Mohammed", "Fatima", "Ahmed", "Mariam", "Omar", "Noura")),
    "SA": (4, (("ar", 9), ("en", 1)), "USD", ("Abdullah", "Sara", "Khalid", "Reem", "Faisal", "Lama")),
    "EG": (3, (("ar", 9), ("en", 1)), "USD", ("Youssef", "Nour", "Karim", "Salma", "Mostafa", "Hana")),
}
TOP_CATEGORIES = [spec.slug for spec in CATEGORIES if spec.parent is None]
CONSENT_ANCHOR = datetime(2025, 1, 1, tzinfo=UTC)

# The demo learner's profile (its purchases come from the interactions step).
DEMO_LEARNER_PROFILE = {
    "preferred_language": "en",
    "country": "SG",
    "preferred_currency": "USD",
    "interests": ["personal-finance", "chinese-culture", "health-sports"],
    "marketing_consent": True,
    "marketing_consent_at": CONSENT_ANCHOR,
}


def learner_username(number: int) -> str:
    return f"learner{number:04d}"


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def ensure_demo_accounts() -> dict[str, User]:
    """Create or reset the demo accounts; passwords go back to the documented values."""
    users = {}
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(
            username=account.username, defaults={"email": f"{account.username}@zhiqiao.example"}
        )
        changed = []
        for attr in ("is_staff", "is_superuser"):
            if getattr(user, attr) != account.is_superuser:
                setattr(user, attr, account.is_superuser)
                changed.append(attr)
        if not user.is_active:
            user.is_active = True
            changed.append("is_active")
        if not user.check_password(account.password):
            user.set_password(account.password)
            changed.append("password")
        if changed:
            user.save(update_fields=changed)
        users[account.username] = user
    return users


def run(*, rng: random.Random, options: dict, stdout) -> None:
    demo_users = ensure_demo_accounts()
    upsert(
        LearnerProfile,
        key=("user_id",),
        rows=[{"user_id": demo_users["learner"].pk, **DEMO_LEARNER_PROFILE}],
    )

    countries = [(code, spec[0]) for code, spec in COUNTRIES.items()]
    user_rows, profile_rows = [], []
    for number in range(1, options["learners"] + 1):
        username = learner_username(number)
        country = _weighted(rng, countries)
        _, languages, currency, first_names = COUNTRIES[country]
        consent = rng.random() < 0.4
        consent_day = rng.randint(0, 364)
        user_rows.append(
            {
                "username": username,
                "email": f"{username}@example.com",
                "first_name": rng.choice(first_names),
                "password": NO_LOGIN,
            }
        )
        profile_rows.append(
            {
                "username": username,
                "preferred_language": _weighted(rng, languages),
                "country": country,
                "preferred_currency": currency,
                "interests": sorted(rng.sample(TOP_CATEGORIES, rng.randint(1, 3))),
                "marketing_consent": consent,
                "marketing_consent_at": CONSENT_ANCHOR + timedelta(days=consent_day) if consent else None,
            }
        )
    users = upsert(User, key=("username",), rows=user_rows)
    for row in profile_rows:
        row["user_id"] = users[(row.pop("username"),)].pk
    upsert(LearnerProfile, key=("user_id",), rows=profile_rows)
