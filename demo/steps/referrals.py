"""The demo learner is a referrer (推广员): "My earnings" shows her code, link and poster.
Purchases through her link are left to the visitor (real checkouts are never repeated by a
rerun, and the interaction plan of the other steps stays exactly what it says).
Idempotent: joining twice returns the same referrer."""

import random

from django.contrib.auth import get_user_model

from referrals.services import referrer_join


def run(*, rng: random.Random, options: dict, stdout) -> None:
    learner = get_user_model().objects.filter(username="learner").first()
    if learner is not None:
        referrer_join(user=learner)
