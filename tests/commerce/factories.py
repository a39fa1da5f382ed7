"""Commerce test data: paid orders built through the real services."""

import factory

from commerce.models import Order, OrderLine
from tests.factories import CourseFactory, UserFactory


class OrderFactory(factory.django.DjangoModelFactory):
    """A bare pending order row; prefer ``order_checkout`` when the test is about rules."""

    class Meta:
        model = Order

    user = factory.SubFactory(UserFactory)
    currency = "USD"
    provider = "sandbox"


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    course = factory.SubFactory(CourseFactory)
    currency = factory.SelfAttribute("order.currency")
