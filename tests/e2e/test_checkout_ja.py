"""A learner buys a course in Japanese in a real browser: sign in, add to cart, pay with
the sandbox provider, see the paid order."""

import pytest

from commerce.models import Order
from courses.models import Enrollment
from tests.factories import CourseFactory, LearnerProfileFactory, LessonFactory, SectionFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_learner_buys_a_course_in_japanese(page, login, live_server):
    # given a Japanese learner and a course with a Japanese title
    user = UserFactory(username="hanako")
    LearnerProfileFactory(user=user, preferred_language="ja", country="JP")
    course = CourseFactory(slug="tea-ja", title_en="The Way of Tea", title_ja="中国茶の作法入門")
    LessonFactory(section=SectionFactory(course=course))

    # when she signs in, adds the course to her cart and pays with the sandbox card
    login(page, "hanako", "pass-1234", language="ja")
    page.goto(f"{live_server.url}/ja/courses/{course.slug}/")
    page.locator('[data-testid="buy-box"] form button[type="submit"]').first.click()
    page.wait_for_url("**/ja/cart/**")
    assert page.locator('[data-testid="cart-line"]').count() == 1
    page.locator('[data-testid="go-to-checkout"]').click()
    page.wait_for_url("**/ja/checkout/**")
    page.locator('input[value="tok_success"]').check()
    page.locator('[data-testid="pay"]').click()
    page.wait_for_url("**/ja/orders/*/")

    # then the order page, in Japanese, shows a paid order in yen and she is enrolled
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator('[data-testid="order-status"]').get_attribute("data-status") == "paid"
    assert page.locator('[data-testid="order-total"]').inner_text() in ("¥4,200", "￥4,200")
    assert "中国茶の作法入門" in page.locator('[data-testid="order"]').inner_text()
    order = Order.objects.get(user=user)
    assert (order.status, order.currency, order.language) == ("paid", "JPY", "ja")
    assert Enrollment.objects.filter(user=user, course=course, is_active=True).count() == 1
