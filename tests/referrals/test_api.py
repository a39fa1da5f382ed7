"""The storefront API: me/referral/ and its lists, exact query counts, refusals that
change nothing, and the poster."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from referrals.models import CodeClaim, Commission, Referrer, Withdrawal
from referrals.services import commissions_release_due
from tests.factories import CourseFactory, UserFactory

from .conftest import BUYER_DEVICE

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(api_client):
    def _as(user):
        api_client.force_authenticate(user)
        return api_client

    return _as


def test_joining_and_reading_my_referral(signed_in, course, settings):
    client = signed_in(UserFactory(username="alice"))
    assert client.get("/api/v1/me/referral/").json()["code"] == "not_a_referrer"

    created = client.post("/api/v1/me/referral/", format="json")
    assert created.status_code == 201
    again = client.post("/api/v1/me/referral/", format="json")
    assert again.status_code == 200 and again.json()["code"] == created.json()["code"]
    assert Referrer.objects.count() == 1

    body = client.get(f"/api/v1/me/referral/?course={course.slug}").json()
    code = body["code"]
    assert body["url"] == f"{settings.SITE_URL}/r/{code}/{course.slug}/"
    assert body["poster_url"].endswith(f"/api/v1/me/referral/poster/?course={course.slug}")
    assert body["earnings"] == {"pending": {}, "available": {}, "paid": {}, "requested": {}}


def test_earnings_in_the_api(signed_in, course, make_referrer, visit, buy):
    alice = make_referrer("alice")
    visit(alice, course=course)
    buy(UserFactory(username="bob"), course, visitor_id=BUYER_DEVICE)
    body = signed_in(alice.user).get("/api/v1/me/referral/").json()
    assert body["earnings"]["pending"] == {"CNY": "19.90"}
    assert body["earnings"]["available"] == {"CNY": "0.00"}


def test_an_unknown_course_is_a_clear_404(signed_in, make_referrer):
    alice = make_referrer("alice")
    response = signed_in(alice.user).get("/api/v1/me/referral/?course=nope")
    assert (response.status_code, response.json()["code"]) == (404, "course_not_found")


@pytest.mark.parametrize("size", [1, 5, 20])
def test_the_commission_list_costs_a_fixed_number_of_queries(
    size, signed_in, make_referrer, visit, buy, django_assert_num_queries
):
    # given alice with ``size`` commissions on different courses
    alice = make_referrer("alice")
    for n in range(size):
        course = CourseFactory(slug=f"c{n}")
        from referrals.models import CommissionRate

        CommissionRate.objects.create(course=course, direct_rate=Decimal("0.1"))
        visit(alice, course=course)
        buy(UserFactory(username=f"b{n}"), course, visitor_id=BUYER_DEVICE)
    client = signed_in(alice.user)

    # then the list is 3 queries whatever its length: the referrer, the count, the page
    with django_assert_num_queries(3):
        response = client.get("/api/v1/me/referral/commissions/?page_size=100")
    assert response.json()["count"] == size
    first = response.json()["results"][0]
    assert (first["level"], first["status"], first["currency"]) == (1, "pending", "CNY")


def test_withdrawals_in_the_api(signed_in, course, make_referrer, visit, buy):
    alice = make_referrer("alice")
    visit(alice, course=course)
    buy(UserFactory(username="bob"), course, visitor_id=BUYER_DEVICE)
    client = signed_in(alice.user)

    # nothing available yet: refused with a clear code, nothing written
    response = client.post(
        "/api/v1/me/referral/withdrawals/", {"currency": "CNY", "amount": "5.00"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "withdrawal_exceeds_balance")
    for bad in ({"currency": "CNY", "amount": "-1"}, {"currency": "CNY"}, {"currency": "ZZZ", "amount": "1"}):
        assert client.post("/api/v1/me/referral/withdrawals/", bad, format="json").status_code == 400
    assert not Withdrawal.objects.exists()

    Commission.objects.update(hold_until=timezone.now() - timedelta(seconds=1))
    commissions_release_due()
    response = client.post(
        "/api/v1/me/referral/withdrawals/", {"currency": "CNY", "amount": "5.00"}, format="json"
    )
    assert response.status_code == 201 and response.json()["status"] == "requested"
    listed = client.get("/api/v1/me/referral/withdrawals/").json()
    assert (listed["count"], listed["results"][0]["amount"]) == (1, "5.00")


def test_claims_in_the_api(signed_in, make_referrer):
    alice = make_referrer("alice")
    bob = UserFactory(username="bob")
    client = signed_in(bob)
    assert client.post("/api/v1/me/referral/claims/", {"code": "zzzz"}, format="json").json()["code"] == (
        "referral_code_unknown"
    )
    response = client.post("/api/v1/me/referral/claims/", {"code": alice.code}, format="json")
    assert response.status_code == 201
    assert CodeClaim.objects.get().referrer == alice


def test_anonymous_callers_are_refused(api_client, db):
    for path in (
        "me/referral/",
        "me/referral/commissions/",
        "me/referral/withdrawals/",
        "me/referral/poster/",
    ):
        assert api_client.get(f"/api/v1/{path}").status_code in (401, 403)
    assert api_client.post("/api/v1/me/referral/", format="json").status_code in (401, 403)
    assert not Referrer.objects.exists()


def test_the_poster_is_a_png_in_the_course_language(signed_in, make_referrer):
    course = CourseFactory(slug="shufa", title_zh_hans="书法入门：从握笔开始", language="zh-hans")
    alice = make_referrer("alice")
    alice.user.first_name, alice.user.last_name = "丽", "王"
    alice.user.save()
    response = signed_in(alice.user).get(f"/api/v1/me/referral/poster/?course={course.slug}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (750, 1240)
    # the top is the course's cover colour, the bottom the brand band
    assert image.convert("RGB").getpixel((10, 10)) == (47, 111, 143)
    assert image.convert("RGB").getpixel((5, 1235)) == (194, 65, 12)
