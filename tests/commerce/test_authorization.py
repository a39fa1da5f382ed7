"""Who may see and change orders: parametrized over every kind of caller; a refused
request changes nothing."""

import pytest
from rest_framework.test import APIClient

from commerce.models import Order, Refund
from commerce.services import order_checkout
from tests.factories import CourseFactory, UserFactory
from tests.partners.factories import PartnerFactory, PartnerMemberFactory

pytestmark = pytest.mark.django_db

CALLERS = [
    "anonymous",
    "other_learner",
    "partner_member_of_other_partner",
    "partner_member",
    "staff",
    "owner",
]


@pytest.fixture
def order():
    owner = UserFactory(username="owner")
    course = CourseFactory()
    return order_checkout(
        user=owner, items=[{"course": course.slug}], currency="USD", payment={"token": "tok_success"}
    ).order


def _caller(kind: str, order: Order):
    if kind == "anonymous":
        return None
    if kind == "owner":
        return order.user
    if kind == "staff":
        return UserFactory(username="staffer", is_staff=True)
    user = UserFactory(username=kind)
    if kind.startswith("partner_member"):
        PartnerMemberFactory(user=user, partner=PartnerFactory())
    return user


@pytest.mark.parametrize("kind", CALLERS)
def test_only_the_owner_sees_an_order(kind, order):
    client = APIClient()
    user = _caller(kind, order)
    if user is not None:
        client.force_authenticate(user)
    detail = client.get(f"/api/v1/orders/{order.number}/")
    listing = client.get("/api/v1/orders/")
    if kind == "anonymous":
        assert (detail.status_code, listing.status_code) == (401, 401)
    elif kind == "owner":
        assert detail.json()["number"] == str(order.number)
        assert [o["number"] for o in listing.json()["results"]] == [str(order.number)]
    else:
        assert (detail.status_code, detail.json()["code"]) == (404, "order_not_found")
        assert listing.json()["count"] == 0


@pytest.mark.parametrize("kind", CALLERS)
def test_only_staff_refund(kind, order, client):
    user = _caller(kind, order)
    if user is not None:
        if kind == "staff":
            user.is_superuser = True
            user.save()
        client.force_login(user)
    response = client.post(f"/admin/commerce/order/{order.pk}/refund/", {"amount": "1.00", "reason": "x"})
    if kind == "staff":
        assert response.status_code == 302
        assert Refund.objects.count() == 1
    else:
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert Refund.objects.count() == 0
        order.refresh_from_db()
        assert order.status == "paid"
