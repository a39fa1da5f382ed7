"""The learner's referral pages in every language."""

from decimal import Decimal

import pytest

from referrals.models import CodeClaim, CommissionRate, Referrer, Withdrawal
from tests.factories import CourseFactory, UserFactory

from .conftest import BUYER_DEVICE

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "zh-hans", "ja", "es"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_learner_joins_from_the_page(client, language):
    user = UserFactory(username=f"u-{language}")
    client.force_login(user)
    page = client.get(f"/{language}/referrals/")
    assert page.status_code == 200 and 'data-testid="referral-join"' in page.content.decode()
    response = client.post(f"/{language}/referrals/join/")
    assert response.status_code == 302
    page = client.get(f"/{language}/referrals/")
    assert Referrer.objects.get(user=user).code in page.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/en/referrals/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post("/en/referrals/join/").status_code == 302
    assert not Referrer.objects.exists()


@pytest.mark.parametrize("size", [1, 6])
def test_the_earnings_page_costs_a_fixed_number_of_queries(
    size, client, make_referrer, visit, buy, django_assert_num_queries
):
    alice = make_referrer("alice")
    for n in range(size):
        course = CourseFactory(slug=f"p{n}")
        CommissionRate.objects.create(course=course, direct_rate=Decimal("0.1"))
        visit(alice, course=course)
        buy(UserFactory(username=f"b{n}"), course, visitor_id=BUYER_DEVICE)
    client.force_login(alice.user)
    client.get("/en/referrals/")  # warm the session and the cached user
    # session, referrer, commission count and page, earnings (2), withdrawals, the learner's
    # courses and the plans on sale to share, and the header's cart count and partner membership
    with django_assert_num_queries(11):
        page = client.get("/en/referrals/")
    assert page.content.decode().count('data-testid="commission"') == size


def test_a_claim_and_a_bad_claim(client, make_referrer):
    alice = make_referrer("alice")
    bob = UserFactory(username="bob")
    client.force_login(bob)
    client.post("/ja/referrals/claim/", {"code": "NOPE"})
    assert not CodeClaim.objects.exists()
    assert "この紹介コードの紹介者はいません。" in client.get("/ja/referrals/").content.decode()
    client.post("/ja/referrals/claim/", {"code": alice.code})
    assert CodeClaim.objects.get().referrer == alice


def test_a_withdrawal_over_the_balance_is_refused_in_the_language_of_the_page(client, make_referrer):
    alice = make_referrer("alice")
    client.force_login(alice.user)
    client.post("/es/referrals/withdraw/", {"currency": "CNY", "amount": "10.00"})
    client.post("/es/referrals/withdraw/", {"currency": "CNY", "amount": "abc"})
    assert not Withdrawal.objects.exists()
    assert "El importe supera tu saldo disponible." in client.get("/es/referrals/").content.decode()


def test_the_share_page_of_a_course(client, course, make_referrer):
    alice = make_referrer("alice")
    client.force_login(alice.user)
    picked = client.get(
        "/zh-hans/referrals/share/", {"course": f"https://zhiqiao.example/en/courses/{course.slug}/"}
    )
    assert picked["Location"] == f"/zh-hans/referrals/courses/{course.slug}/"
    page = client.get(picked["Location"]).content.decode()
    assert f"/r/{alice.code}/{course.slug}/" in page
    assert f"/api/v1/me/referral/poster/?course={course.slug}" in page
    assert client.get("/zh-hans/referrals/courses/nope/").status_code == 404
